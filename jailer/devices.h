/* The jail's own folders and device nodes, made from inside the jail. */
#ifndef SPLITVM_JAILER_DEVICES_H
#define SPLITVM_JAILER_DEVICES_H

#include <sys/types.h>

/* Creates /dev, /dev/net and /run (0700) and gives them and / to uid:gid
 * (vmm-core creates its API socket there), then /dev/kvm (10,232),
 * /dev/net/tun (10,200) and /dev/urandom (1,9), mode 0600, owned by
 * uid:gid.  Returns 0 or -errno (logged). */
int devices_create(uid_t uid, gid_t gid);

#endif
