#include "helpers.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "undo.h"

void tmpdir_make(char *path)
{
	const char *t = getenv("TMPDIR");

	int n = snprintf(path, TMPDIR_MAX, "%s/jailer-unit-XXXXXX", t && *t ? t : "/tmp");

	assert_true(n > 0 && n < TMPDIR_MAX);
	assert_non_null(mkdtemp(path));
}

void tmpdir_remove(const char *path)
{
	assert_int_equal(rm_tree_at(AT_FDCWD, path), 0);
}

char scratch_dir[TMPDIR_MAX];

int scratch_setup(void **state)
{
	(void)state;
	tmpdir_make(scratch_dir);
	return 0;
}

int scratch_teardown(void **state)
{
	(void)state;
	tmpdir_remove(scratch_dir);
	return 0;
}

void scratch_path(char *out, const char *rel)
{
	snprintf(out, PATH_MAX, "%s/%s", scratch_dir, rel);
}

void file_write(const char *dir, const char *name, const char *content, mode_t mode, char *out)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	if (out)
		memcpy(out, path, strlen(path) + 1);
}

const char *file_read(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

int make_argv(char **argv, size_t max, ...)
{
	va_list ap;
	size_t n = 0;
	char *a;

	argv[n++] = (char *)"jailer";
	va_start(ap, max);
	while ((a = va_arg(ap, char *)) && n + 1 < max)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return (int)n;
}
