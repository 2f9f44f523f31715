/* The jail directory <base>/<exec-name>/<id>/, holding root/ (what the
 * jailed process sees as /) and, outside root/, the jailer's own records:
 * jail.state (state.h).  A jailer holds an flock on <id>/ while it builds
 * the jail, so that --cleanup and a second jailer with the same id can tell
 * a jail being built from one left behind. */
#ifndef SPLITVM_JAILER_JAILDIR_H
#define SPLITVM_JAILER_JAILDIR_H

#include <limits.h>
#include <stdbool.h>

#include "undo.h"

struct jail_dir {
	int exec_fd; /* <base>/<exec-name> */
	int id_fd;   /* <base>/<exec-name>/<id>, flock'ed while we build */
	int root_fd; /* <base>/<exec-name>/<id>/root */
	char id_path[PATH_MAX];
	char root_path[PATH_MAX];
};

void jaildir_init(struct jail_dir *jd);

/* Refuses a base directory on a noexec or nodev mount: the binaries could
 * not run and /dev/kvm could not be opened in a jail built there.
 * Returns 0 or -errno. */
int jaildir_check_base(const char *base);

/* Creates <base>/<exec_name>/<id>/root, the base folders as needed, and
 * records their removal in *u.  The <id> folder appears atomically, already
 * locked; -EEXIST when it exists (in use or left behind: see running.h).
 * Returns 0 or -errno. */
int jaildir_create(const char *base, const char *exec_name, const char *id,
		   struct jail_dir *jd, struct undo *u);

/* Opens an existing jail (for --cleanup) and takes its lock without
 * waiting: -ENOENT when there is no such jail, -EBUSY when a jailer is
 * building it. */
int jaildir_open_locked(const char *base, const char *exec_name, const char *id,
			struct jail_dir *jd);

void jaildir_close(struct jail_dir *jd);

#endif
