/* The core's mailbox client against the real worker-side consumer
 * (device-workers/lib/mailbox.c) running on a thread, and against a
 * hostile or silent "worker" that writes the page by hand. */
#include <errno.h>
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
#include <unistd.h>

#include <cmocka.h>

#include "mailbox.h"
#include "mbox_client.h"

#define REGION 0x100

struct consumer {
	struct mbox mb;
	uint8_t regs[REGION];
	pthread_t thread;
	int stop_fd;
	atomic_uint served;
};

static void access_regs(void *opaque, uint8_t bar, uint64_t offset, uint32_t size, bool write,
			uint64_t *data)
{
	struct consumer *k = opaque;

	(void)bar;
	if (write)
		memcpy(&k->regs[offset], data, size);
	else {
		*data = 0;
		memcpy(data, &k->regs[offset], size);
	}
	atomic_fetch_add(&k->served, 1);
}

static void *consumer_loop(void *arg)
{
	struct consumer *k = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = k->mb.req_fd, .events = POLLIN },
				       { .fd = k->stop_fd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		if (p[0].revents)
			(void)mbox_process(&k->mb);
	}
}

struct fail_log {
	unsigned int calls;
	char why[160];
};

static void on_fail(void *opaque, const char *why)
{
	struct fail_log *f = opaque;

	f->calls++;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

static void client_up(struct mbox_client *c, struct fail_log *f, unsigned int deadline_ms)
{
	struct mbox_client_params p = { .deadline_ms = deadline_ms, .spin_ns = 1000,
					.on_fail = on_fail, .opaque = f };

	assert_int_equal(mbox_client_init(c, "test", &p), 0);
}

static void consumer_up(struct consumer *k, struct mbox_client *c)
{
	int fds[3];

	memset(k, 0, sizeof(*k));
	mbox_client_fds(c, fds);
	assert_int_equal(mbox_attach(&k->mb, dup(fds[0]), MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION,
				     dup(fds[1]), dup(fds[2]), REGION, access_regs, k), 0);
	k->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(k->stop_fd >= 0);
	assert_int_equal(pthread_create(&k->thread, NULL, consumer_loop, k), 0);
}

static void consumer_down(struct consumer *k)
{
	assert_int_equal(eventfd_write(k->stop_fd, 1), 0);
	pthread_join(k->thread, NULL);
	close(k->stop_fd);
	mbox_detach(&k->mb);
}

static void test_read_write_ordered(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct consumer k;
	uint64_t v;

	(void)state;
	client_up(&c, &f, 2000);
	consumer_up(&k, &c);
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
	assert_int_equal(mbox_client_read(&c, 0, 0x10, 3, &v), -EINVAL);
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
	client_up(&c, &f, 5000);
	consumer_up(&k, &c);
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
	consumer_down(&k);
	mbox_client_destroy(&c);
}

static void test_silent_worker_deadline(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	uint64_t v = 0;

	(void)state;
	client_up(&c, &f, 20);
	assert_int_equal(mbox_client_read(&c, 0, 0, 2, &v), -ETIMEDOUT);
	assert_int_equal(v, 0xffff);
	assert_int_equal(f.calls, 1);
	assert_non_null(strstr(f.why, "deadline"));
	assert_true(mbox_client_failed(&c));
	/* Failed for good: no more waiting, no second report. */
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), -EIO);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), -EIO);
	mbox_client_fail(&c, "again");
	assert_int_equal(f.calls, 1);
	assert_int_equal(c.stats.timeouts, 1);
	mbox_client_destroy(&c);
}

static void test_full_ring_deadline(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	int ret = 0;

	(void)state;
	client_up(&c, &f, 20);
	for (unsigned int i = 0; i <= MBOX_RING_SIZE && !ret; i++)
		ret = mbox_client_write(&c, 0, 0, 4, i);
	assert_int_equal(ret, -ETIMEDOUT);
	assert_int_equal(f.calls, 1);
	mbox_client_destroy(&c);
}

/* A hostile worker: maps the page itself and writes what it likes. */
static struct mbox_shared *hostile_map(struct mbox_client *c)
{
	int fds[3];
	void *p;

	mbox_client_fds(c, fds);
	p = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static void test_reply_seq_from_the_future(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct mbox_shared *s;
	uint64_t v;

	(void)state;
	client_up(&c, &f, 1000);
	s = hostile_map(&c);
	s->reply.seq = 1000;
	s->reply.data = 42;
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), -EPROTO);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(f.calls, 1);
	assert_non_null(strstr(f.why, "protocol"));
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

static void test_cons_ahead_of_prod(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct mbox_shared *s;

	(void)state;
	client_up(&c, &f, 1000);
	s = hostile_map(&c);
	s->req_cons = 5;	/* nothing was ever posted */
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 1), -EPROTO);
	assert_int_equal(f.calls, 1);
	assert_int_equal(c.stats.protocol_errors, 1);
	munmap(s, MBOX_SHM_SIZE);
	mbox_client_destroy(&c);
}

static void test_stale_reply_is_not_ours(void **state)
{
	struct fail_log f = { 0 };
	struct mbox_client c;
	struct consumer k;
	uint64_t v;

	(void)state;
	client_up(&c, &f, 1000);
	consumer_up(&k, &c);
	assert_int_equal(mbox_client_write(&c, 0, 0, 4, 7), 0);
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), 0);
	assert_int_equal(v, 7);
	/* An old seq left in the reply slot must not answer the next read. */
	assert_int_equal(mbox_client_read(&c, 0, 0, 4, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(c.stats.reads, 2);
	consumer_down(&k);
	mbox_client_destroy(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_write_ordered),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_silent_worker_deadline),
		cmocka_unit_test(test_full_ring_deadline),
		cmocka_unit_test(test_reply_seq_from_the_future),
		cmocka_unit_test(test_cons_ahead_of_prod),
		cmocka_unit_test(test_stale_reply_is_not_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
