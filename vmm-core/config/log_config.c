#include "log_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The fd every log line goes to once a log file was configured.  Lines
 * are written from any thread with the fd read just before; closing and
 * reopening would let a line land in whatever file reused the number. */
static int log_slot_fd = -1;

int log_config_parse_level(const char *name, enum log_level *out)
{
	if (strcasecmp(name, "Off") == 0) {
		*out = LOG_LVL_ERROR;
		return 0;
	}
	/* log_parse_level also takes "Warn", which Firecracker refuses. */
	if (strcasecmp(name, "Warn") == 0)
		return -EINVAL;
	return log_parse_level(name, out);
}

static int point_slot_at(int fd)
{
	if (log_slot_fd < 0) {
		log_slot_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		return log_slot_fd < 0 ? -errno : 0;
	}
	return dup3(fd, log_slot_fd, O_CLOEXEC) < 0 ? -errno : 0;
}

int log_config_open_output(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_APPEND | O_NOCTTY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int log_config_apply(const char *log_path, const char *level, char *err, size_t errlen)
{
	enum log_level lvl = LOG_LVL_INFO;
	int fd = STDERR_FILENO;
	int rc;

	if (level && log_config_parse_level(level, &lvl)) {
		snprintf(err, errlen, "invalid log level");
		return -EINVAL;
	}
	if (log_path) {
		fd = log_config_open_output(log_path);
		if (fd < 0) {
			rc = fd;
			snprintf(err, errlen, "cannot open the log file: %s", strerror(-rc));
			return rc;
		}
	}
	if (log_path || log_slot_fd >= 0) {
		rc = point_slot_at(fd);
		if (log_path)
			close(fd);
		if (rc) {
			snprintf(err, errlen, "cannot switch the log file: %s", strerror(-rc));
			return rc;
		}
		log_set_fd(log_slot_fd);
	}
	log_set_level(lvl);
	return 0;
}
