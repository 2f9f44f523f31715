/* /proc/self/mountinfo, read to find the cgroup hierarchies (v1: one mount
 * per controller set, v2: the unified mount). */
#ifndef SPLITVM_JAILER_MOUNTINFO_H
#define SPLITVM_JAILER_MOUNTINFO_H

#include <limits.h>
#include <stdio.h>

struct mount_entry {
	char root[PATH_MAX];  /* the mounted subtree of the file system */
	char point[PATH_MAX]; /* where it is mounted */
	char fstype[64];
	char super_opts[512]; /* v1 cgroups list their controllers here */
};

/* Parses one line (modified in place).  Octal escapes (\040 for a space)
 * are decoded.  Returns 0 or -EINVAL for a malformed line. */
int mountinfo_parse_line(char *line, struct mount_entry *e);

/* Calls cb for each mount in f, in order, until cb returns non-zero (which
 * is then returned).  Malformed lines are skipped.  Returns 0 at the end. */
int mountinfo_each(FILE *f, int (*cb)(const struct mount_entry *e, void *arg), void *arg);

/* mountinfo_each() over the file at path; a file that cannot be read is
 * logged here and returned as -errno. */
int mountinfo_scan(const char *path, int (*cb)(const struct mount_entry *e, void *arg), void *arg);

#endif
