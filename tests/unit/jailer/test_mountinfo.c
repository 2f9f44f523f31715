/* /proc/self/mountinfo lines as the kernel writes them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "mountinfo.h"

static struct mount_entry e;

static int parse(const char *text)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s", text);
	return mountinfo_parse_line(line, &e);
}

static void v1_and_v2_lines(void **state)
{
	assert_int_equal(parse("35 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,"
			       "relatime shared:15 - cgroup cgroup rw,cpu,cpuacct\n"), 0);
	assert_string_equal(e.root, "/");
	assert_string_equal(e.point, "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(e.fstype, "cgroup");
	assert_string_equal(e.super_opts, "rw,cpu,cpuacct");

	/* No optional fields; a container's subtree as root. */
	assert_int_equal(parse("1000 900 0:26 /kubepods/pod1 /sys/fs/cgroup rw,relatime - "
			       "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot"), 0);
	assert_string_equal(e.root, "/kubepods/pod1");
	assert_string_equal(e.fstype, "cgroup2");

	/* Several optional fields. */
	assert_int_equal(parse("36 25 0:31 / /mnt rw shared:16 master:3 propagate_from:2 - "
			       "tmpfs tmpfs rw,size=100k"), 0);
	assert_string_equal(e.fstype, "tmpfs");
	assert_string_equal(e.super_opts, "rw,size=100k");
}

static void escapes(void **state)
{
	assert_int_equal(parse("36 25 0:31 /a\\134b /mnt/with\\040space\\012nl rw - tmpfs t rw"), 0);
	assert_string_equal(e.root, "/a\\b");
	assert_string_equal(e.point, "/mnt/with space\nnl");
}

static void malformed(void **state)
{
	assert_int_equal(parse(""), -EINVAL);
	assert_int_equal(parse("36 25 0:31 / /mnt rw tmpfs tmpfs rw"), -EINVAL); /* no "-" */
	assert_int_equal(parse("36 25 0:31 / /mnt rw - tmpfs"), -EINVAL);        /* short */
	assert_int_equal(parse("36 25 0:31 / /mnt rw - tmpfs tmpfs"), -EINVAL);
}

static int count_cgroups(const struct mount_entry *m, void *arg)
{
	if (strncmp(m->fstype, "cgroup", 6) == 0)
		++*(int *)arg;
	return 0;
}

static int stop_at_second(const struct mount_entry *m, void *arg)
{
	return ++*(int *)arg == 2 ? 7 : 0;
}

static void iterate(void **state)
{
	static const char text[] =
		"1 0 0:1 / / rw - ext4 /dev/vda rw\n"
		"garbage line\n"
		"2 1 0:2 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
		"3 1 0:3 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n";
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");
	int n = 0;

	assert_non_null(f);
	assert_int_equal(mountinfo_each(f, count_cgroups, &n), 0);
	assert_int_equal(n, 2);
	rewind(f);
	n = 0;
	assert_int_equal(mountinfo_each(f, stop_at_second, &n), 7);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1_and_v2_lines),
		cmocka_unit_test(escapes),
		cmocka_unit_test(malformed),
		cmocka_unit_test(iterate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
