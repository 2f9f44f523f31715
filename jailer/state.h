/* <base>/<exec-name>/<id>/jail.state: what the jailer created outside the
 * jail directory (the VM's cgroups), one "cgroup <path>" line each, so that
 * `jailer --cleanup` can remove them without being told the --cgroup flags
 * again.  It lives beside root/, out of the jailed process's reach. */
#ifndef SPLITVM_JAILER_STATE_H
#define SPLITVM_JAILER_STATE_H

#include <limits.h>
#include <stddef.h>

#include "cgroup.h"

#define STATE_FILE "jail.state"
#define STATE_MAX_BYTES 65536

struct jail_state {
	char cgroups[CG_MAX_HIER][PATH_MAX];
	size_t n_cgroups;
};

/* Creates the state file in the jail folder id_fd.  Returns an fd or -errno. */
int state_create(int id_fd);
/* Appends a cgroup line.  Returns 0 or -errno. */
int state_add_cgroup(int state_fd, const char *path);
/* Parses text (NUL-terminated) into *st.  Every cgroup path must be
 * absolute, free of "." and ".." components, and end in "/<id>".
 * Returns 0 or -EINVAL (logged). */
int state_parse(const char *text, const char *id, struct jail_state *st);
/* Reads and parses the state file of id_fd; a missing file is an empty
 * state (a jail made without cgroups, or a jailer killed early). */
int state_read(int id_fd, const char *id, struct jail_state *st);

#endif
