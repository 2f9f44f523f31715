#include "netns.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"

int netns_open(const char *path)
{
	int fd, type, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		log_err("--netns %s: %s", path, strerror(errno));
		return ret;
	}
	/* NS_GET_NSTYPE answers only on nsfs files; anything else is ENOTTY
	 * (or EINVAL from a device that has its own ioctls). */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		log_err("--netns %s: not a network namespace%s", path,
			type < 0 ? " (not a namespace file at all)" : "");
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int netns_join(int fd, const char *path)
{
	if (setns(fd, CLONE_NEWNET) < 0) {
		int ret = -errno;

		log_err("cannot join network namespace %s: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}
