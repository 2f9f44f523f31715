/* cgroup_plan(): which hierarchies a VM joins, from a mountinfo file and a
 * fake cgroup tree in a scratch folder (no cgroup file system needed). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cgroup.h"
#include "helpers.h"

static char dir[TMPDIR_MAX], mountinfo[PATH_MAX];
static struct cg_plan plan;
static char *argv[64];

static int setup(void **state)
{
	char text[4096], path[PATH_MAX];

	tmpdir_make(dir);
	/* v1: cpu and cpuacct share a hierarchy; v2 lives under dir/unified. */
	snprintf(text, sizeof(text),
		 "1 0 0:1 / / rw - ext4 /dev/vda rw\n"
		 "2 1 0:2 / %s/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		 "3 1 0:3 / %s/cpuset rw shared:4 - cgroup cgroup rw,cpuset\n"
		 "4 1 0:4 / %s/pids rw - cgroup cgroup rw,pids\n"
		 "5 1 0:5 / %s/unified rw - cgroup2 cgroup2 rw,nsdelegate\n",
		 dir, dir, dir, dir);
	file_write(dir, "mountinfo", text, 0644, mountinfo);
	snprintf(path, sizeof(path), "%s/unified", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	file_write(path, "cgroup.controllers", "cpuset cpu io memory pids\n", 0644, NULL);
	snprintf(path, sizeof(path), "%s/unified/tenants", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	tmpdir_remove(dir);
	return 0;
}

static int plan_for(struct jail_args *a, ...)
{
	va_list ap;
	int n = 0;
	char *s;

	argv[n++] = (char *)"jailer";
	va_start(ap, a);
	while ((s = va_arg(ap, char *)) && n < 63)
		argv[n++] = s;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(args_parse(n, argv, a), 0);
	return cgroup_plan(a, "vmm-core", mountinfo, &plan);
}

static void v1_groups_by_hierarchy(void **state)
{
	struct jail_args a;
	char want[PATH_MAX];

	assert_int_equal(plan_for(&a, "--id", "vm1", "--exec-file", "x", "--cgroup-version", "1",
				  "--cgroup", "cpu.shares=10", "--cgroup", "cpuset.cpus=0",
				  "--cgroup", "cpuacct.usage=0", "--cgroup", "cpuset.mems=0", NULL),
			 0);
	assert_int_equal(plan.version, 1);
	assert_int_equal(plan.n, 2);
	snprintf(want, sizeof(want), "%s/cpu,cpuacct", dir);
	assert_string_equal(plan.h[0].mount, want);
	assert_int_equal(plan.h[0].n_settings, 2);
	assert_int_equal(plan.h[0].n_ctls, 2);
	assert_false(plan.h[0].cpuset);
	snprintf(want, sizeof(want), "%s/cpuset/vmm-core/vm1", dir);
	assert_string_equal(plan.h[1].leaf, want);
	assert_true(plan.h[1].cpuset);
	assert_int_equal(plan.h[1].n_ctls, 1);
}

static void v1_missing_controller(void **state)
{
	struct jail_args a;

	assert_int_equal(plan_for(&a, "--id", "vm1", "--exec-file", "x", "--cgroup-version", "1",
				  "--cgroup", "memory.limit_in_bytes=1", NULL), -ENOENT);
	/* "cpua" is not "cpuacct": whole option words only. */
	assert_int_equal(plan_for(&a, "--id", "vm1", "--exec-file", "x", "--cgroup-version", "1",
				  "--cgroup", "cpua.x=1", NULL), -ENOENT);
}

static void v1_explicit_parent_must_exist(void **state)
{
	struct jail_args a;
	char path[PATH_MAX];

	assert_int_equal(plan_for(&a, "--id", "vm1", "--exec-file", "x", "--cgroup-version", "1",
				  "--cgroup", "pids.max=5", "--parent-cgroup", "vms", NULL), -ENOENT);
	snprintf(path, sizeof(path), "%s/pids", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/pids/vms", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(plan_for(&a, "--id", "vm1", "--exec-file", "x", "--cgroup-version", "1",
				  "--cgroup", "pids.max=5", "--parent-cgroup", "vms", NULL), 0);
	snprintf(path, sizeof(path), "%s/pids/vms/vm1", dir);
	assert_string_equal(plan.h[0].leaf, path);
}

static void v2_single_hierarchy(void **state)
{
	struct jail_args a;
	char want[PATH_MAX];

	assert_int_equal(plan_for(&a, "--id", "vm2", "--exec-file", "x", "--cgroup-version", "2",
				  "--cgroup", "memory.max=1G", "--cgroup", "pids.max=9",
				  "--cgroup", "memory.high=900M", NULL), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.h[0].n_ctls, 2);
	assert_string_equal(plan.h[0].ctls[0], "memory");
	assert_string_equal(plan.h[0].ctls[1], "pids");
	snprintf(want, sizeof(want), "%s/unified/vmm-core/vm2", dir);
	assert_string_equal(plan.h[0].leaf, want);
}

static void v2_unavailable_controller(void **state)
{
	struct jail_args a;

	assert_int_equal(plan_for(&a, "--id", "vm2", "--exec-file", "x", "--cgroup-version", "2",
				  "--cgroup", "rdma.max=1", NULL), -ENOENT);
	/* "mem" is not "memory". */
	assert_int_equal(plan_for(&a, "--id", "vm2", "--exec-file", "x", "--cgroup-version", "2",
				  "--cgroup", "mem.max=1", NULL), -ENOENT);
}

static void v2_parent(void **state)
{
	struct jail_args a;
	char want[PATH_MAX];

	assert_int_equal(plan_for(&a, "--id", "vm2", "--exec-file", "x", "--cgroup-version", "2",
				  "--parent-cgroup", "missing", "--cgroup", "pids.max=1", NULL),
			 -ENOENT);
	/* v2: --parent-cgroup alone places the VM, without controllers. */
	assert_int_equal(plan_for(&a, "--id", "vm2", "--exec-file", "x", "--cgroup-version", "2",
				  "--parent-cgroup", "tenants", NULL), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.h[0].n_ctls, 0);
	snprintf(want, sizeof(want), "%s/unified/tenants/vm2", dir);
	assert_string_equal(plan.h[0].leaf, want);
}

static void no_cgroups_asked(void **state)
{
	struct jail_args a;

	assert_int_equal(plan_for(&a, "--id", "vm3", "--exec-file", "x", "--cgroup-version", "2",
				  NULL), 0);
	assert_int_equal(plan.n, 0);
	assert_int_equal(plan_for(&a, "--id", "vm3", "--exec-file", "x", "--cgroup-version", "1",
				  "--parent-cgroup", "vms", NULL), 0);
	assert_int_equal(plan.n, 0);
}

static void no_cgroup2_mounted(void **state)
{
	struct jail_args a;
	char only_v1[PATH_MAX];

	file_write(dir, "mountinfo-v1", "1 0 0:1 / / rw - ext4 /dev/vda rw\n", 0644, only_v1);
	assert_int_equal(plan_for(&a, "--id", "vm", "--exec-file", "x", "--cgroup-version", "2",
				  "--cgroup", "pids.max=1", NULL), 0);
	assert_int_equal(cgroup_plan(&a, "x", only_v1, &plan), -ENOENT);
}

static void detect_version(void **state)
{
	/* A plain folder is not cgroup2. */
	assert_int_equal(cgroup_detect_version(dir), 1);
	assert_int_equal(cgroup_detect_version("/nonexistent"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_groups_by_hierarchy),
		cmocka_unit_test(v1_missing_controller),
		cmocka_unit_test(v1_explicit_parent_must_exist),
		cmocka_unit_test(v2_single_hierarchy),
		cmocka_unit_test(v2_unavailable_controller),
		cmocka_unit_test(v2_parent),
		cmocka_unit_test(no_cgroups_asked),
		cmocka_unit_test(no_cgroup2_mounted),
		cmocka_unit_test(detect_version),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
