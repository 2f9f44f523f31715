// SPDX-License-Identifier: Apache-2.0
/* The forwarding mailbox: the reference producer (the core's side) against
 * the worker's consumer, over a real memfd page and eventfds. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "mailbox.h"

#define REGION_SIZE 0x40

struct fixture {
	int shm_fd;
	int req_fd;
	int reply_fd;
	struct mbox_shared *page;	/* the producer's mapping */
	struct mbox_producer prod;
	struct mbox mb;
	uint8_t regs[REGION_SIZE];
	unsigned int accesses;
	pthread_t thread;
	volatile int stop;
};

static void access_regs(void *opaque, uint8_t bar, uint64_t off, uint32_t size,
			bool write, uint64_t *data)
{
	struct fixture *f = opaque;

	assert_int_equal(bar, 0);
	assert_true(off + size <= REGION_SIZE);
	f->accesses++;
	if (write)
		memcpy(f->regs + off, data, size);
	else
		memcpy(data, f->regs + off, size);
}

static int setup(void **state)
{
	static struct fixture f;
	int shm;

	memset(&f, 0, sizeof(f));
	f.shm_fd = memfd_create("mbox", MFD_CLOEXEC);
	assert_true(f.shm_fd >= 0);
	assert_int_equal(ftruncate(f.shm_fd, MBOX_SHM_SIZE), 0);
	f.page = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f.shm_fd, 0);
	assert_true(f.page != MAP_FAILED);
	f.req_fd = eventfd(0, EFD_CLOEXEC);
	f.reply_fd = eventfd(0, EFD_CLOEXEC);
	mbox_producer_init(&f.prod, f.page, f.req_fd, f.reply_fd);
	/* The worker gets its own fds, as over SCM_RIGHTS. */
	shm = dup(f.shm_fd);
	assert_int_equal(mbox_attach(&f.mb, shm, MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION,
				     dup(f.req_fd), dup(f.reply_fd), REGION_SIZE,
				     access_regs, &f), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	mbox_detach(&f->mb);
	munmap(f->page, MBOX_SHM_SIZE);
	close(f->shm_fd);
	close(f->req_fd);
	close(f->reply_fd);
	return 0;
}

/* The worker's loop, reduced to the mailbox. */
static void *consumer(void *arg)
{
	struct fixture *f = arg;

	while (!f->stop) {
		struct pollfd pfd = { .fd = f->mb.req_fd, .events = POLLIN };

		if (poll(&pfd, 1, 10) > 0)
			mbox_process(&f->mb);
	}
	return NULL;
}

static void start_consumer(struct fixture *f)
{
	f->stop = 0;
	assert_int_equal(pthread_create(&f->thread, NULL, consumer, f), 0);
}

static void stop_consumer(struct fixture *f)
{
	f->stop = 1;
	pthread_join(f->thread, NULL);
}

static void test_layout_is_the_documented_one(void **state)
{
	(void)state;
	assert_int_equal(offsetof(struct mbox_req, op), 8);
	assert_int_equal(offsetof(struct mbox_req, bar), 9);
	assert_int_equal(offsetof(struct mbox_req, size), 10);
	assert_int_equal(offsetof(struct mbox_req, offset), 16);
	assert_int_equal(offsetof(struct mbox_req, data), 24);
	assert_int_equal(offsetof(struct mbox_shared, reply) + offsetof(struct mbox_reply, data),
			 0xc8);
	assert_true(offsetof(struct mbox_shared, ring) + MBOX_RING_SIZE * 32 <= MBOX_SHM_SIZE);
}

static void test_write_then_read(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;

	start_consumer(f);
	assert_int_equal(mbox_producer_write(&f->prod, 0, 0x8, 4, 0x11223344, 1000), 0);
	assert_int_equal(mbox_producer_write(&f->prod, 0, 0x10, 8, 0x0102030405060708ULL,
					     1000), 0);
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0x8, 4, &v, 1000), 0);
	assert_int_equal(v, 0x11223344);
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0x10, 8, &v, 1000), 0);
	assert_int_equal(v, 0x0102030405060708ULL);
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0x11, 2, &v, 1000), 0);
	assert_int_equal(v, 0x0607);
	stop_consumer(f);
	assert_int_equal(f->page->reply.seq, f->prod.seq);
}

static void test_posted_writes_are_ordered_before_a_read(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;

	/* Post more writes than the worker has looked at, to one register:
	 * the read must see the last. */
	for (uint32_t i = 1; i <= MBOX_RING_SIZE - 1; i++)
		assert_int_equal(mbox_producer_write(&f->prod, 0, 0, 4, i, 1000), 0);
	assert_int_equal(f->accesses, 0);
	start_consumer(f);
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0, 4, &v, 1000), 0);
	assert_int_equal(v, MBOX_RING_SIZE - 1);
	assert_int_equal(f->accesses, MBOX_RING_SIZE);
	stop_consumer(f);
}

static void test_ring_full_and_read_timeout(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;

	/* Nobody consumes: the ring fills, then posting times out, and a
	 * read misses its deadline. */
	for (uint32_t i = 0; i < MBOX_RING_SIZE; i++)
		assert_int_equal(mbox_producer_write(&f->prod, 0, 0, 1, i, 100), 0);
	assert_int_equal(mbox_producer_write(&f->prod, 0, 0, 1, 0, 20), -ETIMEDOUT);
	assert_int_equal(mbox_process(&f->mb), MBOX_RING_SIZE);
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0, 1, &v, 20), -ETIMEDOUT);
	/* A late answer to it is recognisable by its seq. */
	assert_int_equal(mbox_process(&f->mb), 1);
	assert_int_equal(f->page->reply.seq, f->prod.seq);
}

static void test_bad_requests(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;

	start_consumer(f);
	assert_int_equal(mbox_producer_read(&f->prod, 0, REGION_SIZE, 1, &v, 1000), 0);
	assert_int_equal(v, 0xff);				/* offset past the region */
	assert_int_equal(mbox_producer_read(&f->prod, 0, REGION_SIZE - 2, 4, &v, 1000), 0);
	assert_int_equal(v, 0xffffffff);			/* straddles its end */
	assert_int_equal(mbox_producer_read(&f->prod, 0, UINT64_MAX - 1, 4, &v, 1000), 0);
	assert_int_equal(v, 0xffffffff);			/* offset + size wraps */
	assert_int_equal(mbox_producer_read(&f->prod, 1, 0, 4, &v, 1000), 0);
	assert_int_equal(v, 0xffffffff);			/* no region 1 */
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0, 3, &v, 1000), 0);
	assert_int_equal(v, UINT64_MAX);			/* size 3 */
	assert_int_equal(mbox_producer_write(&f->prod, 0, REGION_SIZE - 1, 2, 0xffff, 1000), 0);
	assert_int_equal(mbox_producer_read(&f->prod, 0, 0, 1, &v, 1000), 0);
	stop_consumer(f);
	/* Only the final good read reached the device. */
	assert_int_equal(f->accesses, 1);
	assert_int_equal(f->regs[REGION_SIZE - 1], 0);
}

static void test_corrupt_producer_index(void **state)
{
	struct fixture *f = *state;

	__atomic_store_n(&f->page->req_prod, MBOX_RING_SIZE + 1, __ATOMIC_RELEASE);
	assert_int_equal(mbox_process(&f->mb), -EPROTO);
	/* Broken for good, even once the index looks sane again. */
	__atomic_store_n(&f->page->req_prod, 0, __ATOMIC_RELEASE);
	assert_int_equal(mbox_process(&f->mb), -EPROTO);
	assert_int_equal(f->accesses, 0);
}

static void test_attach_checks(void **state)
{
	struct fixture *f = *state;
	struct mbox mb;
	int small = memfd_create("small", MFD_CLOEXEC);

	assert_int_equal(mbox_attach(&mb, f->shm_fd, MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION + 1,
				     f->req_fd, f->reply_fd, 1, access_regs, f), -EINVAL);
	assert_int_equal(mbox_attach(&mb, f->shm_fd, 100, MBOX_LAYOUT_VERSION,
				     f->req_fd, f->reply_fd, 1, access_regs, f), -EINVAL);
	/* A file too small to hold the page would SIGBUS on access. */
	assert_int_equal(mbox_attach(&mb, small, MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION,
				     f->req_fd, f->reply_fd, 1, access_regs, f), -EINVAL);
	f->page->magic = 0;
	assert_int_equal(mbox_attach(&mb, f->shm_fd, MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION,
				     f->req_fd, f->reply_fd, 1, access_regs, f), -EINVAL);
	f->page->magic = MBOX_MAGIC;
	f->page->ring_size = 128;
	assert_int_equal(mbox_attach(&mb, f->shm_fd, MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION,
				     f->req_fd, f->reply_fd, 1, access_regs, f), -EINVAL);
	/* Failures leave the fds with the caller. */
	assert_true(fcntl(f->shm_fd, F_GETFD) >= 0);
	close(small);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_layout_is_the_documented_one),
		T(test_write_then_read),
		T(test_posted_writes_are_ordered_before_a_read),
		T(test_ring_full_and_read_timeout),
		T(test_bad_requests),
		T(test_corrupt_producer_index),
		T(test_attach_checks),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
