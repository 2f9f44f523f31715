// SPDX-License-Identifier: Apache-2.0
#include "virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "log.h"

/* Stops the compiler from re-reading guest memory in place of a local copy
 * (the guest may have changed it in between: a double fetch). */
#define guest_barrier() __asm__ __volatile__("" ::: "memory")

static inline uint16_t load_acquire_u16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline uint16_t load_once_u16(const uint16_t *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline void store_once_u16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, htole16(v), __ATOMIC_RELAXED);
}

/* Descriptors are read with memcpy: an indirect table need not be 16-byte
 * aligned, and the spec gives it no alignment rule. */
static void read_desc(const struct virtq_desc *src, struct virtq_desc *d)
{
	memcpy(d, src, sizeof(*d));
	guest_barrier();
	d->addr = le64toh(d->addr);
	d->len = le32toh(d->len);
	d->flags = le16toh(d->flags);
	d->next = le16toh(d->next);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* Maps one ring part: aligned as 2.7's table says, all inside one region. */
static void *map_part(const struct guest_mem *gm, const char *what, uint64_t gpa,
		      uint64_t len, uint64_t align)
{
	void *p;

	if (gpa & (align - 1)) {
		log_warn("virtqueue: %s at 0x%" PRIx64 " not %" PRIu64 "-byte aligned",
			 what, gpa, align);
		return NULL;
	}
	p = gm_ptr(gm, gpa, len);
	if (!p)
		log_warn("virtqueue: %s 0x%" PRIx64 "+0x%" PRIx64 " outside guest memory",
			 what, gpa, len);
	return p;
}

int vq_init(struct virtqueue *vq, const struct guest_mem *gm, const struct vq_config *cfg)
{
	struct virtqueue q = { .gm = gm, .size = cfg->size };

	/* "Split Virtqueues": "Queue Size value is always a power of 2.  The
	 * maximum Queue Size value is 32768." */
	if (!is_pow2(cfg->size) || cfg->size > VIRTQ_MAX_SIZE) {
		log_warn("virtqueue: size %u is not a power of two up to %u",
			 cfg->size, VIRTQ_MAX_SIZE);
		return -EINVAL;
	}
	q.desc = map_part(gm, "descriptor table", cfg->desc_gpa,
			  virtq_desc_size(cfg->size), 16);
	q.avail = map_part(gm, "available ring", cfg->avail_gpa,
			   virtq_avail_size(cfg->size), 2);
	q.used = map_part(gm, "used ring", cfg->used_gpa,
			  virtq_used_size(cfg->size), 4);
	if (!q.desc || !q.avail || !q.used)
		return -EFAULT;
	/* A chain visits at most size descriptors plus the one pointing at an
	 * indirect table, and each visit yields at most one segment. */
	q.segs = calloc((size_t)cfg->size + 1, sizeof(*q.segs));
	if (!q.segs)
		return -ENOMEM;
	q.indirect = cfg->features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	q.event_idx = cfg->features & VIRTIO_BIT(VIRTIO_F_EVENT_IDX);
	q.last_avail_idx = cfg->last_avail_idx;
	q.used_idx = cfg->used_idx;
	q.signalled_used = cfg->used_idx;
	/* The used ring belongs to the device: start it from the device's
	 * own index, asking for every kick (VIRTQ_USED_F_NO_NOTIFY clear). */
	store_once_u16(&q.used->flags, 0);
	__atomic_store_n(&q.used->idx, htole16(q.used_idx), __ATOMIC_RELEASE);
	*vq = q;
	return 0;
}

void vq_fini(struct virtqueue *vq)
{
	free(vq->segs);
	memset(vq, 0, sizeof(*vq));
}

int vq_pending(const struct virtqueue *vq)
{
	uint16_t avail_idx = load_acquire_u16(&vq->avail->idx);
	uint16_t n = (uint16_t)(avail_idx - vq->last_avail_idx);

	/* The driver can have at most size chains outstanding; an index that
	 * ran further ahead ("The Virtqueue Available Ring": "A driver MUST NOT
	 * decrement the available idx", and it cannot offer more than the ring
	 * holds) is corrupt. */
	if (n > vq->size) {
		log_warn("virtqueue: avail idx %u is %u ahead of the device's %u (size %u)",
			 avail_idx, n, vq->last_avail_idx, vq->size);
		return -EINVAL;
	}
	return n;
}

/* The state of one chain walk. */
struct walk {
	const struct virtq_desc *table;
	uint32_t table_len;
	bool in_indirect;
	unsigned int visits;
};

/* Switches the walk to the indirect table that d points at. */
static int walk_enter_indirect(struct virtqueue *vq, struct walk *w,
			       const struct virtq_desc *d)
{
	/* "Indirect Descriptors", driver requirements: "The driver MUST NOT set
	 * the VIRTQ_DESC_F_INDIRECT flag unless the VIRTIO_F_INDIRECT_DESC
	 * feature was negotiated.  The driver MUST NOT set the
	 * VIRTQ_DESC_F_INDIRECT flag within an indirect descriptor (ie. only
	 * one table per descriptor). [...] A driver MUST NOT set both
	 * VIRTQ_DESC_F_INDIRECT and VIRTQ_DESC_F_NEXT in flags." */
	if (!vq->indirect) {
		log_warn("virtqueue: indirect descriptor without VIRTIO_F_INDIRECT_DESC");
		return -EINVAL;
	}
	if (w->in_indirect) {
		log_warn("virtqueue: indirect descriptor inside an indirect table");
		return -EINVAL;
	}
	if (d->flags & VIRTQ_DESC_F_NEXT) {
		log_warn("virtqueue: indirect descriptor with VIRTQ_DESC_F_NEXT");
		return -EINVAL;
	}
	/* The table holds len / 16 descriptors, and since the whole chain may
	 * not be longer than the queue size, neither may the table. */
	if (d->len == 0 || d->len % sizeof(struct virtq_desc) ||
	    d->len / sizeof(struct virtq_desc) > vq->size) {
		log_warn("virtqueue: indirect table length %u (multiple of 16, at most"
			 " %u entries)", d->len, vq->size);
		return -EINVAL;
	}
	w->table = gm_ptr(vq->gm, d->addr, d->len);
	if (!w->table) {
		log_warn("virtqueue: indirect table 0x%" PRIx64 "+0x%x outside guest memory",
			 d->addr, d->len);
		return -EFAULT;
	}
	w->table_len = d->len / sizeof(struct virtq_desc);
	w->in_indirect = true;
	return 0;
}

/* Appends the buffer described by d to the chain. */
static int walk_add_seg(struct virtqueue *vq, struct vq_chain *c, const struct virtq_desc *d)
{
	struct vq_seg *s = &vq->segs[c->nseg];
	bool write = d->flags & VIRTQ_DESC_F_WRITE;
	uint32_t *total = write ? &c->writable_bytes : &c->readable_bytes;

	/* "Message Framing", driver requirements: "The driver MUST place any
	 * device-writable descriptor elements after any device-readable
	 * descriptor elements." */
	if (!write && c->nseg > c->nreadable) {
		log_warn("virtqueue: chain %u has a readable buffer after a writable one",
			 c->head);
		return -EINVAL;
	}
	/* "The Virtqueue Descriptor Table", driver requirements: "Drivers MUST
	 * NOT add a descriptor chain longer than 2^32 bytes in total". */
	if (__builtin_add_overflow(*total, d->len, total)) {
		log_warn("virtqueue: chain %u is longer than 2^32 bytes", c->head);
		return -EINVAL;
	}
	s->host = NULL;
	if (d->len) {
		s->host = gm_ptr(vq->gm, d->addr, d->len);
		if (!s->host) {
			log_warn("virtqueue: buffer 0x%" PRIx64 "+0x%x outside guest memory",
				 d->addr, d->len);
			return -EFAULT;
		}
	}
	s->len = d->len;
	s->write = write;
	c->nseg++;
	if (!write)
		c->nreadable = c->nseg;
	return 0;
}

static int walk_chain(struct virtqueue *vq, struct vq_chain *c)
{
	struct walk w = { .table = vq->desc, .table_len = vq->size };
	struct virtq_desc d;
	uint32_t idx = c->head;
	int ret;

	for (;;) {
		/* "Indirect Descriptors", driver requirements: "A driver MUST
		 * NOT create a descriptor chain longer than the Queue Size of
		 * the device." Bounding the walk by it is also what ends every
		 * loop.  The +1 is the descriptor that points at an indirect
		 * table. */
		if (++w.visits > (unsigned int)vq->size + 1) {
			log_warn("virtqueue: chain %u longer than the queue size %u (loop?)",
				 c->head, vq->size);
			return -ELOOP;
		}
		read_desc(&w.table[idx], &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			ret = walk_enter_indirect(vq, &w, &d);
			if (ret)
				return ret;
			idx = 0;
			continue;
		}
		ret = walk_add_seg(vq, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= w.table_len) {
			log_warn("virtqueue: chain %u: next %u outside a table of %u",
				 c->head, d.next, w.table_len);
			return -EINVAL;
		}
		idx = d.next;
	}
}

/* With EVENT_IDX the driver kicks only when avail->idx passes avail_event
 * ("Available Buffer Notification Suppression"), so before going idle the
 * device publishes where it stopped, then looks again: a buffer added in
 * between would otherwise never be kicked.  Returns the number of chains now
 * pending. */
static int vq_arm_kick(struct virtqueue *vq)
{
	uint16_t *avail_event;

	if (!vq->event_idx)
		return 0;
	avail_event = (uint16_t *)&vq->used->ring[vq->size];
	store_once_u16(avail_event, vq->last_avail_idx);
	/* The avail_event store must be visible before we re-read avail->idx
	 * (store -> load ordering needs a full barrier). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vq_pending(vq);
}

int vq_pop(struct virtqueue *vq, struct vq_chain *chain)
{
	int pending = vq_pending(vq);
	uint16_t head;
	int ret;

	if (pending == 0)
		pending = vq_arm_kick(vq);
	if (pending <= 0)
		return pending;
	/* vq_pending()'s acquire load orders this read after avail->idx. */
	head = load_once_u16(&vq->avail->ring[vq->last_avail_idx & (vq->size - 1)]);
	if (head >= vq->size) {
		log_warn("virtqueue: avail ring entry %u names descriptor %u of %u",
			 vq->last_avail_idx, head, vq->size);
		return -EINVAL;
	}
	*chain = (struct vq_chain){ .head = head, .seg = vq->segs };
	ret = walk_chain(vq, chain);
	if (ret)
		return ret;
	vq->last_avail_idx++;
	return 1;
}

void vq_unpop(struct virtqueue *vq)
{
	vq->last_avail_idx--;
}

int vq_push(struct virtqueue *vq, uint16_t head, uint32_t written)
{
	struct virtq_used_elem *e;
	uint16_t seen;

	if (head >= vq->size) {
		log_err("virtqueue: push of descriptor %u in a queue of %u", head, vq->size);
		return -EINVAL;
	}
	/* The used ring is device-writable only ("Split Virtqueues"); a driver
	 * that moved
	 * used->idx is broken or hostile, and everything it would do with
	 * our next entry is undefined. */
	seen = load_once_u16(&vq->used->idx);
	if (seen != vq->used_idx) {
		log_warn("virtqueue: used idx is %u, the device wrote %u", seen, vq->used_idx);
		return -EIO;
	}
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	__atomic_store_n(&e->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, htole32(written), __ATOMIC_RELAXED);
	vq->used_idx++;
	/* "The Virtqueue Used Ring": the element must be visible before the
	 * driver can see the index that covers it: a release store. */
	__atomic_store_n(&vq->used->idx, htole16(vq->used_idx), __ATOMIC_RELEASE);
	vq->pushed = true;
	return 0;
}

bool vq_should_notify(struct virtqueue *vq)
{
	uint16_t old, used_event;
	bool valid;

	if (!vq->pushed)
		return false;
	vq->pushed = false;
	/* Our used->idx store must be visible before we read the driver's
	 * suppression state, or we could miss its request for a notification
	 * (store -> load ordering). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx) {
		/* "Used Buffer Notification Suppression", device requirements:
		 * without EVENT_IDX, "If flags is 1, the device SHOULD NOT send
		 * a notification." */
		return !(load_once_u16(&vq->avail->flags) & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	old = vq->signalled_used;
	valid = vq->signalled_used_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;
	if (!valid)
		return true;
	used_event = load_once_u16(&vq->avail->ring[vq->size]);
	return vring_need_event(used_event, vq->used_idx, old);
}
