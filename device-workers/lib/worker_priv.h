/* State of a running worker, shared by worker_main.c (startup, loop,
 * events) and worker_ctl.c (one handler per control message).  Internal to
 * device-workers/lib. */
#ifndef SPLITVM_WORKERS_WORKER_PRIV_H
#define SPLITVM_WORKERS_WORKER_PRIV_H

#include <event2/event.h>
#include <stdbool.h>

#include "channel.h"
#include "guest_mem.h"
#include "mailbox.h"
#include "virtio_dev.h"
#include "worker.h"

struct worker;

struct worker_queue {
	struct worker *w;
	uint16_t index;
	int notify_fd;
	int irq_fd;
	struct event *notify_ev;
};

struct worker {
	const struct worker_device *wd;
	struct event_base *base;
	struct event *ctl_ev;
	struct event *mbox_ev;
	int ctl_fd;

	bool configured;	/* Configure accepted: dev is initialised */
	bool memory_mapped;
	bool mailbox_attached;
	bool activated;
	bool paused;
	enum virtio_transport transport;
	void *priv;		/* the device's state */
	struct virtio_dev dev;
	struct guest_mem gm;
	struct mbox mbox;
	unsigned int mbox_poll_us;	/* --mailbox-spin-us */
	struct worker_queue queues[VIRTIO_DEV_MAX_QUEUES];
	int config_irq_fd;

	/* counters for GetStats */
	uint64_t mbox_requests;
	uint64_t queue_kicks;
	uint64_t needs_reset_events;

	int exit_status;
};

/* Dispatches one received control message; answers it. */
void worker_ctl_handle(struct worker *w, struct chan_msg *msg);
/* Sends a Reply with status (0 or a positive errno) for request seq. */
void worker_reply(struct worker *w, uint32_t seq, int status, const char *message);
/* Starts / stops serving the queue kicks (Pause, Resume). */
int worker_queue_events(struct worker *w, bool on);
/* Ends the event loop with the given exit status. */
void worker_stop(struct worker *w, int status);
/* Event callbacks used by worker_ctl.c when fds arrive. */
void worker_on_notify(evutil_socket_t fd, short what, void *arg);
void worker_on_mailbox(evutil_socket_t fd, short what, void *arg);
void worker_mbox_access(void *opaque, uint8_t bar, uint64_t offset, uint32_t size,
			bool write, uint64_t *data);

#endif
