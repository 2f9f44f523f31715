/* Finding the exec file the way a shell would, and naming it. */
#ifndef SPLITVM_JAILER_EXEC_PATH_H
#define SPLITVM_JAILER_EXEC_PATH_H

#include <stddef.h>

/* Used when PATH is unset, as by most shells. */
#define EXEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define EXEC_NAME_MAX 64

/* A word containing '/' is used as it is; otherwise the first PATH entry
 * (path_env, or EXEC_DEFAULT_PATH when NULL; an empty entry means the
 * current directory) holding an executable regular file of that name wins.
 * Symlinks are followed here, as a shell does: the caller refuses them
 * when it opens the file.  Returns 0, -ENOENT, or -ENAMETOOLONG. */
int exec_resolve(const char *word, const char *path_env, char *out, size_t out_len);

/* Splits path into its directory ("." when there is none) and its last
 * component, which must be a valid name (path_name_valid, at most
 * EXEC_NAME_MAX): it becomes <base>/<name>/ and the default parent cgroup.
 * Returns 0 or -EINVAL. */
int exec_split(const char *path, char *dir, size_t dir_len, char *name, size_t name_len);

#endif
