/* The real filesystem checks behind the API (see struct api_host_ops). */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_internal.h"
#include "log_config.h"

static int host_check_readable_file(const char *path)
{
	struct stat st;

	/* stat + access instead of open: opening a device node can have side
	 * effects (a tape rewinds, a watchdog arms) and a FIFO blocks. */
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

static int host_check_output_file(const char *path)
{
	int fd = log_config_open_output(path);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int host_apply_logger(const struct logger_config *lc, char *err, size_t errlen)
{
	return log_config_apply(lc->log_path, lc->level, err, errlen);
}

const struct api_host_ops api_host_ops_default = {
	.check_readable_file = host_check_readable_file,
	.check_output_file = host_check_output_file,
	.apply_logger = host_apply_logger,
};
