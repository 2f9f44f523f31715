/* A device worker's half of the mailbox for the tests: the worker
 * library's real consumer (mbox_attach/mbox_process) on a thread, serving
 * a plain array of registers, the way a worker's event loop would. */
#ifndef SPLITVM_TEST_MAILBOX_CONSUMER_H
#define SPLITVM_TEST_MAILBOX_CONSUMER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "mailbox.h"
#include "mbox_client.h"

#define CONSUMER_REGION 0x100

struct consumer {
	struct mbox mb;
	uint8_t regs[CONSUMER_REGION];
	pthread_t thread;
	int stop_fd;
	unsigned int start_delay_ms;	/* before serving anything */
	atomic_uint served;
	/* Optional: called after each access is served. */
	void (*after_access)(struct consumer *k, bool write);
	void *hook_arg;
};

/* Attaches to c's page (with dups of its fds), without a thread: the
 * caller runs mbox_process itself; mbox_detach(&k->mb) undoes it. */
void consumer_attach(struct consumer *k, struct mbox_client *c, unsigned int poll_us);
/* Attaches to c's page (with dups of its fds) and starts the thread; the
 * worker side polls for poll_us after each batch (mbox_set_poll). */
void consumer_up(struct consumer *k, struct mbox_client *c, unsigned int poll_us,
		 unsigned int start_delay_ms);
void consumer_down(struct consumer *k);

/* Maps c's page the way a hostile worker would, to write what it likes. */
struct mbox_shared *hostile_map(struct mbox_client *c);

#endif
