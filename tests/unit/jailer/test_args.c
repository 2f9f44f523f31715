/* The jailer's command line: Firecracker's flags, the short form, and every
 * kind of bad value refused before anything touches the system. */
#include <errno.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "args.h"
#include "helpers.h"
#include "launch.h"

#define PARSE(a, ...)                                                          \
	({                                                                     \
		char *argv_[64];                                               \
		int argc_ = make_argv(argv_, 64, __VA_ARGS__, NULL);           \
		args_parse(argc_, argv_, (a));                                 \
	})

/* Parses and expects the extra-argument and string results to outlive the
 * macro: argv is kept here. */
static char *kept[64];

static int parse_kept(struct jail_args *a, ...)
{
	va_list ap;
	int n = 0;
	char *s;

	kept[n++] = (char *)"jailer";
	va_start(ap, a);
	while ((s = va_arg(ap, char *)) && n < 63)
		kept[n++] = s;
	va_end(ap);
	kept[n] = NULL;
	return args_parse(n, kept, a);
}

static void full_firecracker_command(void **state)
{
	struct jail_args a;

	assert_int_equal(parse_kept(&a, "--id", "551e7604-e35c-42b3", "--exec-file",
				    "/usr/bin/vmm-core", "--uid", "123", "--gid", "100",
				    "--chroot-base-dir", "/var/jail", "--netns", "/var/run/netns/x",
				    "--daemonize", "--new-pid-ns", "--cgroup", "cpuset.mems=0",
				    "--cgroup", "cpuset.cpus=0-3", "--cgroup-version", "1",
				    "--parent-cgroup", "all/vms", "--resource-limit", "fsize=250000000",
				    "--resource-limit", "no-file=1024", "--", "--api-sock",
				    "/run/api.sock", NULL),
			 0);
	assert_string_equal(a.id, "551e7604-e35c-42b3");
	assert_string_equal(a.exec_file, "/usr/bin/vmm-core");
	assert_false(a.exec_from_command);
	assert_int_equal(a.uid, 123);
	assert_int_equal(a.gid, 100);
	assert_string_equal(a.chroot_base, "/var/jail");
	assert_string_equal(a.netns, "/var/run/netns/x");
	assert_true(a.daemonize);
	assert_true(a.new_pid_ns);
	assert_int_equal(a.n_cgroups, 2);
	assert_string_equal(a.cgroups[0].file, "cpuset.mems");
	assert_string_equal(a.cgroups[0].controller, "cpuset");
	assert_string_equal(a.cgroups[0].value, "0");
	assert_string_equal(a.cgroups[1].value, "0-3");
	assert_int_equal(a.cgroup_version, 1);
	assert_string_equal(a.parent_cgroup, "all/vms");
	assert_true(a.rl.fsize_set);
	assert_int_equal(a.rl.fsize, 250000000);
	assert_int_equal(a.rl.nofile, 1024);
	assert_int_equal(a.n_extra, 2);
	assert_string_equal(a.extra[0], "--api-sock");
	assert_string_equal(a.extra[1], "/run/api.sock");
	assert_false(a.cleanup);
}

static void defaults(void **state)
{
	struct jail_args a;

	assert_int_equal(PARSE(&a, "--id", "vm1", "--exec-file", "x"), 0);
	assert_int_equal(a.uid, JAIL_DEFAULT_UID);
	assert_int_equal(a.gid, JAIL_DEFAULT_GID);
	assert_string_equal(a.chroot_base, "/srv/jailer");
	assert_int_equal(a.cgroup_version, 0);
	assert_null(a.parent_cgroup);
	assert_null(a.netns);
	assert_false(a.rl.nofile_set);
	assert_false(a.daemonize || a.new_pid_ns);
	assert_int_equal(a.n_extra, 0);
}

static void short_form_takes_command_after_dashes(void **state)
{
	struct jail_args a;

	assert_int_equal(parse_kept(&a, "--id", "vm1", "--", "vmm-core", "--enable-pci", NULL), 0);
	assert_true(a.exec_from_command);
	assert_string_equal(a.exec_file, "vmm-core");
	assert_int_equal(a.n_extra, 1);
	assert_string_equal(a.extra[0], "--enable-pci");
	assert_int_equal(a.uid, JAIL_DEFAULT_UID);

	/* With --exec-file, every word after -- is an argument. */
	assert_int_equal(parse_kept(&a, "--id", "vm1", "--exec-file", "/x/vmm-core", "--",
				    "vmm-core", NULL), 0);
	assert_false(a.exec_from_command);
	assert_int_equal(a.n_extra, 1);
	assert_string_equal(a.extra[0], "vmm-core");
}

static void equals_form(void **state)
{
	struct jail_args a;

	assert_int_equal(PARSE(&a, "--id=vm-2", "--exec-file=/bin/x", "--uid=7", "--gid=8",
			       "--cgroup=memory.max=1G"), 0);
	assert_string_equal(a.id, "vm-2");
	assert_int_equal(a.uid, 7);
	assert_string_equal(a.cgroups[0].value, "1G");
}

static void invalid_ids(void **state)
{
	static const char *const bad[] = {
		"", "vm_1", "vm.1", "../x", "a/b", "vm 1", "vm\n1", "ü", "-vm",
		/* 65 characters */
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct jail_args a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(PARSE(&a, "--id", bad[i], "--exec-file", "x"), -EINVAL);
	/* 64 is the limit, inclusive. */
	assert_int_equal(PARSE(&a, "--id",
			       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			       "--exec-file", "x"), 0);
}

static void invalid_uids_and_gids(void **state)
{
	static const char *const bad[] = {
		"abc", "", "-1", "+5", " 5", "5 ", "0x10", "1e3", "4294967295", "4294967296",
		"99999999999999999999999", "0",
	};
	struct jail_args a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--uid", bad[i]),
				 -EINVAL);
		assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--gid", bad[i]),
				 -EINVAL);
	}
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--uid", "4294967294"), 0);
	assert_int_equal(a.uid, 4294967294u);
}

static void cgroup_values(void **state)
{
	static const char *const bad[] = {
		"cpu.shares",          /* no value */
		"cpu.shares=",         /* empty value */
		"=5",                  /* no file */
		"cpushares=5",         /* no controller */
		".shares=5",           /* empty controller */
		"cpu.=5",              /* empty property */
		"CPU.shares=5",        /* controllers are lower case */
		"cpu/../x.y=5",        /* a path */
		"cgroup.procs=1",      /* the jailer's own file */
		"cgroup.subtree_control=+cpu",
		"tasks=1",
		"cpu.shares=1\n2",     /* a second line */
		"cpu.sha res=1",
	};
	struct jail_args a;
	struct cgroup_setting s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(args_parse_cgroup(bad[i], &s), -EINVAL);
	/* io.max values hold '=': only the first one splits. */
	assert_int_equal(args_parse_cgroup("io.max=8:0 rbps=1048576", &s), 0);
	assert_string_equal(s.file, "io.max");
	assert_string_equal(s.controller, "io");
	assert_string_equal(s.value, "8:0 rbps=1048576");
	assert_int_equal(args_parse_cgroup("hugetlb.2MB.max=0", &s), 0);
	assert_string_equal(s.controller, "hugetlb");
	/* The same file twice is a mistake, not "last one wins". */
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--cgroup", "pids.max=5",
			       "--cgroup", "pids.max=6"), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--cgroup", "pids.max=5",
			       "--cgroup", "pids.max.x=6"), 0);
}

static void cgroup_version(void **state)
{
	static const char *const bad[] = { "0", "3", "", "2x", "-1", "12", " 2" };
	struct jail_args a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--cgroup-version",
				       bad[i]), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--cgroup-version", "2"), 0);
	assert_int_equal(a.cgroup_version, 2);
}

static void parent_cgroup(void **state)
{
	static const char *const bad[] = { "", "/abs", "a/", "a//b", "./a", "a/../b", "..",
					   ".hidden", "a b", "a/b\n" };
	struct jail_args a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--parent-cgroup",
				       bad[i]), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--parent-cgroup",
			       "all_uvms/external-uvms.slice"), 0);
}

static void resource_limits(void **state)
{
	static const char *const bad[] = { "fsize", "fsize=", "fsize=-1", "fsize=1k",
					   "nofile=5", "no-file=18446744073709551615", "=5",
					   "cpu=5" };
	struct jail_rlimits rl;
	struct jail_args a;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&rl, 0, sizeof(rl));
		assert_int_equal(args_parse_rlimit(bad[i], &rl), -EINVAL);
	}
	memset(&rl, 0, sizeof(rl));
	assert_int_equal(args_parse_rlimit("no-file=18446744073709551614", &rl), 0);
	assert_int_equal(rl.nofile, 18446744073709551614ull);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--resource-limit",
			       "no-file=10", "--resource-limit", "no-file=20"), -EINVAL);
}

static void malformed_command_lines(void **state)
{
	struct jail_args a;

	assert_int_equal(PARSE(&a, "--exec-file", "x"), -EINVAL);              /* no id */
	assert_int_equal(PARSE(&a, "--id", "vm"), -EINVAL);                    /* no exec */
	assert_int_equal(PARSE(&a, "--id", "vm", "--"), -EINVAL);              /* no exec */
	assert_int_equal(PARSE(&a, "--id", "vm", "--", ""), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", ""), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--bogus"), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "stray"), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file"), -EINVAL);     /* no value */
	assert_int_equal(PARSE(&a, "--id", "vm", "--id", "vm2", "--exec-file", "x"), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--daemonize=1"), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--chroot-base-dir",
			       "relative/dir"), -EINVAL);
	assert_int_equal(PARSE(&a, "--id", "vm", "--exec-file", "x", "--ids", "y"), -EINVAL);
}

static void help_and_version(void **state)
{
	struct jail_args a;

	assert_int_equal(PARSE(&a, "--help"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE(&a, "-h"), 0);
	assert_true(a.help);
	assert_int_equal(PARSE(&a, "--version"), 0);
	assert_true(a.version);
}

static void cleanup_mode(void **state)
{
	struct jail_args a;

	assert_int_equal(PARSE(&a, "--cleanup", "--id", "vm1"), 0);
	assert_true(a.cleanup);
	assert_string_equal(a.exec_file, JAIL_DEFAULT_EXEC_NAME);
	assert_int_equal(PARSE(&a, "--cleanup", "--id", "vm1", "--exec-file", "probe",
			       "--chroot-base-dir", "/j"), 0);
	assert_string_equal(a.exec_file, "probe");
	assert_int_equal(PARSE(&a, "--cleanup"), -EINVAL);
	assert_int_equal(PARSE(&a, "--cleanup", "--id", "vm1", "--uid", "5"), -EINVAL);
	assert_int_equal(PARSE(&a, "--cleanup", "--id", "vm1", "--cgroup", "pids.max=5"), -EINVAL);
	assert_int_equal(PARSE(&a, "--cleanup", "--id", "vm1", "--", "x"), -EINVAL);
}

static void exec_argv(void **state)
{
	struct jail_args a;
	struct launch_times t = { .start_us = 12, .start_cpu_us = 0,
				  .parent_cpu_us = 18446744073709551615ull };
	char path[] = "/vmm-core";
	char *argv[LAUNCH_FIXED_ARGS + 3];

	assert_int_equal(parse_kept(&a, "--id", "vm1", "--exec-file", "/b/vmm-core", "--",
				    "--api-sock", "/a.sock", NULL), 0);
	launch_build_argv(&a, path, &t, argv);
	assert_string_equal(argv[0], "/vmm-core");
	assert_string_equal(argv[1], "--id");
	assert_string_equal(argv[2], "vm1");
	assert_string_equal(argv[3], "--start-time-us");
	assert_string_equal(argv[4], "12");
	assert_string_equal(argv[5], "--start-time-cpu-us");
	assert_string_equal(argv[6], "0");
	assert_string_equal(argv[7], "--parent-cpu-time-us");
	assert_string_equal(argv[8], "18446744073709551615");
	assert_string_equal(argv[9], "--api-sock");
	assert_string_equal(argv[10], "/a.sock");
	assert_null(argv[11]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_firecracker_command),
		cmocka_unit_test(defaults),
		cmocka_unit_test(short_form_takes_command_after_dashes),
		cmocka_unit_test(equals_form),
		cmocka_unit_test(invalid_ids),
		cmocka_unit_test(invalid_uids_and_gids),
		cmocka_unit_test(cgroup_values),
		cmocka_unit_test(cgroup_version),
		cmocka_unit_test(parent_cgroup),
		cmocka_unit_test(resource_limits),
		cmocka_unit_test(malformed_command_lines),
		cmocka_unit_test(help_and_version),
		cmocka_unit_test(cleanup_mode),
		cmocka_unit_test(exec_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
