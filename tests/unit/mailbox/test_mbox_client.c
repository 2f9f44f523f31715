/* The core's mailbox client against the real worker-side consumer
 * (consumer.h) and against a silent or hostile "worker" that writes the
 * page by hand. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "consumer.h"
#include "mailbox.h"
#include "mbox_client.h"

struct fail_log {
	atomic_uint calls;
	char why[160];
};

static void on_fail(void *opaque, const char *why)
{
	struct fail_log *f = opaque;

	atomic_fetch_add(&f->calls, 1);
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static void client_up(struct mbox_client *c, struct fail_log *f, unsigned int deadline_ms,
		      unsigned int spin_ns)
{
	struct mbox_client_params p = { .deadline_ms = deadline_ms, .spin_ns = spin_ns,
					.on_fail = on_fail, .opaque = f };

	assert_int_equal(mbox_client_init(c, "test", &p), 0);
}

static void test_page_and_fds(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct mbox_shared *s;
	int fds[3];

	(void)state;
	client_up(&c, &f, 0, 0);
	assert_int_equal(c.deadline_ms, MBOX_CLIENT_DEFAULT_DEADLINE_MS);
	mbox_client_fds(&c, fds);
	assert_int_equal(lseek(fds[0], 0, SEEK_END), MBOX_SHM_SIZE);
	assert_int_equal(fcntl(fds[0], F_GET_SEALS) & (F_SEAL_SHRINK | F_SEAL_GROW),
			 F_SEAL_SHRINK | F_SEAL_GROW);
	assert_int_not_equal(ftruncate(fds[0], 2 * MBOX_SHM_SIZE), 0);
	for (unsigned int i = 0; i < 3; i++)
		assert_true(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
	s = hostile_map(&c);
	assert_int_equal(s->magic, MBOX_MAGIC);
	assert_int_equal(s->version, MBOX_LAYOUT_VERSION);
	assert_int_equal(s->ring_size, MBOX_RING_SIZE);
	assert_int_equal(s->req_prod, 0);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

static void test_read_write_ordered(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct consumer k;
	uint64_t v;

	(void)state;
	client_up(&c, &f, 2000, 1000);
	consumer_up(&k, &c, 0, 0);
	/* Posted writes, then a read that must see all of them. */
	for (unsigned int i = 0; i < 3 * MBOX_RING_SIZE; i++)
		assert_int_equal(mbox_client_write(&c, 0, 0x10, 4, i), 0);
	assert_int_equal(mbox_client_write(&c, 0, 0x20, 8, 0x1122334455667788ull), 0);
	assert_int_equal(mbox_client_read(&c, 0, 0x10, 4, &v), 0);
	assert_int_equal(v, 3 * MBOX_RING_SIZE - 1);
	assert_int_equal(mbox_client_read(&c, 0, 0x20, 8, &v), 0);
	assert_int_equal(v, 0x1122334455667788ull);
	assert_int_equal(mbox_client_read(&c, 0, 0x21, 1, &v), 0);
	assert_int_equal(v, 0x77);
	assert_int_equal(mbox_client_read(&c, 0, 0x22, 2, &v), 0);
	assert_int_equal(v, 0x5566);
	assert_int_equal(mbox_client_read(&c, 0, 0x10, 3, &v), -EINVAL);
	assert_int_equal(mbox_client_write(&c, 0, 0x10, 0, 1), -EINVAL);
	assert_int_equal(c.stats.reads, 4);
	assert_int_equal(c.stats.writes, 3 * MBOX_RING_SIZE + 1);
	assert_int_equal(f.calls, 0);
	consumer_down(&k);
	mbox_client_destroy(&c);
}

/* A full ring makes the next write wait for a free slot, not fail. */
static void test_ring_full_waits(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct consumer k;
	uint64_t v;

	(void)state;
	client_up(&c, &f, 5000, 0);
	for (unsigned int i = 0; i < MBOX_RING_SIZE; i++)
		assert_int_equal(mbox_client_write(&c, 0, 0x40, 4, i), 0);
	/* The worker shows up only after the ring is full. */
	consumer_up(&k, &c, 0, 20);
	assert_int_equal(mbox_client_write(&c, 0, 0x40, 4, 0xfeed), 0);
	assert_int_equal(mbox_client_read(&c, 0, 0x40, 4, &v), 0);
	assert_int_equal(v, 0xfeed);
	assert_int_equal(atomic_load(&k.served), MBOX_RING_SIZE + 2);
	assert_int_equal(c.stats.timeouts, 0);
	assert_int_equal(f.calls, 0);
	consumer_down(&k);
	mbox_client_destroy(&c);
}

struct reader_arg {
	struct mbox_client *c;
	unsigned int index;
	int errors;
};

static void *reader(void *arg)
{
	struct reader_arg *a = arg;

	for (unsigned int i = 0; i < 200; i++) {
		uint64_t v;

		if (mbox_client_read(a->c, 0, a->index * 8, 8, &v) != 0 ||
		    v != 0xa0a0a0a000000000ull + a->index)
			a->errors++;
	}
	return NULL;
}

static void test_concurrent_readers(void **state)
{
	struct fail_log f = { 0 };
	struct reader_arg args[4];
	pthread_t t[4];
	struct mbox_client c;
	struct consumer k;

	(void)state;
	client_up(&c, &f, 5000, 1000);
	consumer_up(&k, &c, 0, 0);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(mbox_client_write(&c, 0, i * 8, 8, 0xa0a0a0a000000000ull + i), 0);
	for (unsigned int i = 0; i < 4; i++) {
		args[i] = (struct reader_arg){ .c = &c, .index = i };
		assert_int_equal(pthread_create(&t[i], NULL, reader, &args[i]), 0);
	}
	for (unsigned int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(args[i].errors, 0);
	}
	assert_int_equal(c.stats.reads, 4 * 200);
	assert_int_equal(f.calls, 0);
	consumer_down(&k);
	mbox_client_destroy(&c);
}

static void test_silent_worker_deadline(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct mbox_shared *s;
	uint32_t prod;
	uint64_t v = 0;

	(void)state;
	client_up(&c, &f, 20, 1000);
	s = hostile_map(&c);
	assert_int_equal(mbox_client_read(&c, 0, 0, 2, &v), -ETIMEDOUT);
	assert_int_equal(v, 0xffff);
	assert_int_equal(f.calls, 1);
	assert_non_null(strstr(f.why, "deadline"));
	assert_true(mbox_client_failed(&c));
	/* Failed for good: no more waiting, no second report, and the page
	 * is left alone even once the worker answers. */
	prod = s->req_prod;
	s->reply.seq = 1;
	s->req_cons = prod;
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), -EIO);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), -EIO);
	assert_int_equal(s->req_prod, prod);
	mbox_client_fail(&c, "again");
	assert_int_equal(f.calls, 1);
	assert_int_equal(c.stats.timeouts, 1);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

static void test_full_ring_deadline(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	int ret = 0;
	unsigned int i;

	(void)state;
	client_up(&c, &f, 20, 0);
	for (i = 0; i <= MBOX_RING_SIZE && !ret; i++)
		ret = mbox_client_write(&c, 0, 0, 4, i);
	assert_int_equal(ret, -ETIMEDOUT);
	assert_int_equal(i, MBOX_RING_SIZE + 1);
	assert_int_equal(f.calls, 1);
	assert_non_null(strstr(f.why, "deadline"));
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), -EIO);
	mbox_client_destroy(&c);
}

static void test_reply_seq_from_the_future(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct mbox_shared *s;
	uint64_t v;

	(void)state;
	client_up(&c, &f, 1000, 1000);
	s = hostile_map(&c);
	s->reply.seq = 1000;
	s->reply.data = 42;
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), -EPROTO);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(f.calls, 1);
	assert_non_null(strstr(f.why, "protocol"));
	assert_int_equal(c.stats.protocol_errors, 1);
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), -EIO);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

static void test_cons_ahead_of_prod(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct mbox_shared *s;

	(void)state;
	client_up(&c, &f, 1000, 0);
	s = hostile_map(&c);
	s->req_cons = 5;	/* nothing was ever posted */
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), -EPROTO);
	assert_int_equal(f.calls, 1);
	assert_non_null(strstr(f.why, "protocol"));
	assert_int_equal(c.stats.protocol_errors, 1);
	assert_int_equal(s->req_prod, 0);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

/* A worker that first answers with an older seq (and kicks), then with
 * the right one: the old answer must not be taken for ours. */
struct stale_worker {
	struct mbox_shared *s;
	int req_fd, reply_fd;
};

static void *stale_then_right(void *arg)
{
	struct stale_worker *w = arg;
	struct pollfd p = { .fd = w->req_fd, .events = POLLIN };
	const struct mbox_req *r;
	uint32_t prod;

	if (poll(&p, 1, 5000) != 1)
		return NULL;
	prod = __atomic_load_n(&w->s->req_prod, __ATOMIC_ACQUIRE);
	r = &w->s->ring[(prod - 1) % MBOX_RING_SIZE];
	w->s->reply.data = 0xdead;
	__atomic_store_n(&w->s->reply.seq, r->seq - 1, __ATOMIC_RELEASE);
	(void)eventfd_write(w->reply_fd, 1);
	nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	w->s->reply.data = 0x5678;
	__atomic_store_n(&w->s->reply.seq, r->seq, __ATOMIC_RELEASE);
	__atomic_store_n(&w->s->req_cons, prod, __ATOMIC_RELEASE);
	(void)eventfd_write(w->reply_fd, 1);
	return NULL;
}

static void test_stale_reply_is_not_ours(void **state)
{
	struct fail_log f = { 0 };
	struct stale_worker w;
	struct mbox_client c;
	pthread_t t;
	uint64_t v;
	int fds[3];

	(void)state;
	client_up(&c, &f, 5000, 1000);
	mbox_client_fds(&c, fds);
	w = (struct stale_worker){ hostile_map(&c), fds[1], fds[2] };
	/* Two earlier requests, served, so that seq - 1 is a real, older seq. */
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), 0);
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 2), 0);
	w.s->req_cons = 2;
	(void)eventfd_read(fds[1], &(eventfd_t){ 0 });
	assert_int_equal(pthread_create(&t, NULL, stale_then_right, &w), 0);
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), 0);
	assert_int_equal(v, 0x5678);
	pthread_join(t, NULL);
	assert_int_equal(f.calls, 0);
	munmap(w.s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

struct sleeper {
	struct mbox_client *c;
	uint64_t v;
	int ret;
};

static void *sleeping_read(void *arg)
{
	struct sleeper *s = arg;

	s->ret = mbox_client_read(s->c, 0, 0, 4, &s->v);
	return NULL;
}

/* The supervisor saw the worker die: a vCPU asleep in a read returns at
 * once with -EIO instead of waiting for its deadline (longer than the
 * test's own timeout, so a read that does not wake fails the test). */
static void test_fail_wakes_a_sleeping_read(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct sleeper s;
	pthread_t t;

	(void)state;
	client_up(&c, &f, 600000, 0);
	s = (struct sleeper){ .c = &c };
	assert_int_equal(pthread_create(&t, NULL, sleeping_read, &s), 0);
	while (atomic_load(&c.stats.sleeps) == 0)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	mbox_client_fail(&c, "its worker exited");
	pthread_join(t, NULL);
	assert_int_equal(s.ret, -EIO);
	assert_int_equal(s.v, 0xffffffffu);
	assert_int_equal(f.calls, 1);
	assert_string_equal(f.why, "its worker exited");
	assert_int_equal(c.stats.timeouts, 0);
	mbox_client_destroy(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_and_fds),
		cmocka_unit_test(test_read_write_ordered),
		cmocka_unit_test(test_ring_full_waits),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_silent_worker_deadline),
		cmocka_unit_test(test_full_ring_deadline),
		cmocka_unit_test(test_reply_seq_from_the_future),
		cmocka_unit_test(test_cons_ahead_of_prod),
		cmocka_unit_test(test_stale_reply_is_not_ours),
		cmocka_unit_test(test_fail_wakes_a_sleeping_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
