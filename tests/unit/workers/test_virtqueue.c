// SPDX-License-Identifier: Apache-2.0
/* Split virtqueue, device side, against rings laid out in a buffer that
 * stands in for guest memory. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "log.h"
#include "virtqueue.h"

#define MEM_GPA		0x100000ULL
#define MEM_SIZE	0x100000ULL
#define DESC		(MEM_GPA + 0x0000)
#define AVAIL		(MEM_GPA + 0x1000)
#define USED		(MEM_GPA + 0x2000)
#define BUF		(MEM_GPA + 0x10000)
#define INDIRECT	(MEM_GPA + 0x8000)
#define QSZ		8

static _Alignas(4096) uint8_t mem[MEM_SIZE];

struct fixture {
	struct guest_mem gm;
	struct virtqueue vq;
	uint16_t avail_idx;
};

static void *host(uint64_t gpa)
{
	return mem + (gpa - MEM_GPA);
}

static void set_desc(uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(host(table + 16ULL * i), &d, 16);
}

static struct virtq_avail *avail(void)
{
	return host(AVAIL);
}

static struct virtq_used *used(void)
{
	return host(USED);
}

static void offer(struct fixture *f, uint16_t head)
{
	avail()->ring[f->avail_idx % QSZ] = head;
	f->avail_idx++;
	__atomic_store_n(&avail()->idx, f->avail_idx, __ATOMIC_RELEASE);
}

static int init_vq(struct fixture *f, uint64_t features)
{
	const struct vq_config cfg = { QSZ, DESC, AVAIL, USED, features, 0, 0 };

	return vq_init(&f->vq, &f->gm, &cfg);
}

static int setup(void **state)
{
	static struct fixture f;
	const struct gm_region r = { MEM_GPA, MEM_SIZE, mem };

	memset(mem, 0, sizeof(mem));
	memset(&f, 0, sizeof(f));
	assert_int_equal(gm_init_from_host(&f.gm, &r, 1), 0);
	assert_int_equal(init_vq(&f, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	vq_fini(&f->vq);
	return 0;
}

static void test_init_rejects(void **state)
{
	struct fixture *f = *state;
	struct virtqueue vq;
	struct vq_config bad;
	const struct vq_config good = { QSZ, DESC, AVAIL, USED, 0, 0, 0 };

	bad = good; bad.size = 6;
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EINVAL);	/* not a power of 2 */
	bad = good; bad.size = 0;
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EINVAL);
	bad = good; bad.desc_gpa = DESC + 8;
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EFAULT);	/* not 16-aligned */
	bad = good; bad.avail_gpa = AVAIL + 1;
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EFAULT);
	bad = good; bad.used_gpa = USED + 2;
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EFAULT);
	bad = good; bad.used_gpa = MEM_GPA + MEM_SIZE - 16;		/* runs off the end */
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EFAULT);
	bad = good; bad.desc_gpa = 0;					/* not guest memory */
	assert_int_equal(vq_init(&vq, &f->gm, &bad), -EFAULT);
}

static void test_empty(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	assert_int_equal(vq_pop(&f->vq, &c), 0);
	assert_int_equal(vq_pending(&f->vq), 0);
}

static void test_chain_and_push(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;
	uint32_t id, len;

	set_desc(DESC, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
	set_desc(DESC, 5, BUF + 0x100, 32, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 1);
	set_desc(DESC, 1, BUF + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 3);
	assert_int_equal(vq_pending(&f->vq), 1);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(c.head, 3);
	assert_int_equal(c.nseg, 3);
	assert_int_equal(c.nreadable, 1);
	assert_int_equal(c.readable_bytes, 16);
	assert_int_equal(c.writable_bytes, 96);
	assert_ptr_equal(c.seg[0].host, host(BUF));
	assert_false(c.seg[0].write);
	assert_ptr_equal(c.seg[2].host, host(BUF + 0x200));
	assert_true(c.seg[2].write);
	assert_int_equal(vq_pop(&f->vq, &c), 0);

	assert_int_equal(vq_push(&f->vq, 3, 90), 0);
	assert_int_equal(used()->idx, 1);
	id = used()->ring[0].id;
	len = used()->ring[0].len;
	assert_int_equal(id, 3);
	assert_int_equal(len, 90);
	assert_int_equal(vq_push(&f->vq, QSZ, 0), -EINVAL);	/* no such descriptor */
}

static void test_zero_length_descriptor(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	/* A zero-length buffer is never translated, wherever it points. */
	set_desc(DESC, 0, UINT64_MAX, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(c.nseg, 2);
	assert_null(c.seg[0].host);
	assert_int_equal(c.writable_bytes, 8);
}

static void test_head_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	offer(f, QSZ);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
}

static void test_next_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_NEXT, QSZ);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
}

static void test_buffer_outside_memory(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, MEM_GPA + MEM_SIZE - 4, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -EFAULT);
}

static void test_buffer_overflow(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	/* addr + len wraps around to inside guest memory. */
	set_desc(DESC, 0, UINT64_MAX - 0xff, 0x1000 + 0x100 + (uint32_t)MEM_GPA,
		 VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -EFAULT);
}

static void test_loop(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 2);
	set_desc(DESC, 2, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -ELOOP);
}

static void test_self_loop_zero_length(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	/* Zero-length descriptors still count towards the bound. */
	set_desc(DESC, 4, 0, 0, VIRTQ_DESC_F_NEXT, 4);
	offer(f, 4);
	assert_int_equal(vq_pop(&f->vq, &c), -ELOOP);
}

static void test_full_length_chain(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	/* Exactly queue-size descriptors: the longest legal chain. */
	for (uint16_t i = 0; i < QSZ; i++)
		set_desc(DESC, i, BUF + 64ULL * i, 64,
			 VIRTQ_DESC_F_WRITE | (i + 1 < QSZ ? VIRTQ_DESC_F_NEXT : 0), i + 1);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(c.nseg, QSZ);
	assert_int_equal(c.writable_bytes, 64 * QSZ);
}

static void test_readable_after_writable(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, BUF + 8, 8, 0, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
}

static void test_chain_longer_than_4g(void **state)
{
	struct fixture *f = *state;
	const size_t big = 0x100000000ULL + 0x10000;
	struct gm_region r;
	struct guest_mem gm;
	struct virtqueue vq;
	struct vq_chain c;
	const struct vq_config cfg = { QSZ, 0x0, 0x1000, 0x2000, 0, 0, 0 };
	uint8_t *p;

	/* A reservation nobody touches: the walk only computes pointers. */
	(void)f;
	p = mmap(NULL, big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p, 0x3000, PROT_READ | PROT_WRITE), 0);
	r = (struct gm_region){ 0, big, p };
	assert_int_equal(gm_init_from_host(&gm, &r, 1), 0);
	assert_int_equal(vq_init(&vq, &gm, &cfg), 0);
	memcpy(p, &(struct virtq_desc){ 0x10000, 0xffffffffu,
					VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1 }, 16);
	memcpy(p + 16, &(struct virtq_desc){ 0x10000, 0x2, VIRTQ_DESC_F_WRITE, 0 }, 16);
	((struct virtq_avail *)(p + 0x1000))->ring[0] = 0;
	((struct virtq_avail *)(p + 0x1000))->idx = 1;
	assert_int_equal(vq_pop(&vq, &c), -EINVAL);
	vq_fini(&vq);
	munmap(p, big);
}

static void test_avail_idx_jump(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	for (int i = 0; i < QSZ; i++)
		avail()->ring[i] = 0;
	/* size entries ahead is a full ring, fine; one more is corrupt. */
	__atomic_store_n(&avail()->idx, QSZ, __ATOMIC_RELEASE);
	assert_int_equal(vq_pending(&f->vq), QSZ);
	__atomic_store_n(&avail()->idx, QSZ + 1, __ATOMIC_RELEASE);
	assert_int_equal(vq_pending(&f->vq), -EINVAL);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
	/* "Decrementing" is a jump of almost 2^16. */
	__atomic_store_n(&avail()->idx, (uint16_t)-1, __ATOMIC_RELEASE);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
}

static void test_used_idx_tampered(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	used()->idx = 100;	/* the driver writes the device's field */
	assert_int_equal(vq_push(&f->vq, 0, 8), -EIO);
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(INDIRECT, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 2);
	set_desc(INDIRECT, 2, BUF + 0x10, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(INDIRECT, 1, BUF + 0x20, 16, VIRTQ_DESC_F_WRITE, 0);
	/* WRITE on the pointer descriptor is ignored. */
	set_desc(DESC, 2, INDIRECT, 3 * 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	offer(f, 2);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(c.head, 2);
	assert_int_equal(c.nseg, 3);
	assert_int_equal(c.nreadable, 1);
	assert_int_equal(c.readable_bytes, 4);
	assert_int_equal(c.writable_bytes, 24);
	assert_ptr_equal(c.seg[2].host, host(BUF + 0x20));
}

static void test_direct_then_indirect(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	/* "zero or more normal chained descriptors followed by a single
	 * descriptor with flags&VIRTQ_DESC_F_INDIRECT" */
	set_desc(DESC, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC, 1, INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(INDIRECT, 0, BUF + 0x40, 32, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(c.nseg, 2);
	assert_int_equal(c.writable_bytes, 32);
}

static void test_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	vq_fini(&f->vq);
	assert_int_equal(init_vq(f, 0), 0);
	set_desc(INDIRECT, 0, BUF, 4, 0, 0);
	set_desc(DESC, 0, INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
}

static void test_indirect_nested(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(INDIRECT, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(INDIRECT, 1, INDIRECT + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(INDIRECT + 0x100, 0, BUF, 4, VIRTQ_DESC_F_WRITE, 0);
	set_desc(DESC, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -EINVAL);
}

static void test_indirect_bad_tables(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;
	static const struct {
		uint64_t addr;
		uint32_t len;
		uint16_t flags;
		int err;
	} cases[] = {
		{ INDIRECT, 24, VIRTQ_DESC_F_INDIRECT, -EINVAL },	/* not a multiple of 16 */
		{ INDIRECT, 0, VIRTQ_DESC_F_INDIRECT, -EINVAL },	/* empty */
		{ INDIRECT, 16 * (QSZ + 1), VIRTQ_DESC_F_INDIRECT, -EINVAL }, /* > queue size */
		{ INDIRECT, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, -EINVAL },
		{ MEM_GPA + MEM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, -EFAULT },
		{ UINT64_MAX - 15, 32, VIRTQ_DESC_F_INDIRECT, -EFAULT },	/* wraps */
	};

	set_desc(INDIRECT, 0, BUF, 4, 0, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vq_fini(&f->vq);
		assert_int_equal(init_vq(f, VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)), 0);
		f->avail_idx = 0;
		set_desc(DESC, 0, cases[i].addr, cases[i].len, cases[i].flags, 1);
		offer(f, 0);
		assert_int_equal(vq_pop(&f->vq, &c), cases[i].err);
	}
}

static void test_indirect_loop(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(INDIRECT, 0, BUF, 4, VIRTQ_DESC_F_NEXT, 1);
	set_desc(INDIRECT, 1, BUF, 4, VIRTQ_DESC_F_NEXT, 0);
	set_desc(DESC, 0, INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), -ELOOP);
}

static void test_notify_flags(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	assert_false(vq_should_notify(&f->vq));		/* nothing used yet */
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(vq_push(&f->vq, 0, 8), 0);
	assert_true(vq_should_notify(&f->vq));
	assert_false(vq_should_notify(&f->vq));		/* once per batch */
	avail()->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(vq_push(&f->vq, 0, 8), 0);
	assert_false(vq_should_notify(&f->vq));
}

static uint16_t *used_event(void)
{
	return &avail()->ring[QSZ];
}

static uint16_t *avail_event(void)
{
	return (uint16_t *)&used()->ring[QSZ];
}

static void push_one(struct fixture *f)
{
	struct vq_chain c;

	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(vq_push(&f->vq, 0, 1), 0);
}

static void test_event_idx(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	vq_fini(&f->vq);
	assert_int_equal(init_vq(f, VIRTIO_BIT(VIRTIO_F_EVENT_IDX)), 0);
	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	/* The flags word is ignored with EVENT_IDX. */
	avail()->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	*used_event() = 0;
	push_one(f);					/* used idx 0 -> 1 */
	assert_true(vq_should_notify(&f->vq));
	*used_event() = 2;				/* "tell me when idx passes 2" */
	push_one(f);					/* 1 -> 2 */
	assert_false(vq_should_notify(&f->vq));
	push_one(f);					/* 2 -> 3: crosses used_event */
	assert_true(vq_should_notify(&f->vq));
	/* Going idle publishes avail_event = where the device stopped. */
	assert_int_equal(vq_pop(&f->vq, &c), 0);
	assert_int_equal(*avail_event(), 3);
}

static void test_unpop(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 6, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 6);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	vq_unpop(&f->vq);
	assert_int_equal(vq_pending(&f->vq), 1);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	assert_int_equal(c.head, 6);
}

static void test_guest_changes_descriptor_after_pop(void **state)
{
	struct fixture *f = *state;
	struct vq_chain c;

	set_desc(DESC, 0, BUF, 8, VIRTQ_DESC_F_WRITE, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &c), 1);
	/* Rewriting the descriptor later changes nothing already checked. */
	set_desc(DESC, 0, UINT64_MAX - 4, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	assert_ptr_equal(c.seg[0].host, host(BUF));
	assert_int_equal(c.seg[0].len, 8);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_rejects),
		T(test_empty),
		T(test_chain_and_push),
		T(test_zero_length_descriptor),
		T(test_head_out_of_range),
		T(test_next_out_of_range),
		T(test_buffer_outside_memory),
		T(test_buffer_overflow),
		T(test_loop),
		T(test_self_loop_zero_length),
		T(test_full_length_chain),
		T(test_readable_after_writable),
		T(test_chain_longer_than_4g),
		T(test_avail_idx_jump),
		T(test_used_idx_tampered),
		T(test_indirect),
		T(test_direct_then_indirect),
		T(test_indirect_not_negotiated),
		T(test_indirect_nested),
		T(test_indirect_bad_tables),
		T(test_indirect_loop),
		T(test_notify_flags),
		T(test_event_idx),
		T(test_unpop),
		T(test_guest_changes_descriptor_after_pop),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
