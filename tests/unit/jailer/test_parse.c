/* Strict number and name parsing: what strtoul would let through must not. */
#include <errno.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

static void numbers(void **state)
{
	uint64_t v = 42;

	assert_int_equal(parse_u64_dec("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64_dec("10", 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_u64_dec("11", 10, &v), -ERANGE);
	assert_int_equal(parse_u64_dec("18446744073709551615", UINT64_MAX, &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(parse_u64_dec("18446744073709551616", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(parse_u64_dec("000000000000000000001", UINT64_MAX, &v), -EINVAL);
	v = 7;
	for (const char *const *s = (const char *const[]){ "", "-1", "+1", " 1", "1 ", "0x1",
							     "1e2", "1.0", "١", NULL };
	     *s; s++)
		assert_int_equal(parse_u64_dec(*s, UINT64_MAX, &v), -EINVAL);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void ids(void **state)
{
	assert_true(jail_id_valid("a"));
	assert_true(jail_id_valid("551e7604-e35c-42b3-b825-416853441234"));
	assert_false(jail_id_valid(""));
	assert_true(jail_id_valid("a-"));
	/* A leading '-' would read as an option to the exec file. */
	assert_false(jail_id_valid("-"));
	assert_false(jail_id_valid("--help"));
	assert_false(jail_id_valid("a.b"));
	assert_false(jail_id_valid("a_b"));
}

static void names_and_paths(void **state)
{
	assert_true(path_name_valid("vmm-core", 64));
	assert_true(path_name_valid("fc_1.2", 64));
	assert_false(path_name_valid(".", 64));
	assert_false(path_name_valid("..", 64));
	assert_false(path_name_valid(".x", 64));
	assert_false(path_name_valid("a/b", 64));
	assert_false(path_name_valid("abc", 2));
	assert_true(rel_path_valid("a", 10));
	assert_true(rel_path_valid("a/b.c/d-e", 10));
	assert_false(rel_path_valid("a/b.c/d-e", 8));
	assert_false(rel_path_valid("a/../b", 64));
	assert_false(rel_path_valid("a/./b", 64));
	assert_false(rel_path_valid("/a", 64));
	assert_false(rel_path_valid("a/", 64));
	assert_false(rel_path_valid("a//b", 64));
}

static void lists(void **state)
{
	assert_true(list_has("rw,cpu,cpuacct", ',', "cpu"));
	assert_true(list_has("rw,cpu,cpuacct", ',', "cpuacct"));
	assert_true(list_has("rw,cpu,cpuacct", ',', "rw"));
	assert_false(list_has("rw,cpu,cpuacct", ',', "cpua"));
	assert_false(list_has("rw,cpuset", ',', "cpu"));
	assert_false(list_has("", ',', "cpu"));
	assert_true(list_has("cpuset cpu io memory pids", ' ', "pids"));
	assert_false(list_has("cpuset cpu io memory pids", ' ', "mem"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(numbers),
		cmocka_unit_test(ids),
		cmocka_unit_test(names_and_paths),
		cmocka_unit_test(lists),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
