#include "devices.h"

#include <errno.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"

static const char *const folders[] = { "/", "/dev", "/dev/net", "/run" };

static const struct {
	const char *path;
	unsigned int major, minor;
} nodes[] = {
	{ "/dev/kvm", 10, 232 },     /* Documentation/admin-guide/devices.txt */
	{ "/dev/net/tun", 10, 200 }, /* Documentation/networking/tuntap.rst */
	{ "/dev/urandom", 1, 9 },
};

static int own(const char *path, uid_t uid, gid_t gid)
{
	if (fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
		int ret = -errno;

		log_err("chown %s in the jail: %s", path, strerror(errno));
		return ret;
	}
	return 0;
}

int devices_create(uid_t uid, gid_t gid)
{
	int ret;

	for (size_t i = 0; i < sizeof(folders) / sizeof(folders[0]); i++) {
		const char *f = folders[i];

		if ((mkdir(f, 0700) < 0 && errno != EEXIST) || chmod(f, 0700) < 0) {
			ret = -errno;
			log_err("cannot create %s in the jail: %s", f, strerror(errno));
			return ret;
		}
		ret = own(f, uid, gid);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknod(nodes[i].path, S_IFCHR | 0600, makedev(nodes[i].major, nodes[i].minor)) < 0) {
			ret = -errno;
			log_err("mknod %s (%u,%u) in the jail: %s", nodes[i].path, nodes[i].major,
				nodes[i].minor, strerror(errno));
			return ret;
		}
		ret = own(nodes[i].path, uid, gid);
		if (ret)
			return ret;
	}
	return 0;
}
