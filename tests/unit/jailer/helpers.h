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
/* Writes dir/name with content and mode; returns the full path in out. */
void file_write(const char *dir, const char *name, const char *content, mode_t mode, char *out);
/* Reads a whole small file into a static buffer. */
const char *file_read(const char *path);

/* Builds argv from a NULL-terminated list (argv[0] = "jailer"). */
int make_argv(char **argv, size_t max, ...);

#endif
