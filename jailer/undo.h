/* What a failed launch must take back.  Each step that creates something
 * records how to remove it, relative to directory fds opened before the
 * jailer pivots into the jail, so that the rollback still works from inside
 * it.  Entries run newest first. */
#ifndef SPLITVM_JAILER_UNDO_H
#define SPLITVM_JAILER_UNDO_H

#include <stddef.h>

#define UNDO_MAX 64
#define UNDO_NAME_MAX 256

enum undo_kind {
	UNDO_RMDIR,        /* rmdir dir_fd/name; kept when not empty (shared) */
	UNDO_RMTREE,       /* remove dir_fd/name and everything below it */
	UNDO_CGROUP_LEAVE, /* write our pid to fd (a cgroup.procs) */
};

struct undo_entry {
	enum undo_kind kind;
	int fd;       /* dir fd, or the cgroup.procs fd; owned by the entry */
	char name[UNDO_NAME_MAX];
};

struct undo {
	struct undo_entry e[UNDO_MAX];
	size_t n;
};

void undo_init(struct undo *u);
/* Records an entry; takes ownership of fd (dup it to keep yours).
 * Returns 0 or -ENOSPC (and closes fd). */
int undo_push(struct undo *u, enum undo_kind kind, int fd, const char *name);
/* Runs every entry, newest first, logging what it could not undo. */
void undo_run(struct undo *u);
/* Forgets the entries (success): closes their fds. */
void undo_forget(struct undo *u);

/* Removes dir_fd/name recursively without following symlinks or crossing
 * into other file systems (dir_fd may be AT_FDCWD).  Returns 0 (also when
 * it does not exist), or -errno of the first failure. */
int rm_tree_at(int dir_fd, const char *name);

#endif
