// SPDX-License-Identifier: Apache-2.0
#include "rng.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"

int rng_dev_init(struct rng_dev *r, uint32_t max_bytes)
{
	if (max_bytes > RNG_MAX_REQUEST)
		return -EINVAL;
	*r = (struct rng_dev){ .max_bytes = max_bytes ? max_bytes : RNG_MAX_REQUEST };
	return 0;
}

/* getrandom() from the kernel's pool, never blocking once it is
 * initialised (the host has been up long before a VM starts); a read of
 * more than 256 bytes can come back short when interrupted by a signal. */
static int fill_random(uint8_t *p, uint32_t len)
{
	uint32_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(p + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("rng: getrandom: %s", strerror(errno));
			return -errno;
		}
		done += (uint32_t)n;
	}
	return 0;
}

/* Fills the chain's device-writable buffers, up to want bytes. */
static int fill_chain(const struct vq_chain *c, uint32_t want, uint32_t *written)
{
	*written = 0;
	for (unsigned int i = c->nreadable; i < c->nseg && *written < want; i++) {
		const struct vq_seg *s = &c->seg[i];
		uint32_t n = s->len < want - *written ? s->len : want - *written;
		int ret;

		if (n == 0)
			continue;
		ret = fill_random(s->host, n);
		if (ret)
			return ret;
		*written += n;
	}
	return 0;
}

static int rng_queue_notify(struct virtio_dev *dev, uint16_t qidx)
{
	struct rng_dev *r = dev->priv;
	struct virtqueue *vq = &dev->queues[qidx].vq;
	struct vq_chain c;
	uint32_t want, written;
	int ret;

	for (;;) {
		ret = vq_pop(vq, &c);
		if (ret <= 0)
			return ret;
		/* "Entropy Device", driver requirements: "The driver MUST NOT
		 * place device-readable buffers into the queue." Readable ones
		 * are skipped: the device never writes a device-readable
		 * buffer. */
		want = c.writable_bytes < r->max_bytes ? c.writable_bytes : r->max_bytes;
		if (r->limiter.take && !r->limiter.take(r->limiter.opaque, want)) {
			vq_unpop(vq);
			r->throttled = true;
			r->throttled_count++;
			return 0;
		}
		ret = fill_chain(&c, want, &written);
		if (ret)
			return ret;
		ret = vq_push(vq, c.head, written);
		if (ret)
			return ret;
		r->requests++;
		r->bytes += written;
	}
}

void rng_resume(struct virtio_dev *dev)
{
	struct rng_dev *r = dev->priv;

	if (r->throttled) {
		r->throttled = false;
		virtio_dev_queue_notify(dev, 0);
	}
}

static void rng_reset(struct virtio_dev *dev)
{
	struct rng_dev *r = dev->priv;

	r->throttled = false;
}

const struct virtio_device_ops rng_ops = {
	.name = "rng",
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_max_size = RNG_QUEUE_SIZE,
	.features = 0,
	.config_size = 0,
	.reset = rng_reset,
	.queue_notify = rng_queue_notify,
};
