/* The worker supervisor: starts each device worker from its own binary,
 * checks it speaks our protocol, carries the control calls that set it up,
 * and watches it for the rest of the VM's life.
 *
 * A worker is fork+exec'd from <worker_dir>/vmm-worker-<kind> (worker_dir
 * defaults to the directory of the running vmm-core, so a jail holding
 * vmm-core and its workers side by side just works) with its control
 * socket (SOCK_SEQPACKET) on fd 3, every other fd closed, stdin on
 * /dev/null and stdout/stderr shared with vmm-core so its log lines land in
 * the VMM's log.  Hello must arrive within SUPERVISOR_HELLO_MS with our
 * protocol version and the device type asked for.
 *
 * After setup the supervisor watches each worker's pidfd and control
 * socket on the API thread's event loop.  An exit is reaped, logged once
 * (pid, device, exit code or signal), and reported to the owner through
 * on_exit; unsolicited Events and Errors are logged and counted; a worker
 * that breaks the protocol is killed.
 *
 * Threading: everything runs on the API thread except worker_proc_kill(),
 * which any thread may call (a vCPU whose forwarded read missed the
 * deadline). */
#ifndef SPLITVM_SUPERVISOR_H
#define SPLITVM_SUPERVISOR_H

#include <jansson.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.pb-c.h"

struct event;
struct event_base;

#define SUPERVISOR_MAX_WORKERS 16
#define SUPERVISOR_HELLO_MS    2000
#define SUPERVISOR_CALL_MS     2000
#define SUPERVISOR_SHUTDOWN_MS 500

enum worker_state {
	WORKER_STARTING,          /* spawned, being set up */
	WORKER_RUNNING,
	WORKER_NEEDS_RESET,       /* the worker reported DEVICE_NEEDS_RESET */
	WORKER_FAILED,            /* exited or killed while the VM ran */
	WORKER_STOPPED,           /* shut down with the VM */
};

struct supervisor;
struct worker_proc;

typedef void (*worker_exit_fn)(void *opaque, struct worker_proc *w);

struct worker_proc {
	struct supervisor *sup;
	char kind[16];
	char device_id[64];
	Ctl__DeviceType device_type;
	pid_t pid;
	int pidfd;
	int ctl_fd;
	uint32_t seq;
	enum worker_state state;
	unsigned int failures;
	uint64_t events, errors;
	char how[96];             /* how it ended: "killed by signal 9 (Killed)" */
	atomic_bool kill_requested;
	bool reaped;
	bool shutting_down;
	struct event *pid_ev, *ctl_ev;
	worker_exit_fn on_exit;
	void *on_exit_opaque;
};

struct supervisor {
	char dir[PATH_MAX];
	bool build_tree_fallback; /* dir is vmm-core's own: also try
	                           * ../device-workers/<kind>/ as in a build tree */
	struct event_base *base;
	unsigned int worker_poll_us;   /* each worker's --mailbox-spin-us; 0: none */
	struct worker_proc *w[SUPERVISOR_MAX_WORKERS];
	unsigned int n;
};

/* worker_dir NULL: beside /proc/self/exe (or, failing that, where a meson
 * build tree puts the worker: ../device-workers/<kind>/).  base may be NULL (then exits
 * are only noticed at shutdown).  0 or -errno. */
int supervisor_init(struct supervisor *s, const char *worker_dir, struct event_base *base);

/* Spawns vmm-worker-<kind> and exchanges Hello.  NULL with err on failure
 * (no process is left behind); a protocol version or device type mismatch
 * names both sides. */
struct worker_proc *supervisor_spawn(struct supervisor *s, const char *kind,
				     Ctl__DeviceType type, const char *device_id,
				     char *err, size_t errlen);

/* One request and its Reply (same seq), within SUPERVISOR_CALL_MS.  0, or
 * -status with the worker's message in err, or -errno for a channel
 * failure (then the worker is killed). */
int worker_proc_call(struct worker_proc *w, unsigned int type, const void *body,
		     const int *fds, unsigned int nfds, char *err, size_t errlen);

/* Set-up done: state RUNNING, and from now on an exit calls fn. */
void worker_proc_set_on_exit(struct worker_proc *w, worker_exit_fn fn, void *opaque);

/* SIGKILLs the worker through its pidfd; async-signal-safe, any thread.
 * The exit is then handled on the event loop like any other. */
void worker_proc_kill(struct worker_proc *w);

const char *worker_state_name(enum worker_state s);

/* [{"id", "kind", "pid", "state", "failures", "events", "errors", "exit"}] */
json_t *supervisor_workers_json(const struct supervisor *s);

/* Shutdown to every live worker, SIGKILL for those not gone within
 * SUPERVISOR_SHUTDOWN_MS, reaps all and frees everything. */
void supervisor_shutdown(struct supervisor *s);

#endif
