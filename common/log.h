/* Leveled, timestamped logging shared by every splitvm binary.
 * Errors are logged once, where they are handled (STYLE.md). */
#ifndef SPLITVM_LOG_H
#define SPLITVM_LOG_H

#include <stdio.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses Firecracker's level names (Error, Warning, Info, Debug, Trace, Off);
 * returns -EINVAL for anything else. */
int log_parse_level(const char *name, enum log_level *out);
/* Redirects log lines to fd (default stderr); the caller keeps ownership. */
void log_set_fd(int fd);
void log_set_prefix(const char *prefix);

void log_msg(enum log_level level, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define log_err(...)   log_msg(LOG_LVL_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __FILE__, __LINE__, __VA_ARGS__)

#endif
