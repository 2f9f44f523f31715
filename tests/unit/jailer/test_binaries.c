/* Which files go into the jail, and which ones are refused. */
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

#include "binaries.h"
#include "helpers.h"

static void worker_names(void **state)
{
	assert_true(binaries_is_worker_name("vmm-worker-blk"));
	assert_true(binaries_is_worker_name("vmm-worker-net2"));
	assert_true(binaries_is_worker_name("vmm-worker-a-b"));
	assert_false(binaries_is_worker_name("vmm-worker-"));
	assert_false(binaries_is_worker_name("vmm-worker-blk.p"));  /* meson object folder */
	assert_false(binaries_is_worker_name("vmm-worker-blk~"));
	assert_false(binaries_is_worker_name("vmm-worker-blk.old"));
	assert_false(binaries_is_worker_name("xvmm-worker-blk"));
	assert_false(binaries_is_worker_name("vmm-core"));
}

static void exec_and_workers_found_and_copied(void **state)
{
	struct binary_set set;
	char p[PATH_MAX], jail[PATH_MAX];
	int jfd;
	struct stat st;

	file_write(scratch_dir, "vmm-core", "core binary", 04755, NULL); /* set-uid: dropped */
	file_write(scratch_dir, "vmm-worker-rng", "rng", 0755, NULL);
	file_write(scratch_dir, "vmm-worker-blk", "blk", 0750, NULL);
	file_write(scratch_dir, "unrelated", "x", 0755, NULL);
	scratch_path(p, "vmm-worker-blk.p");
	assert_int_equal(mkdir(p, 0755), 0);

	assert_int_equal(binaries_open(scratch_dir, "vmm-core", &set), 0);
	assert_string_equal(set.exec.name, "vmm-core");
	assert_int_equal(set.n_workers, 2);
	assert_string_equal(set.workers[0].name, "vmm-worker-blk"); /* sorted */
	assert_string_equal(set.workers[1].name, "vmm-worker-rng");

	scratch_path(jail, "jail");
	assert_int_equal(mkdir(jail, 0700), 0);
	jfd = open(jail, O_RDONLY | O_DIRECTORY);
	assert_true(jfd >= 0);
	assert_int_equal(binaries_copy(&set, jfd), 0);
	/* A second copy never overwrites what is there. */
	assert_int_equal(binaries_copy(&set, jfd), -EEXIST);
	binaries_close(&set);

	scratch_path(p, "jail/vmm-core");
	assert_string_equal(file_read(p), "core binary");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_nlink, 1);
	scratch_path(p, "jail/vmm-worker-blk");
	assert_string_equal(file_read(p), "blk");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	scratch_path(p, "jail/unrelated");
	assert_int_equal(access(p, F_OK), -1);
	close(jfd);
}

static void refused(void **state)
{
	struct binary_set set;
	char p[PATH_MAX], q[PATH_MAX];

	file_write(scratch_dir, "real", "x", 0755, NULL);
	scratch_path(p, "real");

	/* The exec file as a symlink. */
	scratch_path(q, "link");
	assert_int_equal(symlink(p, q), 0);
	assert_int_equal(binaries_open(scratch_dir, "link", &set), -ELOOP);
	/* Missing. */
	assert_int_equal(binaries_open(scratch_dir, "missing", &set), -ENOENT);
	assert_int_equal(binaries_open("/nonexistent-dir", "real", &set), -ENOENT);
	/* Not executable. */
	file_write(scratch_dir, "plain", "x", 0644, NULL);
	assert_int_equal(binaries_open(scratch_dir, "plain", &set), -EINVAL);
	/* A folder. */
	scratch_path(q, "folder");
	assert_int_equal(mkdir(q, 0755), 0);
	assert_int_equal(binaries_open(scratch_dir, "folder", &set), -EINVAL);
	/* Hard-linked. */
	scratch_path(q, "hard");
	assert_int_equal(link(p, q), 0);
	assert_int_equal(binaries_open(scratch_dir, "hard", &set), -EINVAL);
	assert_int_equal(binaries_open(scratch_dir, "real", &set), -EINVAL); /* now 2 links too */
	assert_int_equal(unlink(q), 0);
	assert_int_equal(binaries_open(scratch_dir, "real", &set), 0);
	binaries_close(&set);

	/* A worker beside it that is a symlink or hard link spoils the set. */
	scratch_path(q, "vmm-worker-evil");
	assert_int_equal(symlink("/bin/sh", q), 0);
	assert_int_equal(binaries_open(scratch_dir, "real", &set), -ELOOP);
	assert_int_equal(unlink(q), 0);
	file_write(scratch_dir, "other", "x", 0755, p);
	assert_int_equal(link(p, q), 0);
	assert_int_equal(binaries_open(scratch_dir, "real", &set), -EINVAL);
	assert_int_equal(unlink(q), 0);
	assert_int_equal(binaries_open(scratch_dir, "real", &set), 0);
	assert_int_equal(set.n_workers, 0);
	binaries_close(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(worker_names),
		SCRATCH_TEST(exec_and_workers_found_and_copied),
		SCRATCH_TEST(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
