/* Is a jail in use?  The jailed processes cannot be trusted to keep a lock
 * or a pid file, so the jailer looks at what they cannot hide: their root
 * directory (/proc/<pid>/root) is the jail's root/, and they sit in the
 * VM's cgroups. */
#ifndef SPLITVM_JAILER_RUNNING_H
#define SPLITVM_JAILER_RUNNING_H

#include <sys/types.h>

/* Returns the pid of a process whose root directory is root_fd's folder,
 * 0 when there is none, or -errno when /proc cannot be read. */
pid_t running_jail_user(int root_fd);

#endif
