/* Finding the exec file like a shell, and naming the jail after it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "exec_path.h"
#include "helpers.h"

static void word_with_slash_is_used_as_is(void **state)
{
	char out[PATH_MAX];

	assert_int_equal(exec_resolve("./x/vmm-core", "/nonexistent", out, sizeof(out)), 0);
	assert_string_equal(out, "./x/vmm-core");
	assert_int_equal(exec_resolve("/a/b", NULL, out, 3), -ENAMETOOLONG);
	assert_int_equal(exec_resolve("", NULL, out, sizeof(out)), -ENOENT);
}

static void path_search(void **state)
{
	char d1[TMPDIR_MAX], d2[TMPDIR_MAX], path_env[3 * PATH_MAX], out[PATH_MAX], want[PATH_MAX];
	char sub[PATH_MAX + 32];

	tmpdir_make(d1);
	tmpdir_make(d2);
	/* d1 has a non-executable file and a folder of that name: skipped,
	 * as a shell would. */
	file_write(d1, "vmm-core", "#!/bin/false\n", 0644, NULL);
	snprintf(sub, sizeof(sub), "%s/vmm-worker-x", d1);
	assert_int_equal(mkdir(sub, 0755), 0);
	file_write(d2, "vmm-core", "#!/bin/false\n", 0755, want);
	file_write(d2, "vmm-worker-x", "#!/bin/false\n", 0755, NULL);
	snprintf(path_env, sizeof(path_env), "/nonexistent:%s:%s", d1, d2);

	assert_int_equal(exec_resolve("vmm-core", path_env, out, sizeof(out)), 0);
	assert_string_equal(out, want);
	assert_int_equal(exec_resolve("vmm-worker-x", path_env, out, sizeof(out)), 0);
	assert_int_equal(exec_resolve("missing", path_env, out, sizeof(out)), -ENOENT);
	assert_int_equal(exec_resolve("vmm-core", "/nonexistent", out, sizeof(out)), -ENOENT);

	/* An empty entry is the current folder. */
	assert_int_equal(chdir(d2), 0);
	assert_int_equal(exec_resolve("vmm-core", "/nonexistent::", out, sizeof(out)), 0);
	assert_string_equal(out, "./vmm-core");
	assert_int_equal(chdir("/"), 0);
	tmpdir_remove(d1);
	tmpdir_remove(d2);
}

static void split(void **state)
{
	char dir[PATH_MAX], name[EXEC_NAME_MAX + 1];

	assert_int_equal(exec_split("/usr/bin/vmm-core", dir, sizeof(dir), name, sizeof(name)), 0);
	assert_string_equal(dir, "/usr/bin");
	assert_string_equal(name, "vmm-core");
	assert_int_equal(exec_split("/vmm-core", dir, sizeof(dir), name, sizeof(name)), 0);
	assert_string_equal(dir, "/");
	assert_int_equal(exec_split("vmm-core", dir, sizeof(dir), name, sizeof(name)), 0);
	assert_string_equal(dir, ".");
	assert_int_equal(exec_split("/usr/bin/", dir, sizeof(dir), name, sizeof(name)), -EINVAL);
	assert_int_equal(exec_split("/usr/..", dir, sizeof(dir), name, sizeof(name)), -EINVAL);
	assert_int_equal(exec_split("/usr/.hidden", dir, sizeof(dir), name, sizeof(name)), -EINVAL);
	assert_int_equal(exec_split("/usr/a b", dir, sizeof(dir), name, sizeof(name)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(word_with_slash_is_used_as_is),
		cmocka_unit_test(path_search),
		cmocka_unit_test(split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
