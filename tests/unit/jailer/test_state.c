/* jail.state: what --cleanup reads back, and what it refuses to trust. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "state.h"

static struct jail_state st;

static void round_trip(void **state)
{
	char dir[TMPDIR_MAX];
	int dfd, fd;

	tmpdir_make(dir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	/* No file yet: a jail without cgroups. */
	assert_int_equal(state_read(dfd, "vm1", &st), 0);
	assert_int_equal(st.n_cgroups, 0);

	fd = state_create(dfd);
	assert_true(fd >= 0);
	assert_int_equal(state_create(dfd), -EEXIST); /* never reused */
	assert_int_equal(state_add_cgroup(fd, "/sys/fs/cgroup/vmm-core/vm1"), 0);
	assert_int_equal(state_add_cgroup(fd, "/c g/cpu,cpuacct/a/b/vm1"), 0);
	assert_int_equal(state_add_cgroup(fd, "/x/vm1\nother 1"), -EINVAL);
	close(fd);
	assert_int_equal(state_read(dfd, "vm1", &st), 0);
	assert_int_equal(st.n_cgroups, 2);
	assert_string_equal(st.cgroups[0], "/sys/fs/cgroup/vmm-core/vm1");
	assert_string_equal(st.cgroups[1], "/c g/cpu,cpuacct/a/b/vm1");
	/* Read back for another id: not this VM's cgroups. */
	assert_int_equal(state_read(dfd, "vm2", &st), -EINVAL);
	close(dfd);
	tmpdir_remove(dir);
}

static void refuses_foreign_paths(void **state)
{
	static const char *const bad[] = {
		"cgroup relative/vm1\n",
		"cgroup /sys/fs/cgroup/../../etc/vm1\n",
		"cgroup /sys/fs/cgroup/./vm1\n",
		"cgroup /sys//fs/vm1\n",
		"cgroup /sys/fs/cgroup/notvm1\n",
		"cgroup /sys/fs/cgroup/vm1/x\n",
		"cgroup vm1\n",
		"cgroup \n",
		"rmtree /\n",
		"cgroup /a/vm1\njunk\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(state_parse(bad[i], "vm1", &st), -EINVAL);
	assert_int_equal(state_parse("", "vm1", &st), 0);
	assert_int_equal(st.n_cgroups, 0);
	assert_int_equal(state_parse("cgroup /a/vm1", "vm1", &st), 0); /* no final newline */
	assert_int_equal(st.n_cgroups, 1);
}

static void bounded(void **state)
{
	char text[CG_MAX_HIER * 16 + 32] = "";

	for (int i = 0; i <= CG_MAX_HIER; i++)
		strcat(text, "cgroup /a/vm1\n");
	assert_int_equal(state_parse(text, "vm1", &st), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(refuses_foreign_paths),
		cmocka_unit_test(bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
