// SPDX-License-Identifier: Apache-2.0
#include "sandbox.h"

#include <cap-ng.h>
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "log.h"

const char *const sandbox_forbidden[] = {
	/* files and sockets */
	"open", "openat", "openat2", "creat", "open_by_handle_at", "name_to_handle_at",
	"socket", "socketpair", "connect", "accept", "accept4", "bind", "listen",
	"memfd_create", "userfaultfd", "perf_event_open", "bpf", "io_uring_setup",
	/* running programs, new processes, other processes */
	"execve", "execveat", "fork", "vfork", "clone", "clone3",
	"ptrace", "process_vm_readv", "process_vm_writev", "kill", "tkill", "tgkill",
	"pidfd_open", "pidfd_getfd",
	/* mounts, namespaces, identity */
	"mount", "umount2", "pivot_root", "chroot", "setns", "unshare",
	"setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
	"setgroups", "capset", "prctl", "seccomp",
	/* kernel code and keys */
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"keyctl", "add_key", "request_key",
	NULL,
};

static bool is_forbidden(const char *name)
{
	for (const char *const *f = sandbox_forbidden; *f; f++)
		if (strcmp(*f, name) == 0)
			return true;
	return false;
}

int sandbox_check_policy(const struct sandbox_policy *policy)
{
	if (!policy || !policy->rules || policy->nr_rules == 0) {
		log_err("sandbox: empty policy");
		return -EINVAL;
	}
	for (size_t i = 0; i < policy->nr_rules; i++) {
		const struct sandbox_rule *r = &policy->rules[i];

		if (seccomp_syscall_resolve_name(r->name) == __NR_SCMP_ERROR) {
			log_err("sandbox: policy %s: unknown syscall %s", policy->name, r->name);
			return -EINVAL;
		}
		if (is_forbidden(r->name)) {
			log_err("sandbox: policy %s allows forbidden syscall %s",
				policy->name, r->name);
			return -EPERM;
		}
		if (r->cmp > SANDBOX_NONE_OF || r->arg > 5) {
			log_err("sandbox: policy %s: bad condition on %s", policy->name,
				r->name);
			return -EINVAL;
		}
	}
	return 0;
}

bool sandbox_log_mode_requested(void)
{
	const char *v = getenv(SANDBOX_LOG_ENV);

	return v && *v && strcmp(v, "0") != 0;
}

static void enter_namespaces(void)
{
	static const int sets[] = {
		CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS,
		CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS,
	};

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		if (unshare(sets[i]) == 0) {
			log_debug("sandbox: new namespaces 0x%x", sets[i]);
			return;
		}
	}
	log_debug("sandbox: no new namespaces (%s); keeping the jailer's",
		  strerror(errno));
}

static int set_limit(int resource, const char *name, rlim_t value)
{
	struct rlimit rl = { value, value };

	if (setrlimit(resource, &rl) < 0) {
		int err = errno;

		log_err("sandbox: setrlimit %s %ju: %s", name, (uintmax_t)value,
			strerror(err));
		return -err;
	}
	return 0;
}

static int set_limits(const struct sandbox_config *cfg)
{
	int ret;

	ret = set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", cfg->max_fds);
	if (!ret)
		ret = set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
	if (!ret)
		ret = set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	if (!ret && cfg->no_file_writes) {
		signal(SIGXFSZ, SIG_IGN);
		ret = set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0);
	}
	return ret;
}

static int drop_capabilities(void)
{
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_apply(CAPNG_SELECT_ALL) == 0)
		return 0;
	/* No CAP_SETPCAP for the bounding set: empty the other sets. */
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_apply(CAPNG_SELECT_BOTH) < 0) {
		log_err("sandbox: cannot drop capabilities");
		return -EPERM;
	}
	capng_get_caps_process();
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		log_err("sandbox: capabilities remain after dropping them");
		return -EPERM;
	}
	log_debug("sandbox: bounding set kept (no CAP_SETPCAP)");
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct sandbox_rule *r)
{
	int nr = seccomp_syscall_resolve_name(r->name);
	struct scmp_arg_cmp cmp = { .arg = r->arg, .datum_a = r->value, .datum_b = 0 };

	switch (r->cmp) {
	case SANDBOX_EQ:
		cmp.op = SCMP_CMP_EQ;
		break;
	case SANDBOX_NONE_OF:
		/* (arg & value) == 0 */
		cmp.op = SCMP_CMP_MASKED_EQ;
		break;
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp);
}

static int load_seccomp(const struct sandbox_config *cfg)
{
	const struct sandbox_policy *p = cfg->policy;
	scmp_filter_ctx ctx;
	int ret = 0;

	/* KILL_PROCESS, not KILL_THREAD: a worker with one thread killed is
	 * a worker in an undefined state; the core reaps and restarts it. */
	ctx = seccomp_init(cfg->seccomp_log ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		log_err("sandbox: seccomp_init failed");
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->nr_rules && !ret; i++) {
		ret = add_rule(ctx, &p->rules[i]);
		if (ret)
			log_err("sandbox: policy %s: rule for %s: %s", p->name,
				p->rules[i].name, strerror(-ret));
	}
	if (!ret) {
		ret = seccomp_load(ctx);
		if (ret)
			log_err("sandbox: seccomp_load: %s", strerror(-ret));
	}
	seccomp_release(ctx);
	return ret;
}

int sandbox_enter(const struct sandbox_config *cfg)
{
	int ret = sandbox_check_policy(cfg->policy);

	if (ret)
		return ret;
	enter_namespaces();
	ret = set_limits(cfg);
	if (ret)
		return ret;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		log_err("sandbox: PR_SET_DUMPABLE: %s", strerror(errno));
		return -errno;
	}
	ret = drop_capabilities();
	if (ret)
		return ret;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		log_err("sandbox: PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -errno;
	}
	ret = load_seccomp(cfg);
	if (ret)
		return ret;
	if (cfg->seccomp_log)
		log_warn("sandbox: seccomp in LOG mode (%s): denied calls are allowed",
			 SANDBOX_LOG_ENV);
	log_debug("sandbox: policy %s, %zu syscalls", cfg->policy->name,
		  cfg->policy->nr_syscalls);
	return 0;
}
