#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum log_level current_level = LOG_LVL_INFO;
static int log_fd = STDERR_FILENO;
static const char *log_prefix = "splitvm";

static const char *const level_names[] = {
	[LOG_LVL_ERROR] = "ERROR",
	[LOG_LVL_WARN] = "WARN",
	[LOG_LVL_INFO] = "INFO",
	[LOG_LVL_DEBUG] = "DEBUG",
};

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

int log_parse_level(const char *name, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level level;
	} names[] = {
		{ "Error", LOG_LVL_ERROR }, { "Warning", LOG_LVL_WARN },
		{ "Warn", LOG_LVL_WARN },   { "Info", LOG_LVL_INFO },
		{ "Debug", LOG_LVL_DEBUG }, { "Trace", LOG_LVL_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(name, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

void log_set_fd(int fd)
{
	log_fd = fd;
}

void log_set_prefix(const char *prefix)
{
	log_prefix = prefix;
}

void log_msg(enum log_level level, const char *file, int line, const char *fmt, ...)
{
	char buf[1024];
	struct timespec ts;
	struct tm tm;
	size_t n;
	int len;
	va_list ap;
	int saved_errno = errno;  /* so that %m names the caller's error */

	if (level > current_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	len = snprintf(buf + n, sizeof(buf) - n, ".%06ldZ [%s:%s] %s:%d ",
		       ts.tv_nsec / 1000, log_prefix, level_names[level], file, line);
	if (len > 0)
		n += (size_t)len < sizeof(buf) - n ? (size_t)len : sizeof(buf) - n - 1;
	va_start(ap, fmt);
	errno = saved_errno;
	len = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (len > 0)
		n += (size_t)len < sizeof(buf) - n ? (size_t)len : sizeof(buf) - n - 1;
	if (n < sizeof(buf) - 1)
		buf[n++] = '\n';
	else
		buf[sizeof(buf) - 2] = '\n', n = sizeof(buf) - 1;
	/* One write per line so that lines from several threads never interleave. */
	(void)!write(log_fd, buf, n);
	errno = saved_errno;
}
