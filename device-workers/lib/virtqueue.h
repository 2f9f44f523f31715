/* Split virtqueue, device side (virtio 1.2, "Split Virtqueues").
 *
 * The three ring parts live in guest memory and are writable by the guest at
 * any time, including while the device reads them.  So every index, head and
 * descriptor is read once into a local copy before it is checked and used,
 * every address goes through gm_ptr(), and every malformed structure ends
 * the processing of the queue with a negative errno: the caller (the
 * transport) then sets DEVICE_NEEDS_RESET.  Nothing here aborts.
 *
 * Not thread-safe: one queue is served by one thread.
 */
#ifndef SPLITVM_WORKERS_VIRTQUEUE_H
#define SPLITVM_WORKERS_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtio_spec.h"

/* What the driver programmed for one queue (and, when restoring a saved
 * device, where the device had got to). */
struct vq_config {
	uint16_t size;
	uint64_t desc_gpa;
	uint64_t avail_gpa;	/* "driver area" */
	uint64_t used_gpa;	/* "device area" */
	uint64_t features;	/* negotiated: INDIRECT_DESC, EVENT_IDX matter */
	uint16_t last_avail_idx;
	uint16_t used_idx;
};

/* One buffer of a chain.  host points into guest memory: the guest can
 * change the bytes at any time, so a device copies what it parses. */
struct vq_seg {
	uint8_t *host;	/* NULL for a zero-length descriptor */
	uint32_t len;
	bool write;	/* device-writable */
};

struct vq_chain {
	uint16_t head;
	unsigned int nseg;
	unsigned int nreadable;		/* seg[0 .. nreadable) are readable */
	uint32_t readable_bytes;
	uint32_t writable_bytes;
	struct vq_seg *seg;		/* owned by the queue, valid until the next vq_pop() */
};

struct virtqueue {
	const struct guest_mem *gm;
	uint16_t size;
	bool event_idx;
	bool indirect;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail_idx;	/* next avail ring slot the device reads */
	uint16_t used_idx;		/* the device's own copy of used->idx */
	uint16_t signalled_used;	/* used_idx at the last notification */
	bool signalled_used_valid;
	bool pushed;			/* used entries added since the last check */
	struct vq_seg *segs;		/* size + 1 entries */
};

/* Checks the configuration (size a power of two up to 32768, parts aligned as
 * "Split Virtqueues" requires and each entirely inside one guest-memory region)
 * and prepares the queue.  Writes the device-owned used->flags and used->idx.
 * Returns 0 or a negative errno (nothing allocated then). */
int vq_init(struct virtqueue *vq, const struct guest_mem *gm, const struct vq_config *cfg)
	__attribute__((warn_unused_result));

/* Releases what vq_init() allocated; the queue is unusable until the next
 * vq_init().  Safe on a zeroed or already finished queue. */
void vq_fini(struct virtqueue *vq);

/* Takes the next available chain.  Returns 1 with *chain filled in, 0 when
 * the ring is empty (and, with EVENT_IDX, after asking the driver for a
 * kick on the next buffer), or a negative errno when the ring or the chain
 * is malformed: -EINVAL (bad index, flags or lengths), -EFAULT (a buffer or
 * table outside guest memory), -ELOOP (a chain longer than the queue size,
 * which includes every loop). */
int vq_pop(struct virtqueue *vq, struct vq_chain *chain)
	__attribute__((warn_unused_result));

/* Gives the chain taken last back to the ring, untouched, to be taken again
 * by the next vq_pop() (a device that cannot serve it yet, e.g. rate
 * limited). */
void vq_unpop(struct virtqueue *vq);

/* Returns a chain to the driver with the number of bytes the device wrote
 * into it (elements first, then a release store of used->idx).  -EINVAL
 * when head is no descriptor index; -EIO when the driver has written the
 * device-owned used->idx behind the device's back. */
int vq_push(struct virtqueue *vq, uint16_t head, uint32_t written)
	__attribute__((warn_unused_result));

/* After one or more vq_push(): true when the driver wants a used-buffer
 * notification now (VIRTQ_AVAIL_F_NO_INTERRUPT, or used_event with
 * EVENT_IDX).  Resets the "pushed" state, so a second call without a push
 * in between returns false. */
bool vq_should_notify(struct virtqueue *vq);

/* Number of chains the driver has made available and the device has not
 * taken yet; negative errno when avail->idx is more than the queue size
 * ahead (a corrupted or hostile ring). */
int vq_pending(const struct virtqueue *vq);

#endif
