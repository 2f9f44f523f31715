// SPDX-License-Identifier: Apache-2.0
#include "mailbox.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PAGE_SIZE_4K 4096u

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? UINT64_MAX : (1ULL << (8 * size)) - 1;
}

/* The page header is the core's; check it before trusting any index. */
static int check_page(const struct mbox_shared *shm)
{
	uint32_t prod = __atomic_load_n(&shm->req_prod, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(&shm->req_cons, __ATOMIC_RELAXED);

	if (shm->magic != MBOX_MAGIC || shm->version != MBOX_LAYOUT_VERSION ||
	    shm->ring_size != MBOX_RING_SIZE || prod - cons > MBOX_RING_SIZE) {
		log_err("mailbox: bad page: magic 0x%x version %u ring %u prod %u cons %u",
			shm->magic, shm->version, shm->ring_size, prod, cons);
		return -EINVAL;
	}
	return 0;
}

int mbox_attach(struct mbox *mb, int shm_fd, uint64_t shm_size, uint32_t layout_version,
		int req_fd, int reply_fd, uint64_t region_size, mbox_access_fn access,
		void *opaque)
{
	struct mbox_shared *shm;
	off_t fd_size;
	int ret;

	memset(mb, 0, sizeof(*mb));
	mb->req_fd = mb->reply_fd = -1;
	if (layout_version != MBOX_LAYOUT_VERSION || shm_size < MBOX_SHM_SIZE ||
	    shm_size % PAGE_SIZE_4K) {
		log_err("mailbox: layout version %u (want %u), size %" PRIu64,
			layout_version, MBOX_LAYOUT_VERSION, shm_size);
		return -EINVAL;
	}
	/* Mapping past the end of the fd would turn an access into SIGBUS. */
	fd_size = lseek(shm_fd, 0, SEEK_END);
	if (fd_size < 0 || (uint64_t)fd_size < MBOX_SHM_SIZE) {
		log_err("mailbox: shared memory fd holds %jd bytes", (intmax_t)fd_size);
		return -EINVAL;
	}
	ret = set_nonblock(req_fd);
	if (ret) {
		log_err("mailbox: request eventfd: %s", strerror(-ret));
		return ret;
	}
	shm = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (shm == MAP_FAILED) {
		ret = -errno;
		log_err("mailbox: mmap: %s", strerror(errno));
		return ret;
	}
	ret = check_page(shm);
	if (ret) {
		munmap(shm, MBOX_SHM_SIZE);
		return ret;
	}
	mb->shm = shm;
	mb->cons = __atomic_load_n(&shm->req_cons, __ATOMIC_RELAXED);
	mb->req_fd = req_fd;
	mb->reply_fd = reply_fd;
	mb->region_size[0] = region_size;
	mb->access = access;
	mb->opaque = opaque;
	close(shm_fd);	/* the mapping keeps the memory */
	return 0;
}

void mbox_detach(struct mbox *mb)
{
	if (mb->shm)
		munmap(mb->shm, MBOX_SHM_SIZE);
	if (mb->req_fd >= 0)
		close(mb->req_fd);
	if (mb->reply_fd >= 0)
		close(mb->reply_fd);
	memset(mb, 0, sizeof(*mb));
	mb->req_fd = mb->reply_fd = -1;
}

static bool size_valid(uint8_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool req_valid(const struct mbox *mb, const struct mbox_req *r)
{
	if ((r->op != MBOX_OP_READ && r->op != MBOX_OP_WRITE) ||
	    r->bar >= MBOX_MAX_REGIONS || !size_valid(r->size) ||
	    r->offset >= mb->region_size[r->bar] ||
	    r->size > mb->region_size[r->bar] - r->offset) {
		log_warn("mailbox: bad request seq %" PRIu64 " op %u bar %u size %u"
			 " offset 0x%" PRIx64, r->seq, r->op, r->bar, r->size, r->offset);
		return false;
	}
	return true;
}

static void serve_one(struct mbox *mb, const struct mbox_req *r)
{
	bool write = r->op == MBOX_OP_WRITE;
	uint64_t data = write ? r->data & size_mask(r->size) : 0;

	if (req_valid(mb, r)) {
		mb->access(mb->opaque, r->bar, r->offset, r->size, write, &data);
		data &= size_mask(r->size);
	} else if (!write) {
		/* What a read of nothing returns on a PCI bus, and what the
		 * core returns for a worker that missed its deadline. */
		data = size_valid(r->size) ? size_mask(r->size) : UINT64_MAX;
	}
	if (r->op != MBOX_OP_READ)
		return;
	mb->shm->reply.data = data;
	__atomic_store_n(&mb->shm->reply.seq, r->seq, __ATOMIC_RELEASE);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Serves the requests posted so far, until the ring is empty or the time
 * is up.  The count, or -EPROTO. */
static int serve_pending(struct mbox *mb, uint64_t until)
{
	int served = 0;

	for (;;) {
		uint32_t prod = __atomic_load_n(&mb->shm->req_prod, __ATOMIC_ACQUIRE);
		struct mbox_req r;

		if (prod == mb->cons || (served && now_ns() >= until))
			return served;
		if (prod - mb->cons > MBOX_RING_SIZE) {
			log_err("mailbox: producer index %u is more than %u ahead of %u",
				prod, MBOX_RING_SIZE, mb->cons);
			mb->broken = true;
			return -EPROTO;
		}
		/* One copy, then only the copy: the slot may change. */
		memcpy(&r, &mb->shm->ring[mb->cons % MBOX_RING_SIZE], sizeof(r));
		__asm__ __volatile__("" ::: "memory");
		serve_one(mb, &r);
		mb->cons++;
		__atomic_store_n(&mb->shm->req_cons, mb->cons, __ATOMIC_RELEASE);
		if (r.op == MBOX_OP_READ && eventfd_write(mb->reply_fd, 1) < 0)
			log_err("mailbox: reply eventfd: %s", strerror(errno));
		served++;
	}
}

static bool pending(const struct mbox *mb)
{
	return __atomic_load_n(&mb->shm->req_prod, __ATOMIC_ACQUIRE) != mb->cons;
}

/* Serves requests as they come until none came for poll_us. */
static int poll_until_idle(struct mbox *mb, uint64_t until)
{
	uint64_t idle_after = (uint64_t)mb->poll_us * 1000u;
	uint64_t last = now_ns();
	int served = 0;

	for (;;) {
		int n = serve_pending(mb, until);
		uint64_t now = now_ns();

		if (n < 0)
			return n;
		served += n;
		if (n)
			last = now;
		if (now >= until || now - last >= idle_after)
			return served;
		if (!n)
			__builtin_ia32_pause();
	}
}

/* Stopping is the delicate part (mailbox.h, "Polling"): once the flag is
 * down the core kicks again, but a request posted while it was still up
 * came without a kick, so look at the ring once more after the fence. */
static int poll_ring(struct mbox *mb, uint64_t until)
{
	int served = 0;

	do {
		int n;

		__atomic_store_n(&mb->shm->worker_polling, 1u, __ATOMIC_RELAXED);
		n = poll_until_idle(mb, until);
		__atomic_store_n(&mb->shm->worker_polling, 0u, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (n < 0)
			return n;
		served += n;
	} while (pending(mb) && now_ns() < until);
	return served;
}

void mbox_set_poll(struct mbox *mb, unsigned int poll_us)
{
	mb->poll_us = poll_us < MBOX_MAX_POLL_US ? poll_us : MBOX_MAX_POLL_US;
}

int mbox_process(struct mbox *mb)
{
	uint64_t until = now_ns() + MBOX_SERVE_BUDGET_US * 1000ull;
	eventfd_t count;
	int served, more;

	(void)eventfd_read(mb->req_fd, &count);	/* EAGAIN: nothing pending */
	if (mb->broken)
		return -EPROTO;
	served = serve_pending(mb, until);
	if (served < 0)
		return served;
	if (mb->poll_us) {
		more = poll_ring(mb, until);
		if (more < 0)
			return more;
		served += more;
	}
	/* Out of time with requests left, some perhaps posted unkicked
	 * while we polled: kick ourselves, so the event loop serves its
	 * other events and then comes back here. */
	if (pending(mb) && eventfd_write(mb->req_fd, 1) < 0)
		log_err("mailbox: request eventfd: %s", strerror(errno));
	return served;
}

/* ---- producer (the core's side) ---- */

void mbox_producer_init(struct mbox_producer *p, void *shm, int req_fd, int reply_fd)
{
	struct mbox_shared *s = shm;

	memset(s, 0, sizeof(*s));
	s->magic = MBOX_MAGIC;
	s->version = MBOX_LAYOUT_VERSION;
	s->ring_size = MBOX_RING_SIZE;
	*p = (struct mbox_producer){ .shm = s, .req_fd = req_fd, .reply_fd = reply_fd };
	(void)set_nonblock(reply_fd);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int post(struct mbox_producer *p, uint8_t op, uint8_t bar, uint64_t offset,
		uint32_t size, uint64_t data, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct mbox_req *slot;

	while (p->prod - __atomic_load_n(&p->shm->req_cons, __ATOMIC_ACQUIRE) >=
	       MBOX_RING_SIZE) {
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	slot = &p->shm->ring[p->prod % MBOX_RING_SIZE];
	*slot = (struct mbox_req){ .seq = ++p->seq, .op = op, .bar = bar,
				   .size = (uint8_t)size, .offset = offset, .data = data };
	p->prod++;
	__atomic_store_n(&p->shm->req_prod, p->prod, __ATOMIC_RELEASE);
	if (eventfd_write(p->req_fd, 1) < 0)
		return -errno;
	return 0;
}

int mbox_producer_write(struct mbox_producer *p, uint8_t bar, uint64_t offset,
			uint32_t size, uint64_t data, int timeout_ms)
{
	return post(p, MBOX_OP_WRITE, bar, offset, size, data, timeout_ms);
}

int mbox_producer_read(struct mbox_producer *p, uint8_t bar, uint64_t offset,
		       uint32_t size, uint64_t *data, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int ret = post(p, MBOX_OP_READ, bar, offset, size, 0, timeout_ms);
	eventfd_t count;

	if (ret)
		return ret;
	for (;;) {
		struct pollfd pfd = { .fd = p->reply_fd, .events = POLLIN };
		int64_t left;

		if (__atomic_load_n(&p->shm->reply.seq, __ATOMIC_ACQUIRE) == p->seq) {
			*data = p->shm->reply.data;
			return 0;
		}
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) > 0)
			(void)eventfd_read(p->reply_fd, &count);
	}
}
