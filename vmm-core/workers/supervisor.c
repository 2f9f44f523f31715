#include "supervisor.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "log.h"

#ifndef SPLITVM_VERSION
#define SPLITVM_VERSION "0.0.0"
#endif

/* The control socket's fixed place in the worker (worker_main.c). */
#define WORKER_CTL_FD 3

static const char *const state_names[] = {
	[WORKER_STARTING] = "starting",
	[WORKER_RUNNING] = "running",
	[WORKER_NEEDS_RESET] = "needs_reset",
	[WORKER_FAILED] = "failed",
	[WORKER_STOPPED] = "stopped",
};

const char *worker_state_name(enum worker_state s)
{
	return (unsigned int)s < sizeof(state_names) / sizeof(state_names[0]) ?
	       state_names[s] : "?";
}

int supervisor_init(struct supervisor *s, const char *worker_dir, struct event_base *base)
{
	char self[PATH_MAX];
	ssize_t n;

	memset(s, 0, sizeof(*s));
	s->base = base;
	if (worker_dir) {
		if (strlen(worker_dir) >= sizeof(s->dir))
			return -ENAMETOOLONG;
		strcpy(s->dir, worker_dir);
		return 0;
	}
	s->build_tree_fallback = true;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	snprintf(s->dir, sizeof(s->dir), "%s", dirname(self));
	return 0;
}

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* In the child between fork and exec: async-signal-safe calls only. */
static void __attribute__((noreturn)) exec_worker(int sock, const char *path, const char *name,
						    const char *poll_arg)
{
	char *const argv[] = { (char *)name, (char *)poll_arg, NULL };
	sigset_t none;
	int null;

	/* A blocked mask survives exec; the worker must see SIGTERM & co. as
	 * any process does, whichever thread spawned it. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(sock, WORKER_CTL_FD) < 0)
		_exit(127);
	if (sock == WORKER_CTL_FD && fcntl(sock, F_SETFD, 0) < 0)
		_exit(127);
	null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	if (syscall(SYS_close_range, WORKER_CTL_FD + 1, ~0U, 0) < 0)
		_exit(127);
	execv(path, argv);
	_exit(127);
}

static void reap(struct worker_proc *w, int options)
{
	siginfo_t si = { 0 };

	if (w->reaped || w->pid <= 0)
		return;
	if (waitid(P_PID, (id_t)w->pid, &si, WEXITED | options) < 0 || si.si_pid == 0)
		return;
	w->reaped = true;
	if (si.si_code == CLD_EXITED)
		snprintf(w->how, sizeof(w->how), "exited with status %d", si.si_status);
	else
		snprintf(w->how, sizeof(w->how), "killed by signal %d (%s)", si.si_status,
			 strsignal(si.si_status));
}

static void kill_and_reap(struct worker_proc *w)
{
	worker_proc_kill(w);
	reap(w, 0);
}

static void free_worker(struct worker_proc *w)
{
	if (w->pid_ev)
		event_free(w->pid_ev);
	if (w->ctl_ev)
		event_free(w->ctl_ev);
	if (w->pidfd >= 0)
		close(w->pidfd);
	if (w->ctl_fd >= 0)
		close(w->ctl_fd);
	free(w);
}

static void on_pidfd(evutil_socket_t fd, short what, void *arg);
static void on_control(evutil_socket_t fd, short what, void *arg);

static int watch(struct worker_proc *w)
{
	if (!w->sup->base)
		return 0;
	w->pid_ev = event_new(w->sup->base, w->pidfd, EV_READ, on_pidfd, w);
	if (!w->pid_ev || event_add(w->pid_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static int start_process(struct worker_proc *w, const char *path, const char *name)
{
	char poll_arg[48];
	int sv[2];

	/* Formatted before fork: the child may only make async-signal-safe calls. */
	snprintf(poll_arg, sizeof(poll_arg), "--mailbox-spin-us=%u", w->sup->worker_poll_us);

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	w->pid = fork();
	if (w->pid < 0) {
		int ret = -errno;

		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (w->pid == 0)
		exec_worker(sv[1], path, name, w->sup->worker_poll_us ? poll_arg : NULL);
	close(sv[1]);
	w->ctl_fd = sv[0];
	w->pidfd = sys_pidfd_open(w->pid);
	return w->pidfd < 0 ? -errno : 0;
}

/* Names for log lines and errors; the worker may send any number. */
static const char *enum_name(const ProtobufCEnumDescriptor *desc, int value)
{
	const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);

	return v ? v->name : "unknown";
}

/* A mismatch names both sides, so the operator sees which binary is stale. */
static void describe_hello_failure(enum chan_err cerr, int ret,
				   const struct chan_hello_peer *peer, Ctl__DeviceType want,
				   char *buf, size_t len)
{
	if (cerr == CHAN_ERR_VERSION)
		snprintf(buf, len, "it speaks protocol version %u, vmm-core speaks %u",
			 peer->protocol_version, CHAN_PROTOCOL_VERSION);
	else if (cerr == CHAN_ERR_DEVICE_MISMATCH)
		snprintf(buf, len, "it is a %s device, vmm-core expected %s",
			 enum_name(&ctl__device_type__descriptor, (int)peer->device_type),
			 enum_name(&ctl__device_type__descriptor, (int)want));
	else
		snprintf(buf, len, "%s", cerr != CHAN_OK ? chan_strerror(cerr) : strerror(-ret));
}

struct worker_proc *supervisor_spawn(struct supervisor *s, const char *kind,
				     Ctl__DeviceType type, const char *device_id,
				     char *err, size_t errlen)
{
	char path[PATH_MAX + 64], name[32];
	struct chan_hello_peer peer = { 0 };
	struct worker_proc *w;
	enum chan_err cerr;
	int ret;

	if (s->n >= SUPERVISOR_MAX_WORKERS) {
		snprintf(err, errlen, "Too many devices (at most %d)", SUPERVISOR_MAX_WORKERS);
		return NULL;
	}
	snprintf(name, sizeof(name), "vmm-worker-%s", kind);
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	/* Run from a build tree, each worker sits in its own folder. */
	if (access(path, X_OK) < 0 && s->build_tree_fallback)
		(void)snprintf(path, sizeof(path), "%.*s/../device-workers/%s/%s", PATH_MAX - 1, s->dir, kind, name);
	if (access(path, X_OK) < 0) {
		snprintf(err, errlen, "Cannot run device worker '%s': %s", path, strerror(errno));
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "Out of memory");
		return NULL;
	}
	w->sup = s;
	w->pidfd = w->ctl_fd = -1;
	w->device_type = type;
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	snprintf(w->device_id, sizeof(w->device_id), "%s", device_id);
	ret = start_process(w, path, name);
	if (ret) {
		snprintf(err, errlen, "Cannot start device worker '%s': %s", path, strerror(-ret));
		kill_and_reap(w);
		free_worker(w);
		return NULL;
	}
	cerr = chan_hello(w->ctl_fd, CHAN_SIDE_CORE, type, SPLITVM_VERSION, SUPERVISOR_HELLO_MS,
			  &peer);
	if (cerr == CHAN_OK)
		ret = watch(w);
	if (cerr != CHAN_OK || ret) {
		char why[128];

		describe_hello_failure(cerr, ret, &peer, type, why, sizeof(why));
		snprintf(err, errlen, "Device worker '%s' (pid %d) failed its handshake: %s", path,
			 (int)w->pid, why);
		kill_and_reap(w);
		free_worker(w);
		return NULL;
	}
	s->w[s->n++] = w;
	log_info("worker %s for device %s started: pid %d, version %s", name, w->device_id,
		 (int)w->pid, peer.software_version);
	return w;
}

void worker_proc_kill(struct worker_proc *w)
{
	atomic_store(&w->kill_requested, true);
	if (w->pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
	else if (w->pid > 0)
		(void)kill(w->pid, SIGKILL);
}

static void note_unsolicited(struct worker_proc *w, const struct chan_msg *msg)
{
	if (msg->type == CHAN_MSG_EVENT) {
		const Ctl__Event *ev = (const Ctl__Event *)msg->body;

		w->events++;
		if (ev->kind == CTL__EVENT_KIND__EVENT_NEEDS_RESET && w->state == WORKER_RUNNING)
			w->state = WORKER_NEEDS_RESET;
		log_warn("worker for device %s: event %s%s%s", w->device_id,
			 enum_name(&ctl__event_kind__descriptor, (int)ev->kind),
			 ev->detail ? ": " : "", ev->detail ? ev->detail : "");
	} else if (msg->type == CHAN_MSG_ERROR) {
		const Ctl__Error *e = (const Ctl__Error *)msg->body;

		w->errors++;
		log_err("worker for device %s reports: %s%s%s", w->device_id, strerror(e->code),
			e->message ? ": " : "", e->message ? e->message : "");
	}
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A signal handled by the API loop (SIGTERM) interrupts poll; that is no
 * reason to give up on the worker before the deadline. */
static int wait_readable(int fd, int64_t deadline_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		int64_t left = deadline_ms - mono_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n == 0 || errno != EINTR)
			return -ETIMEDOUT;
	}
}

/* Waits for the Reply to seq; other messages are noted on the way. */
static int await_reply(struct worker_proc *w, uint32_t seq, char *err, size_t errlen)
{
	int64_t deadline = mono_ms() + SUPERVISOR_CALL_MS;

	for (;;) {
		struct chan_msg msg = { 0 };
		enum chan_err cerr;
		int ret = wait_readable(w->ctl_fd, deadline);

		if (ret) {
			snprintf(err, errlen, "no answer within %d ms", SUPERVISOR_CALL_MS);
			return ret;
		}
		cerr = chan_recv(w->ctl_fd, CHAN_SIDE_CORE, &msg);
		if (cerr != CHAN_OK) {
			snprintf(err, errlen, "%s", chan_strerror(cerr));
			return -EPROTO;
		}
		if (msg.type == CHAN_MSG_REPLY && msg.seq == seq) {
			const Ctl__Reply *r = (const Ctl__Reply *)msg.body;

			ret = r->status > 0 ? -r->status : (r->status < 0 ? -EPROTO : 0);
			if (ret)
				snprintf(err, errlen, "%s", r->message ? r->message :
					 strerror(-ret));
			chan_msg_clear(&msg);
			return ret;
		}
		if (msg.type == CHAN_MSG_EVENT || msg.type == CHAN_MSG_ERROR)
			note_unsolicited(w, &msg);
		else
			log_warn("worker for device %s: unexpected message type %d (seq %u)",
				 w->device_id, (int)msg.type, msg.seq);
		chan_msg_clear(&msg);
	}
}

int worker_proc_call(struct worker_proc *w, unsigned int type, const void *body,
		     const int *fds, unsigned int nfds, char *err, size_t errlen)
{
	uint32_t seq = ++w->seq;
	enum chan_err cerr;
	int ret;

	cerr = chan_send(w->ctl_fd, CHAN_SIDE_CORE, (enum chan_msg_type)type, seq, body, fds,
			 nfds);
	if (cerr != CHAN_OK) {
		snprintf(err, errlen, "%s", chan_strerror(cerr));
		worker_proc_kill(w);
		return -EPIPE;
	}
	ret = await_reply(w, seq, err, errlen);
	if (ret == -ETIMEDOUT || ret == -EPROTO)
		worker_proc_kill(w);
	return ret;
}

void worker_proc_set_on_exit(struct worker_proc *w, worker_exit_fn fn, void *opaque)
{
	w->on_exit = fn;
	w->on_exit_opaque = opaque;
	w->state = WORKER_RUNNING;
	if (w->sup->base && !w->ctl_ev) {
		w->ctl_ev = event_new(w->sup->base, w->ctl_fd, EV_READ | EV_PERSIST, on_control, w);
		if (!w->ctl_ev || event_add(w->ctl_ev, NULL) < 0)
			log_warn("worker for device %s: cannot watch its control socket",
				 w->device_id);
	}
}

static void on_pidfd(evutil_socket_t fd, short what, void *arg)
{
	struct worker_proc *w = arg;

	(void)fd;
	(void)what;
	reap(w, WNOHANG);
	if (!w->reaped) {
		/* Not expected (a readable pidfd means it exited), but never
		 * stop watching a live worker. */
		event_add(w->pid_ev, NULL);
		return;
	}
	if (w->ctl_ev)
		event_del(w->ctl_ev);
	if (w->shutting_down) {
		w->state = WORKER_STOPPED;
		return;
	}
	w->state = WORKER_FAILED;
	w->failures++;
	log_err("worker vmm-worker-%s (pid %d) for device %s %s%s", w->kind, (int)w->pid,
		w->device_id, w->how,
		atomic_load(&w->kill_requested) ? "; vmm-core had sent the kill" : "");
	if (w->on_exit)
		w->on_exit(w->on_exit_opaque, w);
}

static void on_control(evutil_socket_t fd, short what, void *arg)
{
	struct worker_proc *w = arg;
	struct chan_msg msg = { 0 };
	enum chan_err cerr;

	(void)what;
	cerr = chan_recv(fd, CHAN_SIDE_CORE, &msg);
	if (cerr == CHAN_ERR_HANGUP) {
		event_del(w->ctl_ev);	/* the pidfd reports the exit */
		return;
	}
	if (cerr != CHAN_OK || (msg.type != CHAN_MSG_EVENT && msg.type != CHAN_MSG_ERROR)) {
		/* chan_recv() checked the type: chan_msg_info() knows it. */
		log_err("worker for device %s broke the control protocol (%s%s); killing it",
			w->device_id, cerr != CHAN_OK ? "" : "unsolicited ",
			cerr != CHAN_OK ? chan_strerror(cerr) : chan_msg_info(msg.type)->name);
		chan_msg_clear(&msg);
		event_del(w->ctl_ev);
		worker_proc_kill(w);
		return;
	}
	note_unsolicited(w, &msg);
	chan_msg_clear(&msg);
}

json_t *supervisor_workers_json(const struct supervisor *s)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; arr && i < s->n; i++) {
		const struct worker_proc *w = s->w[i];

		json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:s}",
			"id", w->device_id, "kind", w->kind, "pid", (int)w->pid,
			"state", worker_state_name(w->state), "failures", (int)w->failures,
			"events", (json_int_t)w->events, "errors", (json_int_t)w->errors,
			"exit", w->how));
	}
	return arr;
}

void supervisor_shutdown(struct supervisor *s)
{
	Ctl__Shutdown sd = CTL__SHUTDOWN__INIT;
	int64_t deadline = mono_ms() + SUPERVISOR_SHUTDOWN_MS;

	for (unsigned int i = 0; i < s->n; i++) {
		struct worker_proc *w = s->w[i];

		w->shutting_down = true;
		if (!w->reaped &&
		    chan_send(w->ctl_fd, CHAN_SIDE_CORE, CHAN_MSG_SHUTDOWN, ++w->seq, &sd.base,
			      NULL, 0) != CHAN_OK)
			worker_proc_kill(w);
	}
	for (unsigned int i = 0; i < s->n; i++) {
		struct worker_proc *w = s->w[i];

		while (!w->reaped && wait_readable(w->pidfd, deadline) == 0)
			reap(w, WNOHANG);
		if (!w->reaped)
			kill_and_reap(w);
		if (w->state != WORKER_FAILED)
			w->state = WORKER_STOPPED;
		free_worker(w);
		s->w[i] = NULL;
	}
	s->n = 0;
}
