// SPDX-License-Identifier: Apache-2.0
/* Startup, sandbox and the event loop of every device worker (worker.h). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"
#include "worker_priv.h"

#ifndef SPLITVM_VERSION
#define SPLITVM_VERSION "unknown"
#endif

#define HELLO_TIMEOUT_MS 10000
/* Fds a worker holds besides its queues: stdio, control socket, epoll,
 * mailbox (2 eventfds, plus the shm while it is being mapped), guest
 * memfd while it is being mapped, config interrupt, and the fds of a
 * message being received before it is checked (CHAN_MAX_FDS). */
#define WORKER_BASE_FDS 16

struct worker_opts {
	bool seccomp_log;
	bool print_policy;
	unsigned int mailbox_spin_us;
};

void worker_reply(struct worker *w, uint32_t seq, int status, const char *message)
{
	Ctl__Reply r = CTL__REPLY__INIT;
	enum chan_err err;

	r.status = status;
	if (status && !message)
		message = strerror(status);
	r.message = (char *)message;
	err = chan_send(w->ctl_fd, CHAN_SIDE_WORKER, CHAN_MSG_REPLY, seq, &r.base, NULL, 0);
	if (err != CHAN_OK)
		log_err("worker: sending reply to %" PRIu32 ": %s", seq, chan_strerror(err));
}

static void send_error(struct worker *w, int code, const char *message)
{
	Ctl__Error e = CTL__ERROR__INIT;
	enum chan_err err;

	e.code = code;
	e.message = (char *)message;
	err = chan_send(w->ctl_fd, CHAN_SIDE_WORKER, CHAN_MSG_ERROR, 0, &e.base, NULL, 0);
	if (err != CHAN_OK)
		log_err("worker: sending error report: %s", chan_strerror(err));
}

void worker_stop(struct worker *w, int status)
{
	w->exit_status = status;
	event_base_loopbreak(w->base);
}

int worker_queue_events(struct worker *w, bool on)
{
	for (unsigned int i = 0; i < VIRTIO_DEV_MAX_QUEUES; i++) {
		struct event *ev = w->queues[i].notify_ev;

		if (!ev)
			continue;
		if (on ? event_add(ev, NULL) < 0 : event_del(ev) < 0)
			return EIO;
	}
	return 0;
}

void worker_on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct worker_queue *q = arg;
	eventfd_t count;

	(void)what;
	if (eventfd_read(fd, &count) < 0)
		return;		/* spurious wake-up: nothing to serve */
	q->w->queue_kicks++;
	virtio_dev_queue_notify(&q->w->dev, q->index);
}

void worker_mbox_access(void *opaque, uint8_t bar, uint64_t offset, uint32_t size,
			bool write, uint64_t *data)
{
	struct worker *w = opaque;
	int ret;

	(void)bar;	/* region 0 is the only one (mailbox.h) */
	w->mbox_requests++;
	if (w->transport == VIRTIO_TRANSPORT_MMIO)
		ret = virtio_mmio_access(&w->dev, offset, size, write, data);
	else
		ret = virtio_pci_access(&w->dev, offset, size, write, data);
	if (ret && !write)
		*data = UINT64_MAX;	/* the mailbox already bounded it: not reached */
}

void worker_on_mailbox(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;

	(void)fd;
	(void)what;
	if (mbox_process(&w->mbox) < 0) {
		send_error(w, EPROTO, "mailbox producer index corrupt");
		event_del(w->mbox_ev);
	}
}

static void on_control(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct chan_msg msg = { 0 };
	enum chan_err err;

	(void)what;
	err = chan_recv(fd, CHAN_SIDE_WORKER, &msg);
	switch (err) {
	case CHAN_OK:
		worker_ctl_handle(w, &msg);
		chan_msg_clear(&msg);
		return;
	case CHAN_ERR_AGAIN:
		return;
	case CHAN_ERR_HANGUP:
		log_info("worker: the core closed the control socket");
		worker_stop(w, 0);
		return;
	case CHAN_ERR_IO:
	case CHAN_ERR_NOMEM:
		log_err("worker: control socket: %s", chan_strerror(err));
		worker_stop(w, 1);
		return;
	default:
		/* A malformed message (already logged by chan_recv): the
		 * seq is unknown, so report it instead of answering. */
		send_error(w, EPROTO, chan_strerror(err));
		return;
	}
}

/* fd 3 must be our control socket; everything above it is an inherited
 * leak that the sandbox must not keep. */
static int check_fds(void)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(WORKER_CONTROL_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		log_err("worker: fd %d is not a SOCK_SEQPACKET control socket",
			WORKER_CONTROL_FD);
		return -EBADF;
	}
	if (close_range(WORKER_CONTROL_FD + 1, ~0U, 0) < 0) {
		log_err("worker: close_range: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static void print_policy(const struct sandbox_policy *p)
{
	static const char *const cmp[] = { "", "==", "!&" };

	for (size_t i = 0; i < p->nr_rules; i++) {
		const struct sandbox_rule *r = &p->rules[i];

		if (r->cmp == SANDBOX_ANY)
			printf("%s\n", r->name);
		else
			printf("%s arg%u %s 0x%" PRIx64 "\n", r->name, r->arg, cmp[r->cmp],
			       r->value);
	}
	printf("%zu syscalls\n", p->nr_syscalls);
}

/* How long the worker keeps polling the mailbox ring after a batch
 * (mailbox.h, "Polling"): it costs a CPU for that long, so it is off
 * unless asked for. */
static int parse_spin_us(const char *arg, unsigned int *us)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v > MBOX_MAX_POLL_US) {
		log_err("worker: --mailbox-spin-us wants 0 to %u, not '%s'",
			MBOX_MAX_POLL_US, arg);
		return -EINVAL;
	}
	*us = (unsigned int)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct worker_opts *o)
{
	static const struct option longopts[] = {
		{ "seccomp-log", no_argument, NULL, 's' },
		{ "print-policy", no_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "mailbox-spin-us", required_argument, NULL, 'm' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	enum log_level level;
	int c;

	o->seccomp_log = sandbox_log_mode_requested();
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's': o->seccomp_log = true; break;
		case 'p': o->print_policy = true; break;
		case 'l':
			if (log_parse_level(optarg, &level) < 0) {
				log_err("worker: unknown log level %s", optarg);
				return -EINVAL;
			}
			log_set_level(level);
			break;
		case 'm':
			if (parse_spin_us(optarg, &o->mailbox_spin_us) < 0)
				return -EINVAL;
			break;
		case 'v':
			printf("%s\n", SPLITVM_VERSION);
			exit(0);
		default:
			fprintf(stderr, "usage: %s [--seccomp-log] [--print-policy]"
				" [--log-level LEVEL] [--mailbox-spin-us N] [--version]\n",
				argv[0]);
			return -EINVAL;
		}
	}
	return 0;
}

static void worker_cleanup(struct worker *w)
{
	for (unsigned int i = 0; i < VIRTIO_DEV_MAX_QUEUES; i++) {
		struct worker_queue *q = &w->queues[i];

		if (q->notify_ev)
			event_free(q->notify_ev);
		if (q->notify_fd >= 0)
			close(q->notify_fd);
		if (q->irq_fd >= 0)
			close(q->irq_fd);
	}
	if (w->config_irq_fd >= 0)
		close(w->config_irq_fd);
	if (w->mbox_ev)
		event_free(w->mbox_ev);
	mbox_detach(&w->mbox);
	if (w->configured) {
		virtio_dev_fini(&w->dev);
		if (w->wd->destroy)
			w->wd->destroy(w->priv);
	}
	gm_unmap(&w->gm);
	if (w->ctl_ev)
		event_free(w->ctl_ev);
	if (w->base)
		event_base_free(w->base);
}

static void worker_init_state(struct worker *w, const struct worker_device *wd)
{
	memset(w, 0, sizeof(*w));
	w->wd = wd;
	w->ctl_fd = WORKER_CONTROL_FD;
	w->config_irq_fd = -1;
	w->mbox.req_fd = w->mbox.reply_fd = -1;
	for (unsigned int i = 0; i < VIRTIO_DEV_MAX_QUEUES; i++) {
		w->queues[i].w = w;
		w->queues[i].index = (uint16_t)i;
		w->queues[i].notify_fd = w->queues[i].irq_fd = -1;
	}
}

/* Everything before the loop that needs more than the sandbox allows. */
static int worker_setup(struct worker *w, const struct worker_opts *o)
{
	struct sandbox_config sb = {
		.policy = w->wd->policy,
		.max_fds = WORKER_BASE_FDS + 2u * w->wd->ops->num_queues,
		.no_file_writes = w->wd->no_file_writes,
		.seccomp_log = o->seccomp_log,
	};
	struct event_config *cfg;
	int ret;

	ret = check_fds();
	if (ret)
		return ret;
	/* The log's strftime() loads the time zone file on first use; load
	 * it now, while open() is still allowed. */
	tzset();
	cfg = event_config_new();
	if (!cfg)
		return -ENOMEM;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	w->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!w->base) {
		log_err("worker: cannot create the event loop");
		return -ENOMEM;
	}
	return sandbox_enter(&sb);
}

int worker_main(int argc, char **argv, const struct worker_device *wd)
{
	struct chan_hello_peer peer;
	struct worker_opts opts = { 0 };
	static struct worker w;
	enum chan_err err;

	log_set_prefix(wd->ops->name);
	if (parse_args(argc, argv, &opts))
		return 2;
	if (opts.print_policy) {
		print_policy(wd->policy);
		return 0;
	}
	worker_init_state(&w, wd);
	w.mbox_poll_us = opts.mailbox_spin_us;
	if (worker_setup(&w, &opts)) {
		worker_cleanup(&w);
		return 1;
	}
	err = chan_hello(w.ctl_fd, CHAN_SIDE_WORKER, wd->device_type, SPLITVM_VERSION,
			 HELLO_TIMEOUT_MS, &peer);
	if (err != CHAN_OK) {
		log_err("worker: hello: %s", chan_strerror(err));
		worker_cleanup(&w);
		return 1;
	}
	w.ctl_ev = event_new(w.base, w.ctl_fd, EV_READ | EV_PERSIST, on_control, &w);
	if (!w.ctl_ev || event_add(w.ctl_ev, NULL) < 0) {
		worker_cleanup(&w);
		return 1;
	}
	event_base_dispatch(w.base);
	worker_cleanup(&w);
	return w.exit_status;
}
