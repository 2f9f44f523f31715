/* The device worker sandbox (DESIGN.md: "seccomp: no open/socket/exec, no
 * capabilities, no files").
 *
 * A worker enters it once, early in main(), before it reads its first
 * control message and long before it reads a descriptor.  From then on it
 * can only use the fds it holds or receives on its control socket.
 *
 * sandbox_enter(), in this order:
 *   1. new user, network, IPC and UTS namespaces, best effort: unshare()
 *      needs either an unprivileged user namespace (refused in a chroot, as
 *      under the jailer, and where sysctls forbid it) or CAP_SYS_ADMIN; a
 *      worker that gets none keeps the namespaces the jailer made.  They are
 *      defence in depth: seccomp already denies socket() and SysV IPC.
 *   2. rlimits: RLIMIT_NOFILE = max_fds (what the worker will hold at most:
 *      fds are only received, never created), RLIMIT_NPROC 0, RLIMIT_CORE 0
 *      (a core dump would hold guest memory), RLIMIT_FSIZE 0 when asked
 *      (SIGXFSZ is ignored so a write to a regular file fails with EFBIG
 *      instead of killing: logs must go to a pipe or socket).
 *   3. PR_SET_DUMPABLE 0: no ptrace attach, no /proc/PID/mem by same uid.
 *   4. every capability dropped, in all sets including bounding and ambient
 *      (libcap-ng).  Dropping the bounding set needs CAP_SETPCAP; without it
 *      (an unprivileged worker without a user namespace) the effective,
 *      permitted and inheritable sets are still emptied, which is what
 *      matters once NO_NEW_PRIVS forbids gaining any back.
 *   5. PR_SET_NO_NEW_PRIVS 1.
 *   6. a seccomp filter from the worker's policy (allowlist), default
 *      action KILL_PROCESS (or LOG in development mode).
 *
 * Policies are data: device-workers/lib/policy/common.policy plus the
 * device's own <dev>.policy, compiled into a table at build time by
 * gen_policy.py.  Format: one syscall per line, '#' starts a comment,
 * optionally one condition on one argument:
 *     name
 *     name argN == VALUE      allowed only when argument N equals VALUE
 *     name argN !& MASK       allowed only when no bit of MASK is set
 * VALUE and MASK are C constant expressions (F_GETFL, PROT_EXEC, ...).
 * Several lines for one syscall allow it when any of them matches.
 */
#ifndef SPLITVM_WORKERS_SANDBOX_H
#define SPLITVM_WORKERS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Environment variable that turns on seccomp's log mode (SCMP_ACT_LOG:
 * denied calls are logged by the kernel and allowed).  For developing
 * policies only; the core never sets it. */
#define SANDBOX_LOG_ENV "SPLITVM_SECCOMP_LOG"

enum sandbox_cmp {
	SANDBOX_ANY,		/* no condition */
	SANDBOX_EQ,		/* arg == value */
	SANDBOX_NONE_OF,	/* (arg & value) == 0 */
};

struct sandbox_rule {
	const char *name;
	enum sandbox_cmp cmp;
	uint8_t arg;
	uint64_t value;
};

struct sandbox_policy {
	const char *name;
	const struct sandbox_rule *rules;
	size_t nr_rules;
	size_t nr_syscalls;	/* distinct syscall names */
};

struct sandbox_config {
	const struct sandbox_policy *policy;
	unsigned int max_fds;		/* RLIMIT_NOFILE */
	bool no_file_writes;		/* RLIMIT_FSIZE 0 */
	bool seccomp_log;		/* SCMP_ACT_LOG instead of KILL_PROCESS */
};

/* Syscalls no worker policy may allow: they open files or sockets, run
 * programs, trace or signal other processes, change mounts, namespaces or
 * identity, or load code into the kernel.  NULL-terminated. */
extern const char *const sandbox_forbidden[];

/* Checks a policy: every name is a syscall of this architecture, none is
 * forbidden, every condition is well-formed.  Logs the first problem. */
int sandbox_check_policy(const struct sandbox_policy *policy)
	__attribute__((warn_unused_result));

/* True when SANDBOX_LOG_ENV is set to a non-empty value other than "0". */
bool sandbox_log_mode_requested(void);

/* Enters the sandbox (see above).  Returns 0, or a negative errno when a
 * step that is not best effort failed: the caller must exit then, never
 * run unconfined. */
int sandbox_enter(const struct sandbox_config *cfg) __attribute__((warn_unused_result));

#endif
