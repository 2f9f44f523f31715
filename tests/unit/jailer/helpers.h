/* Scratch folders and files for the jailer's unit tests. */
#ifndef SPLITVM_TEST_JAILER_HELPERS_H
#define SPLITVM_TEST_JAILER_HELPERS_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define TMPDIR_MAX 256

/* Makes a fresh folder under $TMPDIR (or /tmp); path has TMPDIR_MAX bytes. */
void tmpdir_make(char *path);
/* Removes it and everything below. */
void tmpdir_remove(const char *path);
/* For test files whose tests each get one fresh scratch folder: the
 * folder, cmocka setup and teardown that make and remove it, and the path
 * of rel inside it into out (PATH_MAX bytes). */
extern char scratch_dir[TMPDIR_MAX];
int scratch_setup(void **state);
int scratch_teardown(void **state);
void scratch_path(char *out, const char *rel);
#define SCRATCH_TEST(fn) cmocka_unit_test_setup_teardown(fn, scratch_setup, scratch_teardown)

/* Writes dir/name with content and mode; returns the full path in out. */
void file_write(const char *dir, const char *name, const char *content, mode_t mode, char *out);
/* Reads a whole small file into a static buffer. */
const char *file_read(const char *path);

/* Builds argv from a NULL-terminated list (argv[0] = "jailer"). */
int make_argv(char **argv, size_t max, ...);

#endif
