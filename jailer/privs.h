/* The last step before exec: become uid:gid with no capabilities left. */
#ifndef SPLITVM_JAILER_PRIVS_H
#define SPLITVM_JAILER_PRIVS_H

#include <sys/types.h>

#include <stdbool.h>

/* Sets no_new_privs, drops supplementary groups, empties the capability
 * bounding, ambient and inheritable sets, switches to uid:gid and checks
 * that no capability is effective.
 *
 * way_back: keep the saved user id 0 (and with it the permitted set) so
 * that privs_regain() can undo a failed exec.  execve() copies the
 * effective id into the saved one and, with the bounding, inheritable and
 * ambient sets empty, leaves the new program no capability at all: a
 * successful exec is as unprivileged as without way_back.  Without it,
 * every id is uid and every set is cleared here.
 *
 * Returns 0 or -errno (logged). */
int privs_drop(uid_t uid, gid_t gid, bool way_back);

/* After privs_drop(.., true): root again (euid 0, effective = permitted),
 * to roll back.  Returns 0 or -errno. */
int privs_regain(void);

#endif
