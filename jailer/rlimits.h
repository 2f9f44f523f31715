/* --resource-limit: bounds for the jailed process and everything it spawns. */
#ifndef SPLITVM_JAILER_RLIMITS_H
#define SPLITVM_JAILER_RLIMITS_H

#include "args.h"

/* Sets RLIMIT_NOFILE (JAIL_DEFAULT_NOFILE unless given) and, when given,
 * RLIMIT_FSIZE, soft and hard alike so the jailed process cannot raise
 * them.  Returns 0 or -errno (logged). */
int rlimits_apply(const struct jail_rlimits *rl);

#endif
