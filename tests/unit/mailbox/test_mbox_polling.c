/* Spin mode across both halves: the worker library polls the ring after a
 * batch and says so in worker_polling; the core's client then skips the
 * request kick.  What must hold is that no kick is ever lost at the edge,
 * when the worker stops polling just as a request is posted
 * (mailbox.h, "Polling"). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "consumer.h"
#include "mailbox.h"
#include "mbox_client.h"


static void count_fail(void *opaque, const char *why)
{
	(void)why;
	atomic_fetch_add((atomic_uint *)opaque, 1);
}

static void client_up(struct mbox_client *c, atomic_uint *fails, unsigned int deadline_ms,
		      unsigned int spin_ns)
{
	struct mbox_client_params p = { .deadline_ms = deadline_ms, .spin_ns = spin_ns,
					.on_fail = count_fail, .opaque = fails };

	assert_int_equal(mbox_client_init(c, "test", &p), 0);
}

/* How many kicks are pending on the request eventfd (and clears them). */
static uint64_t take_kicks(struct mbox_client *c)
{
	eventfd_t n = 0;
	int fds[3];

	mbox_client_fds(c, fds);
	return eventfd_read(fds[1], &n) == 0 ? n : 0;
}

static void test_no_kick_while_the_worker_polls(void **state)
{
	atomic_uint fails = 0;
	struct mbox_client c;
	struct mbox_shared *s;

	(void)state;
	client_up(&c, &fails, 1000, 0);
	s = hostile_map(&c);
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), 0);
	assert_int_equal(take_kicks(&c), 1);
	s->worker_polling = 1;
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 2), 0);
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 3), 0);
	assert_int_equal(take_kicks(&c), 0);
	assert_int_equal(c.stats.kicks_saved, 2);
	s->worker_polling = 0;
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 4), 0);
	assert_int_equal(take_kicks(&c), 1);
	assert_int_equal(s->req_prod, 4);
	assert_int_equal(fails, 0);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

/* A worker that claims to poll and never answers costs one deadline. */
static void test_lying_flag_costs_a_deadline(void **state)
{
	atomic_uint fails = 0;
	struct mbox_client c;
	struct mbox_shared *s;
	uint64_t v;

	(void)state;
	client_up(&c, &fails, 20, 1000);
	s = hostile_map(&c);
	s->worker_polling = 0xffffffffu;
	assert_int_equal(mbox_client_read(&c, 0, 0, 1, &v), -ETIMEDOUT);
	assert_int_equal(v, 0xff);
	assert_int_equal(fails, 1);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

/* mbox_process in poll mode serves, polls, and leaves the flag down when
 * it returns to the event loop: the next request must be kicked. */
static void test_worker_lowers_the_flag(void **state)
{
	atomic_uint fails = 0;
	struct mbox_client c;
	struct consumer k;

	(void)state;
	client_up(&c, &fails, 1000, 0);
	consumer_attach(&k, &c, 5);
	assert_int_equal(mbox_client_write(&c, 0, 0x8, 2, 0xabcd), 0);
	assert_int_equal(mbox_client_write(&c, 0, 0xa, 2, 0x1234), 0);
	assert_int_equal(mbox_process(&k.mb), 2);
	assert_int_equal(k.mb.shm->worker_polling, 0);
	assert_int_equal(k.mb.shm->req_cons, 2);
	assert_int_equal(k.regs[0x8] | k.regs[0x9] << 8, 0xabcd);
	assert_int_equal(k.regs[0xa] | k.regs[0xb] << 8, 0x1234);
	assert_int_equal(mbox_client_write(&c, 0, 0x8, 1, 1), 0);
	assert_int_equal(take_kicks(&c), 1);
	/* The cap keeps a worker's event loop responsive. */
	mbox_set_poll(&k.mb, 10 * MBOX_MAX_POLL_US);
	assert_int_equal(k.mb.poll_us, MBOX_MAX_POLL_US);
	mbox_detach(&k.mb);
	mbox_client_destroy(&c);
}

struct endless {
	struct mbox_client *c;
	unsigned int left;
};

/* Every access the worker serves makes the core post another write, a
 * million times over: without its budget, one mbox_process call would
 * serve them all while the worker's event loop waits. */
static void post_another(struct consumer *k, bool write)
{
	struct endless *e = k->hook_arg;

	(void)write;
	if (e->left && mbox_client_write(e->c, 0, 0, 4, e->left) == 0)
		e->left--;
}

static void test_serving_is_bounded(void **state)
{
	atomic_uint fails = 0;
	struct mbox_client c;
	struct consumer k;
	struct endless e;
	int served;

	(void)state;
	for (unsigned int poll_us = 0; poll_us <= 1; poll_us++) {
		client_up(&c, &fails, 10000, 0);
		consumer_attach(&k, &c, poll_us);
		e = (struct endless){ .c = &c, .left = 1000000 };
		k.after_access = post_another;
		k.hook_arg = &e;
		assert_int_equal(mbox_client_write(&c, 0, 0, 4, 0), 0);
		served = mbox_process(&k.mb);
		assert_true(served > 0);
		assert_true(e.left > 0);
		/* Requests are left, and a kick to come back for them. */
		assert_int_not_equal(k.mb.shm->req_prod, k.mb.shm->req_cons);
		assert_int_equal(k.mb.shm->worker_polling, 0);
		assert_true(take_kicks(&c) > 0);
		e.left = 0;
		assert_true(mbox_process(&k.mb) > 0);
		assert_int_equal(k.mb.shm->req_prod, k.mb.shm->req_cons);
		mbox_detach(&k.mb);
		mbox_client_destroy(&c);
	}
	assert_int_equal(fails, 0);
}

/* Reads and writes against a worker thread that polls: every answer is
 * right, and some posts really went out without a kick. */
static void run_pairs(struct mbox_client *c, unsigned int pairs)
{
	for (unsigned int i = 0; i < pairs; i++) {
		uint64_t v = 0;

		assert_int_equal(mbox_client_write(c, 0, (i % 16) * 8, 8, i * 0x10001ull), 0);
		assert_int_equal(mbox_client_read(c, 0, (i % 16) * 8, 8, &v), 0);
		assert_int_equal(v, i * 0x10001ull);
	}
}

static void test_polling_worker_needs_no_kicks(void **state)
{
	atomic_uint fails = 0;
	struct mbox_client c;
	struct consumer k;

	(void)state;
	client_up(&c, &fails, 10000, 100000);
	consumer_up(&k, &c, MBOX_MAX_POLL_US, 0);
	run_pairs(&c, 2000);
	assert_true(c.stats.kicks_saved > 0);
	assert_int_equal(fails, 0);
	consumer_down(&k);
	mbox_client_destroy(&c);
}

/* A worker that polls only a microsecond or two stops polling all the
 * time, so posts keep landing right at its edge; a lost kick would leave
 * a read waiting for its deadline and fail the client. */
static void test_no_kick_lost_at_the_edge(void **state)
{
	static const unsigned int poll_us[] = { 1, 2, 3 };
	atomic_uint fails = 0;

	(void)state;
	for (unsigned int i = 0; i < 3; i++) {
		struct mbox_client c;
		struct consumer k;

		client_up(&c, &fails, 10000, 1000 * poll_us[i]);
		consumer_up(&k, &c, poll_us[i], 0);
		run_pairs(&c, 3000);
		assert_int_equal(c.stats.timeouts, 0);
		consumer_down(&k);
		mbox_client_destroy(&c);
	}
	assert_int_equal(fails, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_kick_while_the_worker_polls),
		cmocka_unit_test(test_lying_flag_costs_a_deadline),
		cmocka_unit_test(test_worker_lowers_the_flag),
		cmocka_unit_test(test_serving_is_bounded),
		cmocka_unit_test(test_polling_worker_needs_no_kicks),
		cmocka_unit_test(test_no_kick_lost_at_the_edge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
