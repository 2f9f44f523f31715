/* The core's side of one device's register-forwarding mailbox (the
 * contract and its layout are in device-workers/lib/mailbox.h).
 *
 * Several vCPU threads may touch the same device; a per-client mutex makes
 * the core the single producer the layout expects.  Writes are posted and
 * return at once; a read waits for its answer, first spinning for spin_ns
 * (a reply often arrives within microseconds of the kick), then sleeping on
 * the reply eventfd, and never past deadline_ms.  When the deadline passes,
 * or the worker writes something it never should have, the client fails
 * for good: on_fail runs once, and every later access returns at once
 * without touching the page (reads as all-ones).
 *
 * Spinning pays only when the worker polls the ring too (its
 * --mailbox-spin-us option): a sleeping worker needs the kick and a
 * wake-up, which cost far more than the spin saves.  While the worker
 * says it polls, posting skips the request eventfd write.
 *
 * Everything the worker writes to the page is untrusted: req_cons may not
 * run ahead of what was posted, reply.seq may not name a read that was
 * never posted.  A reply to an older read (one that timed out) is simply
 * not ours. */
#ifndef SPLITVM_MBOX_CLIENT_H
#define SPLITVM_MBOX_CLIENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mailbox.h"

struct mbox_client_params {
	unsigned int deadline_ms;    /* 0: MBOX_CLIENT_DEFAULT_DEADLINE_MS */
	unsigned int spin_ns;        /* 0: sleep at once */
	/* Called once, on the thread that found the failure (possibly a
	 * vCPU holding the client's lock: it must not access the client
	 * other than through mbox_client_fail()).  It logs the failure;
	 * without it the client logs it. */
	void (*on_fail)(void *opaque, const char *why);
	void *opaque;
};

#define MBOX_CLIENT_DEFAULT_DEADLINE_MS 100

struct mbox_client_stats {
	_Atomic uint64_t reads, writes, timeouts, protocol_errors;
	_Atomic uint64_t sleeps;       /* reads that slept on the reply eventfd */
	_Atomic uint64_t kicks_saved;  /* posts the polling worker saw unkicked */
};

struct mbox_client {
	char name[64];
	pthread_mutex_t lock;
	struct mbox_shared *shm;
	int shm_fd, req_fd, reply_fd;
	uint32_t prod;               /* our count of requests posted */
	uint64_t seq;                /* last seq posted */
	unsigned int deadline_ms;
	unsigned int spin_ns;
	void (*on_fail)(void *opaque, const char *why);
	void *opaque;
	atomic_bool failed;
	struct mbox_client_stats stats;
};

/* Creates the sealed shared page and both eventfds.  0 or -errno. */
int mbox_client_init(struct mbox_client *c, const char *name,
		     const struct mbox_client_params *params);
void mbox_client_destroy(struct mbox_client *c);

/* The fds of the Mailbox message, in its order: shm, request, reply.  The
 * client keeps owning them. */
void mbox_client_fds(const struct mbox_client *c, int fds[3]);

/* bar: region (0); size 1, 2, 4 or 8.  0, or -ETIMEDOUT / -EPROTO when this
 * access failed the client, -EIO when it had failed already, -EINVAL for a
 * bad size.  A read that fails stores all-ones of its size in *val. */
int mbox_client_read(struct mbox_client *c, uint8_t bar, uint64_t offset, unsigned int size,
		     uint64_t *val);
int mbox_client_write(struct mbox_client *c, uint8_t bar, uint64_t offset, unsigned int size,
		      uint64_t val);

/* Fails the client from outside (the worker died).  Idempotent; on_fail
 * runs only if this call failed it.  A read asleep on the reply returns
 * -EIO at once; nothing the worker writes later is looked at. */
void mbox_client_fail(struct mbox_client *c, const char *why);
bool mbox_client_failed(const struct mbox_client *c);

#endif
