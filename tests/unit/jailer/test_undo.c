/* Rollback and tree removal: never follow a symlink out of the tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers.h"
#include "undo.h"

static void rm_tree_stays_inside(void **state)
{
	char p[PATH_MAX], outside[PATH_MAX], keep[PATH_MAX];
	int fd;

	/* Something outside the tree that symlinks inside point at. */
	scratch_path(outside, "outside");
	assert_int_equal(mkdir(outside, 0755), 0);
	file_write(outside, "precious", "x", 0644, keep);

	scratch_path(p, "tree");
	assert_int_equal(mkdir(p, 0755), 0);
	scratch_path(p, "tree/a");
	assert_int_equal(mkdir(p, 0755), 0);
	scratch_path(p, "tree/a/b");
	assert_int_equal(mkdir(p, 0700), 0);
	scratch_path(p, "tree/a/link-to-outside");
	assert_int_equal(symlink(outside, p), 0);
	scratch_path(p, "tree/a/link-to-file");
	assert_int_equal(symlink(keep, p), 0);
	scratch_path(p, "tree/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);

	fd = open(scratch_dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(rm_tree_at(fd, "tree"), 0);
	scratch_path(p, "tree");
	assert_int_equal(access(p, F_OK), -1);
	assert_string_equal(file_read(keep), "x");
	/* Gone already: fine. */
	assert_int_equal(rm_tree_at(fd, "tree"), 0);
	close(fd);
}

/* Records "shared" (rmdir when empty) then "shared/ours" (whole tree). */
static void push_pair(struct undo *u)
{
	char p[PATH_MAX];

	scratch_path(p, "shared");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(undo_push(u, UNDO_RMDIR, open(scratch_dir, O_PATH | O_DIRECTORY),
				   "shared"), 0);
	scratch_path(p, "shared/ours");
	assert_int_equal(mkdir(p, 0755), 0);
	file_write(p, "inside", "x", 0644, NULL);
	scratch_path(p, "shared");
	assert_int_equal(undo_push(u, UNDO_RMTREE, open(p, O_PATH | O_DIRECTORY), "ours"), 0);
}

static void undo_runs_newest_first(void **state)
{
	struct undo u;
	char p[PATH_MAX];

	/* "shared" can only go if "ours" went first. */
	undo_init(&u);
	push_pair(&u);
	undo_run(&u);
	assert_int_equal(u.n, 0);
	scratch_path(p, "shared");
	assert_int_equal(access(p, F_OK), -1);

	/* Someone else put a file in "shared" meanwhile: it stays. */
	undo_init(&u);
	push_pair(&u);
	file_write(scratch_dir, "shared/other", "x", 0644, NULL);
	undo_run(&u);
	scratch_path(p, "shared/ours");
	assert_int_equal(access(p, F_OK), -1);
	scratch_path(p, "shared/other");
	assert_int_equal(access(p, F_OK), 0);
}

static void undo_is_bounded(void **state)
{
	struct undo u;
	int i;

	undo_init(&u);
	for (i = 0; i < UNDO_MAX; i++)
		assert_int_equal(undo_push(&u, UNDO_RMDIR, open("/", O_PATH), "x"), 0);
	assert_int_equal(undo_push(&u, UNDO_RMDIR, open("/", O_PATH), "x"), -ENOSPC);
	undo_forget(&u);
	assert_int_equal(u.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SCRATCH_TEST(rm_tree_stays_inside),
		SCRATCH_TEST(undo_runs_newest_first),
		cmocka_unit_test(undo_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
