/* What a process sees of its confinement, as "key=value" lines: used by the
 * jailer's stand-ins for vmm-core (probe) and a device worker
 * (vmm-worker-probe).  Only system calls: the jail has no /proc. */
#ifndef SPLITVM_JAILER_TEST_REPORT_H
#define SPLITVM_JAILER_TEST_REPORT_H

#include <stddef.h>

/* Appends this process's view to buf (at most len bytes, NUL-terminated),
 * each key prefixed with prefix.  Returns the new length. */
size_t report_self(char *buf, size_t len, size_t off, const char *prefix, int argc,
		   char *const argv[]);

#endif
