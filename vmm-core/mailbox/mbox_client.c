#include "mbox_client.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "checked.h"
#include "log.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int create_page(struct mbox_client *c)
{
	c->shm_fd = memfd_create("splitvm-mailbox", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (c->shm_fd < 0)
		return -errno;
	if (ftruncate(c->shm_fd, MBOX_SHM_SIZE) < 0 ||
	    fcntl(c->shm_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		return -errno;
	c->shm = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, c->shm_fd, 0);
	if (c->shm == MAP_FAILED) {
		c->shm = NULL;
		return -errno;
	}
	c->shm->magic = MBOX_MAGIC;
	c->shm->version = MBOX_LAYOUT_VERSION;
	c->shm->ring_size = MBOX_RING_SIZE;
	return 0;
}

int mbox_client_init(struct mbox_client *c, const char *name,
		     const struct mbox_client_params *params)
{
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->shm_fd = c->req_fd = c->reply_fd = -1;
	c->deadline_ms = params->deadline_ms ? params->deadline_ms :
			 MBOX_CLIENT_DEFAULT_DEADLINE_MS;
	c->spin_ns = params->spin_ns;
	c->on_fail = params->on_fail;
	c->opaque = params->opaque;
	pthread_mutex_init(&c->lock, NULL);
	ret = create_page(c);
	if (!ret) {
		c->req_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		c->reply_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (c->req_fd < 0 || c->reply_fd < 0)
			ret = -errno;
	}
	if (ret)
		mbox_client_destroy(c);
	return ret;
}

void mbox_client_destroy(struct mbox_client *c)
{
	if (c->shm)
		munmap(c->shm, MBOX_SHM_SIZE);
	c->shm = NULL;
	if (c->shm_fd >= 0)
		close(c->shm_fd);
	if (c->req_fd >= 0)
		close(c->req_fd);
	if (c->reply_fd >= 0)
		close(c->reply_fd);
	c->shm_fd = c->req_fd = c->reply_fd = -1;
	pthread_mutex_destroy(&c->lock);
}

void mbox_client_fds(const struct mbox_client *c, int fds[3])
{
	fds[0] = c->shm_fd;
	fds[1] = c->req_fd;
	fds[2] = c->reply_fd;
}

bool mbox_client_failed(const struct mbox_client *c)
{
	return atomic_load(&c->failed);
}

void mbox_client_fail(struct mbox_client *c, const char *why)
{
	bool expected = false;

	if (!atomic_compare_exchange_strong(&c->failed, &expected, true))
		return;
	/* A vCPU asleep on the reply eventfd notices at once, not at its
	 * deadline.  The count is only a wake-up (await_reply re-checks). */
	if (c->reply_fd >= 0)
		(void)eventfd_write(c->reply_fd, 1);
	if (c->on_fail)
		c->on_fail(c->opaque, why);
	else
		log_err("device %s: %s", c->name, why);
}

/* Called with the lock held: fails the client with a protocol error. */
static int protocol_error(struct mbox_client *c, const char *what)
{
	char why[160];

	atomic_fetch_add(&c->stats.protocol_errors, 1);
	snprintf(why, sizeof(why), "mailbox protocol error: %s", what);
	mbox_client_fail(c, why);
	return -EPROTO;
}

static int deadline_passed(struct mbox_client *c, const char *what)
{
	char why[160];

	atomic_fetch_add(&c->stats.timeouts, 1);
	snprintf(why, sizeof(why), "worker missed the %u ms mailbox deadline (%s)",
		 c->deadline_ms, what);
	mbox_client_fail(c, why);
	return -ETIMEDOUT;
}

/* How many requests the worker has not finished; checks its index. */
static int outstanding(struct mbox_client *c, uint32_t *n)
{
	uint32_t cons = __atomic_load_n(&c->shm->req_cons, __ATOMIC_ACQUIRE);
	char what[96];

	*n = c->prod - cons;
	if (*n <= MBOX_RING_SIZE)
		return 0;
	snprintf(what, sizeof(what), "req_cons %" PRIu32 " is not within %u behind req_prod %"
		 PRIu32, cons, MBOX_RING_SIZE, c->prod);
	return protocol_error(c, what);
}

/* Sleeps on the reply eventfd until the deadline at most; any wake-up
 * (reply, or a late reply to an old read) returns so the caller re-checks. */
static void sleep_on_reply(struct mbox_client *c, uint64_t deadline)
{
	uint64_t now = now_ns();
	struct pollfd pfd = { .fd = c->reply_fd, .events = POLLIN };
	eventfd_t count;
	int ms;

	if (now >= deadline)
		return;
	ms = (int)((deadline - now + 999999) / 1000000);
	atomic_fetch_add(&c->stats.sleeps, 1);
	if (poll(&pfd, 1, ms) > 0)
		(void)eventfd_read(c->reply_fd, &count);
}

static int wait_for_slot(struct mbox_client *c, uint64_t deadline)
{
	for (;;) {
		uint32_t n;
		int ret = outstanding(c, &n);

		if (ret)
			return ret;
		if (n < MBOX_RING_SIZE)
			return 0;
		if (atomic_load(&c->failed))
			return -EIO;
		if (now_ns() >= deadline)
			return deadline_passed(c, "ring full");
		/* The worker kicks the reply eventfd for reads only, so poll. */
		nanosleep(&(struct timespec){ .tv_nsec = 50000 }, NULL);
	}
}

/* A worker that polls the ring needs no kick.  The fence orders our
 * req_prod store before the flag load; the worker orders its flag store
 * before its last look at req_prod the same way, so one of us sees the
 * other (mailbox.h, "Polling").  The flag is only a hint: a worker that
 * raises it and does not poll just misses its deadline. */
static int kick(struct mbox_client *c)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&c->shm->worker_polling, __ATOMIC_RELAXED)) {
		atomic_fetch_add(&c->stats.kicks_saved, 1);
		return 0;
	}
	if (eventfd_write(c->req_fd, 1) < 0)
		return protocol_error(c, "cannot kick the request eventfd");
	return 0;
}

static int post(struct mbox_client *c, uint8_t op, uint8_t bar, uint64_t offset,
		unsigned int size, uint64_t data, uint64_t deadline)
{
	struct mbox_req *slot;
	int ret = wait_for_slot(c, deadline);

	if (ret)
		return ret;
	slot = &c->shm->ring[c->prod % MBOX_RING_SIZE];
	*slot = (struct mbox_req){ .seq = ++c->seq, .op = op, .bar = bar, .size = (uint8_t)size,
				   .offset = offset, .data = data };
	c->prod++;
	__atomic_store_n(&c->shm->req_prod, c->prod, __ATOMIC_RELEASE);
	return kick(c);
}

/* 1: our reply is there; 0: not yet; <0: the worker broke the protocol. */
static int check_reply(struct mbox_client *c, uint64_t *val)
{
	uint64_t seq = __atomic_load_n(&c->shm->reply.seq, __ATOMIC_ACQUIRE);
	char what[96];

	if (seq == c->seq) {
		*val = c->shm->reply.data;
		return 1;
	}
	if (seq < c->seq)
		return 0;
	snprintf(what, sizeof(what), "reply seq %" PRIu64 " but the last read posted is %"
		 PRIu64, seq, c->seq);
	return protocol_error(c, what);
}

static int await_reply(struct mbox_client *c, uint64_t deadline, uint64_t *val)
{
	uint64_t spin_end = now_ns() + c->spin_ns;
	int ret;

	for (;;) {
		ret = check_reply(c, val);
		if (ret)
			return ret < 0 ? ret : 0;
		if (atomic_load(&c->failed))
			return -EIO;	/* failed from outside meanwhile */
		if (now_ns() >= deadline)
			return deadline_passed(c, "read");
		if (now_ns() < spin_end)
			__builtin_ia32_pause();
		else
			sleep_on_reply(c, deadline);
	}
}

static bool size_ok(unsigned int size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Takes the lock for one access of size bytes; 0, or -errno without the
 * lock.  failed is looked at again under the lock: the client may have
 * failed while this thread waited for it. */
static int begin_access(struct mbox_client *c, unsigned int size)
{
	if (!size_ok(size))
		return -EINVAL;
	if (atomic_load(&c->failed))
		return -EIO;
	pthread_mutex_lock(&c->lock);
	if (atomic_load(&c->failed)) {
		pthread_mutex_unlock(&c->lock);
		return -EIO;
	}
	return 0;
}

static uint64_t access_deadline(const struct mbox_client *c)
{
	return now_ns() + (uint64_t)c->deadline_ms * 1000000ull;
}

int mbox_client_read(struct mbox_client *c, uint8_t bar, uint64_t offset, unsigned int size,
		     uint64_t *val)
{
	uint64_t deadline, v = 0;
	int ret;

	*val = access_all_ones(size);
	ret = begin_access(c, size);
	if (ret)
		return ret;
	atomic_fetch_add(&c->stats.reads, 1);
	deadline = access_deadline(c);
	ret = post(c, MBOX_OP_READ, bar, offset, size, 0, deadline);
	if (!ret)
		ret = await_reply(c, deadline, &v);
	pthread_mutex_unlock(&c->lock);
	if (!ret)
		*val = v & access_all_ones(size);
	return ret;
}

int mbox_client_write(struct mbox_client *c, uint8_t bar, uint64_t offset, unsigned int size,
		      uint64_t val)
{
	int ret;

	ret = begin_access(c, size);
	if (ret)
		return ret;
	atomic_fetch_add(&c->stats.writes, 1);
	ret = post(c, MBOX_OP_WRITE, bar, offset, size, val, access_deadline(c));
	pthread_mutex_unlock(&c->lock);
	return ret;
}
