/* virtio-entropy (virtio 1.2, "Entropy Device"): device ID 4, one request
 * queue, no configuration space, no device features.  Each buffer the driver
 * offers is filled with getrandom() bytes, at most max_bytes (64 KiB, as
 * Firecracker) per request. */
#ifndef SPLITVM_WORKERS_RNG_H
#define SPLITVM_WORKERS_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "sandbox.h"
#include "virtio_dev.h"

#define RNG_QUEUE_SIZE		256u
#define RNG_MAX_REQUEST		65536u

/* Rate limiter hook: asked before a request is served, with the number of
 * bytes it would take.  Returning false leaves the request in the ring;
 * the limiter must then call rng_resume() once it has budget again (so
 * that the queue is looked at without a new kick).  NULL: unlimited. */
struct rng_limiter {
	bool (*take)(void *opaque, uint64_t bytes);
	void *opaque;
};

struct rng_dev {
	uint32_t max_bytes;
	struct rng_limiter limiter;
	bool throttled;
	uint64_t requests;
	uint64_t bytes;
	uint64_t throttled_count;
};

extern const struct virtio_device_ops rng_ops;
extern const struct sandbox_policy sandbox_policy_rng;

/* Sets up r with max_bytes in 1..RNG_MAX_REQUEST (0 selects the maximum). */
int rng_dev_init(struct rng_dev *r, uint32_t max_bytes) __attribute__((warn_unused_result));

/* Serves the queue again after the limiter refused a request. */
void rng_resume(struct virtio_dev *dev);

#endif
