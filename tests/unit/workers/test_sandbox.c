// SPDX-License-Identifier: Apache-2.0
/* The worker sandbox: the compiled policies, and a probe process that
 * enters the entropy worker's sandbox and then tries what a taken-over
 * worker would. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "proc_status.h"
#include "rng.h"

static const char *probe_path(void)
{
	const char *p = getenv("SPLITVM_SANDBOX_PROBE");

	assert_non_null(p);
	return p;
}

struct probe {
	pid_t pid;
	int out;	/* its stdout */
	int in;		/* its stdin */
};

static void probe_start(struct probe *p, const char *action, bool log_mode)
{
	int out[2], in[2];
	char buf[8] = { 0 };

	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	p->pid = fork();
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		dup2(in[0], STDIN_FILENO);
		/* LeakSanitizer would ptrace the probe at exit. */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		if (log_mode)
			setenv(SANDBOX_LOG_ENV, "1", 1);
		else
			unsetenv(SANDBOX_LOG_ENV);
		execl(probe_path(), probe_path(), action, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	p->out = out[0];
	p->in = in[1];
	/* "ready": the sandbox is in place. */
	assert_int_equal(read(p->out, buf, 6), 6);
	assert_string_equal(buf, "ready\n");
}

static int probe_wait(struct probe *p)
{
	int status;

	close(p->in);
	assert_int_equal(waitpid(p->pid, &status, 0), p->pid);
	close(p->out);
	return status;
}

static void expect_killed(const char *action)
{
	struct probe p;
	int status;

	probe_start(&p, action, false);
	status = probe_wait(&p);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
		fail_msg("%s: wait status 0x%x, expected death by SIGSYS", action, status);
}

static void test_rng_policy_is_valid(void **state)
{
	(void)state;
	assert_int_equal(sandbox_check_policy(&sandbox_policy_rng), 0);
}

static void test_rng_policy_denies_the_dangerous(void **state)
{
	static const char *const must_deny[] = {
		"open", "openat", "socket", "connect", "execve", "ptrace", "mount",
		"clone", "fork", "setns", "unshare", "memfd_create", "io_uring_setup",
	};
	const struct sandbox_policy *p = &sandbox_policy_rng;
	size_t distinct = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(must_deny) / sizeof(must_deny[0]); i++) {
		bool listed = false;

		for (const char *const *f = sandbox_forbidden; *f; f++)
			listed |= strcmp(*f, must_deny[i]) == 0;
		assert_true(listed);
		for (size_t r = 0; r < p->nr_rules; r++)
			assert_string_not_equal(p->rules[r].name, must_deny[i]);
	}
	/* nr_syscalls (documented in docs/threat-model.md) is what the
	 * table holds. */
	for (size_t r = 0; r < p->nr_rules; r++) {
		bool seen = false;

		for (size_t q = 0; q < r; q++)
			seen |= strcmp(p->rules[q].name, p->rules[r].name) == 0;
		distinct += !seen;
	}
	assert_int_equal(distinct, p->nr_syscalls);
}

static void test_policy_check_rejects(void **state)
{
	static const struct sandbox_rule forbidden[] = {
		{ "read", 0, 0, 0 }, { "openat", 0, 0, 0 },
	};
	static const struct sandbox_rule unknown[] = { { "no_such_syscall", 0, 0, 0 } };
	static const struct sandbox_rule bad_arg[] = { { "read", SANDBOX_EQ, 6, 0 } };
	const struct sandbox_policy p1 = { "t", forbidden, 2, 2 };
	const struct sandbox_policy p2 = { "t", unknown, 1, 1 };
	const struct sandbox_policy p3 = { "t", bad_arg, 1, 1 };
	const struct sandbox_policy p4 = { "t", forbidden, 0, 0 };

	(void)state;
	assert_int_equal(sandbox_check_policy(&p1), -EPERM);
	assert_int_equal(sandbox_check_policy(&p2), -EINVAL);
	assert_int_equal(sandbox_check_policy(&p3), -EINVAL);
	assert_int_equal(sandbox_check_policy(&p4), -EINVAL);
}

static void test_open_kills(void **state)
{
	(void)state;
	expect_killed("open");
	expect_killed("openat");
}

static void test_socket_exec_fork_kill(void **state)
{
	(void)state;
	expect_killed("socket");
	expect_killed("execve");
	expect_killed("fork");
	expect_killed("ptrace");
	expect_killed("mount");
}

static void test_argument_filters(void **state)
{
	(void)state;
	/* mmap is allowed, executable mappings are not; fcntl only for
	 * flags and seals; sendmsg only on the control socket. */
	expect_killed("mmap-exec");
	expect_killed("fcntl-dupfd");
	expect_killed("sendmsg-stdout");
}

static void test_allowed_call_survives(void **state)
{
	struct probe p;
	int status;

	(void)state;
	probe_start(&p, "getrandom", false);
	status = probe_wait(&p);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_log_mode_allows_and_logs(void **state)
{
	struct probe p;
	int status;

	(void)state;
	probe_start(&p, "openat", true);
	status = probe_wait(&p);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_no_privileges_left(void **state)
{
	struct probe p;
	char v[64];

	(void)state;
	probe_start(&p, "wait", false);
	assert_int_equal(proc_status_field(p.pid, "CapEff", v, sizeof(v)), 0);
	assert_string_equal(v, "0000000000000000");
	assert_int_equal(proc_status_field(p.pid, "CapPrm", v, sizeof(v)), 0);
	assert_string_equal(v, "0000000000000000");
	assert_int_equal(proc_status_field(p.pid, "CapAmb", v, sizeof(v)), 0);
	assert_string_equal(v, "0000000000000000");
	assert_int_equal(proc_status_field(p.pid, "NoNewPrivs", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(proc_status_field(p.pid, "Seccomp", v, sizeof(v)), 0);
	assert_string_equal(v, "2");	/* SECCOMP_MODE_FILTER */
	assert_int_equal(WEXITSTATUS(probe_wait(&p)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_policy_is_valid),
		cmocka_unit_test(test_rng_policy_denies_the_dangerous),
		cmocka_unit_test(test_policy_check_rejects),
		cmocka_unit_test(test_open_kills),
		cmocka_unit_test(test_socket_exec_fork_kill),
		cmocka_unit_test(test_argument_filters),
		cmocka_unit_test(test_allowed_call_survives),
		cmocka_unit_test(test_log_mode_allows_and_logs),
		cmocka_unit_test(test_no_privileges_left),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
