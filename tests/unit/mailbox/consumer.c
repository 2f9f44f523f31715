/* See consumer.h. */
#include "consumer.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static void access_regs(void *opaque, uint8_t bar, uint64_t offset, uint32_t size, bool write,
			uint64_t *data)
{
	struct consumer *k = opaque;

	(void)bar;
	if (write) {
		memcpy(&k->regs[offset], data, size);
	} else {
		*data = 0;
		memcpy(data, &k->regs[offset], size);
	}
	atomic_fetch_add(&k->served, 1);
	if (k->after_access)
		k->after_access(k, write);
}

static void *consumer_loop(void *arg)
{
	struct consumer *k = arg;
	struct timespec delay = { .tv_sec = k->start_delay_ms / 1000,
				  .tv_nsec = (long)(k->start_delay_ms % 1000) * 1000000 };

	nanosleep(&delay, NULL);
	for (;;) {
		struct pollfd p[2] = { { .fd = k->mb.req_fd, .events = POLLIN },
				       { .fd = k->stop_fd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		if (p[0].revents)
			(void)mbox_process(&k->mb);
	}
}

void consumer_attach(struct consumer *k, struct mbox_client *c, unsigned int poll_us)
{
	int fds[3];

	memset(k, 0, sizeof(*k));
	k->stop_fd = -1;
	mbox_client_fds(c, fds);
	assert_int_equal(mbox_attach(&k->mb, dup(fds[0]), MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION,
				     dup(fds[1]), dup(fds[2]), CONSUMER_REGION, access_regs, k),
			 0);
	mbox_set_poll(&k->mb, poll_us);
}

void consumer_up(struct consumer *k, struct mbox_client *c, unsigned int poll_us,
		 unsigned int start_delay_ms)
{
	consumer_attach(k, c, poll_us);
	k->start_delay_ms = start_delay_ms;
	k->stop_fd = eventfd(0, EFD_CLOEXEC);
	assert_true(k->stop_fd >= 0);
	assert_int_equal(pthread_create(&k->thread, NULL, consumer_loop, k), 0);
}

void consumer_down(struct consumer *k)
{
	assert_int_equal(eventfd_write(k->stop_fd, 1), 0);
	pthread_join(k->thread, NULL);
	close(k->stop_fd);
	mbox_detach(&k->mb);
}

struct mbox_shared *hostile_map(struct mbox_client *c)
{
	int fds[3];
	void *p;

	mbox_client_fds(c, fds);
	p = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
	assert_true(p != MAP_FAILED);
	return p;
}
