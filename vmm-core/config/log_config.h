/* Applies a logger configuration (from --log-path/--level, PUT /logger or
 * the config file's "logger") to the process log of common/log.h. */
#ifndef SPLITVM_LOG_CONFIG_H
#define SPLITVM_LOG_CONFIG_H

#include <stddef.h>

#include "log.h"

/* Firecracker's level names, any case: Error, Warning, Info, Debug, Trace,
 * Off.  Trace logs as Debug and Off as Error: common/log has neither (see
 * docs/api.md).  Returns -EINVAL for anything else. */
int log_config_parse_level(const char *name, enum log_level *out);

/* Points the log at log_path (NULL: back to stderr), opened as Firecracker
 * opens its log: an existing file or FIFO, read+write, non-blocking (a full
 * pipe drops lines instead of stalling a vCPU), appending, never created.
 * level NULL means Info.  On failure nothing changes and err says why
 * (without the path: the caller adds it).  Safe against threads logging at
 * the same moment: the log's fd number never changes once set, it is
 * re-pointed with dup3(). */
int log_config_apply(const char *log_path, const char *level, char *err, size_t errlen);

/* Opens path as Firecracker opens its log and metrics outputs (an
 * existing file or FIFO, O_RDWR|O_NONBLOCK, never created: a FIFO opens
 * without a reader) and returns the fd, or -errno. */
int log_config_open_output(const char *path);

#endif
