/* `jailer --cleanup --id ID`: removes the jail folder and the cgroups of a
 * VM that has exited.  Refuses while a jailer builds the jail (its lock),
 * while any process has the jail as its root, or while a recorded cgroup
 * holds a process. */
#ifndef SPLITVM_JAILER_CLEANUP_H
#define SPLITVM_JAILER_CLEANUP_H

#include "args.h"
#include "jaildir.h"

/* Returns 0 when everything is gone, -EBUSY when the VM runs, -ENOENT when
 * there is no such jail, another -errno otherwise (all logged). */
int cleanup_run(const struct jail_args *a);

/* Logs why an existing jail cannot be reused: running (with a pid) or left
 * behind (use --cleanup).  jd must be open. */
void cleanup_explain_existing(const struct jail_dir *jd, const char *id, const char *exec_name);

#endif
