// SPDX-License-Identifier: Apache-2.0
/* vmm-worker-rng: the virtio-entropy device worker. */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "rng.h"
#include "worker.h"

static void *rng_configure(const Ctl__Configure *cfg, int *err)
{
	const Ctl__RngConfig *rc = cfg->rng;
	struct rng_dev *r = malloc(sizeof(*r));

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = rng_dev_init(r, rc->has_max_bytes_per_request ? rc->max_bytes_per_request : 0);
	if (*err) {
		free(r);
		return NULL;
	}
	if (rc->rate_limiter)
		log_warn("rng: rate limiter configured but not enforced yet");
	return r;
}

static unsigned int rng_stats(void *priv, const char **names, uint64_t *values,
			      unsigned int max)
{
	const struct rng_dev *r = priv;
	const char *n[] = { "entropy_requests", "entropy_bytes", "entropy_throttled" };
	uint64_t v[] = { r->requests, r->bytes, r->throttled_count };
	unsigned int i;

	for (i = 0; i < max && i < 3; i++) {
		names[i] = n[i];
		values[i] = v[i];
	}
	return i;
}

static const struct worker_device rng_worker_device = {
	.ops = &rng_ops,
	.policy = &sandbox_policy_rng,
	.device_type = CTL__DEVICE_TYPE__DEVICE_RNG,
	.no_file_writes = true,
	.configure = rng_configure,
	.destroy = free,
	.stats = rng_stats,
};

int main(int argc, char **argv)
{
	return worker_main(argc, argv, &rng_worker_device);
}
