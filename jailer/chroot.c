#include "chroot.h"

#include <errno.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

/* Per-mount flags statvfs reports, to be kept when remounting nosuid (a
 * bind remount replaces them all). */
static unsigned long kept_flags(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_RDONLY, MS_RDONLY },   { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC },   { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long flags = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sv.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

static int fail(const char *what, const char *path)
{
	int ret = -errno;

	log_err("%s %s: %s", what, path, strerror(errno));
	return ret;
}

int chroot_enter(const char *root_path, int root_fd)
{
	struct stat want, got;

	if (unshare(CLONE_NEWNS) < 0)
		return fail("unshare(CLONE_NEWNS)", "");
	/* Slave: mounts made on the host still show up below, nothing we do
	 * here propagates back; and pivot_root refuses shared mounts. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return fail("making mounts slave under", "/");
	/* pivot_root needs the new root to be a mount point. */
	if (mount(root_path, root_path, NULL, MS_BIND, NULL) < 0)
		return fail("bind-mounting", root_path);
	if (mount(NULL, root_path, NULL, MS_BIND | MS_REMOUNT | MS_NOSUID | kept_flags(root_path),
		  NULL) < 0)
		return fail("remounting nosuid", root_path);
	if (chdir(root_path) < 0)
		return fail("chdir", root_path);
	if (fstat(root_fd, &want) < 0 || stat(".", &got) < 0)
		return fail("stat", root_path);
	if (want.st_dev != got.st_dev || want.st_ino != got.st_ino) {
		log_err("%s changed under the jailer", root_path);
		return -EXDEV;
	}
	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * detaching it leaves the jail as the only tree (pivot_root(2)). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail("pivot_root into", root_path);
	if (umount2(".", MNT_DETACH) < 0)
		return fail("detaching the old root above", root_path);
	if (chroot(".") < 0 || chdir("/") < 0)
		return fail("chroot into", root_path);
	return 0;
}
