#include "jaildir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

/* ".<id>.<pid>" */
#define JAIL_TMP_NAME_MAX (JAIL_ID_MAX + 16)

void jaildir_init(struct jail_dir *jd)
{
	jd->exec_fd = jd->id_fd = jd->root_fd = -1;
	jd->id_path[0] = jd->root_path[0] = '\0';
}

void jaildir_close(struct jail_dir *jd)
{
	if (jd->root_fd >= 0)
		close(jd->root_fd);
	if (jd->id_fd >= 0)
		close(jd->id_fd);
	if (jd->exec_fd >= 0)
		close(jd->exec_fd);
	jaildir_init(jd);
}

int jaildir_check_base(const char *base)
{
	char path[PATH_MAX];
	struct statvfs sv;

	/* A base that does not exist yet will live on its closest existing
	 * ancestor's mount. */
	if (snprintf(path, sizeof(path), "%s", base) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	while (statvfs(path, &sv) < 0) {
		char *slash = strrchr(path, '/');

		if (errno != ENOENT || !slash) {
			int ret = -errno;

			log_err("--chroot-base-dir %s: %s", base, strerror(errno));
			return ret;
		}
		slash[slash == path] = '\0';
	}
	if (sv.f_flag & (ST_NOEXEC | ST_NODEV)) {
		log_err("--chroot-base-dir %s is on a %s mount: the jail needs exec and device nodes",
			base, (sv.f_flag & ST_NOEXEC) ? "noexec" : "nodev");
		return -EINVAL;
	}
	return 0;
}

/* mkdir -p for the base folder, walking it with *at() calls.  Each level
 * we create is recorded in *u (relative to an fd of its parent, which stays
 * valid inside the jail) to be removed, when still empty, if the launch
 * fails.  Returns an O_PATH fd of the base folder or -errno. */
static int make_base(const char *base, struct undo *u)
{
	char comp[NAME_MAX + 1];
	const char *p = base;
	int fd, ret;

	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (*p) {
		size_t len = strcspn(p, "/");
		int next;

		if (len == 0) {
			p++;
			continue;
		}
		if (len > NAME_MAX) {
			ret = -ENAMETOOLONG;
			goto err;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		p += len;
		if (mkdirat(fd, comp, 0755) == 0) {
			int keep = fcntl(fd, F_DUPFD_CLOEXEC, 0);

			if (keep < 0 || undo_push(u, UNDO_RMDIR, keep, comp)) {
				ret = -ENOMEM;
				goto err;
			}
		} else if (errno != EEXIST) {
			ret = -errno;
			goto err;
		}
		next = openat(fd, comp, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0) {
			ret = -errno;
			goto err;
		}
		close(fd);
		fd = next;
	}
	return fd;
err:
	close(fd);
	return ret;
}

static int set_paths(struct jail_dir *jd, const char *base, const char *exec_name,
		     const char *id)
{
	const char *sep = base[strlen(base) - 1] == '/' ? "" : "/";
	int n;

	n = snprintf(jd->id_path, sizeof(jd->id_path), "%s%s%s/%s", base, sep, exec_name, id);
	if (n < 0 || (size_t)n >= sizeof(jd->id_path))
		return -ENAMETOOLONG;
	n = snprintf(jd->root_path, sizeof(jd->root_path), "%s/root", jd->id_path);
	if (n < 0 || (size_t)n >= sizeof(jd->root_path))
		return -ENAMETOOLONG;
	return 0;
}

/* Builds ".<id>.<pid>/root", locked, and renames it to <id> only if <id>
 * does not exist: no other jailer or --cleanup can ever see an unlocked,
 * half-made <id>. */
static int make_id_dir(struct jail_dir *jd, const char *id, struct undo *u)
{
	char tmp[JAIL_TMP_NAME_MAX];
	int fd, ret, keep;

	snprintf(tmp, sizeof(tmp), ".%s.%d", id, (int)getpid());
	if (mkdirat(jd->exec_fd, tmp, 0700) < 0) {
		ret = -errno;
		log_err("cannot create %s.tmp: %s", jd->id_path, strerror(errno));
		return ret;
	}
	fd = openat(jd->exec_fd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || mkdirat(fd, "root", 0700) < 0) {
		ret = -errno;
		log_err("cannot prepare %s: %s", jd->id_path, strerror(errno));
		goto err;
	}
	ret = renameat2(jd->exec_fd, tmp, jd->exec_fd, id, RENAME_NOREPLACE);
	if (ret < 0 && errno == EINVAL) /* file system without RENAME_NOREPLACE */
		ret = renameat(jd->exec_fd, tmp, jd->exec_fd, id);
	if (ret < 0) {
		ret = errno == EEXIST || errno == ENOTEMPTY ? -EEXIST : -errno;
		if (ret != -EEXIST)
			log_err("cannot create %s: %s", jd->id_path, strerror(-ret));
		goto err;
	}
	keep = fcntl(jd->exec_fd, F_DUPFD_CLOEXEC, 0);
	if (keep < 0 || undo_push(u, UNDO_RMTREE, keep, id)) {
		close(fd);
		return -ENOMEM;
	}
	jd->id_fd = fd;
	return 0;
err:
	if (fd >= 0)
		close(fd);
	rm_tree_at(jd->exec_fd, tmp);
	return ret;
}

int jaildir_create(const char *base, const char *exec_name, const char *id,
		   struct jail_dir *jd, struct undo *u)
{
	int base_fd, ret;

	jaildir_init(jd);
	if (set_paths(jd, base, exec_name, id)) {
		log_err("jail path %s/%s/%s is too long", base, exec_name, id);
		return -ENAMETOOLONG;
	}
	base_fd = make_base(base, u);
	if (base_fd < 0) {
		log_err("cannot create --chroot-base-dir %s: %s", base, strerror(-base_fd));
		return base_fd;
	}
	if (mkdirat(base_fd, exec_name, 0755) == 0) {
		int keep = fcntl(base_fd, F_DUPFD_CLOEXEC, 0);

		if (keep < 0 || undo_push(u, UNDO_RMDIR, keep, exec_name)) {
			close(base_fd);
			return -ENOMEM;
		}
	} else if (errno != EEXIST) {
		ret = -errno;
		log_err("cannot create %s/%s: %s", base, exec_name, strerror(errno));
		close(base_fd);
		return ret;
	}
	jd->exec_fd = openat(base_fd, exec_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ret = jd->exec_fd < 0 ? -errno : 0;
	close(base_fd);
	if (ret) {
		log_err("cannot open %s/%s: %s", base, exec_name, strerror(-ret));
		return ret;
	}
	ret = make_id_dir(jd, id, u);
	if (ret)
		return ret;
	jd->root_fd = openat(jd->id_fd, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (jd->root_fd < 0) {
		ret = -errno;
		log_err("cannot open %s: %s", jd->root_path, strerror(errno));
		return ret;
	}
	return 0;
}

int jaildir_open_locked(const char *base, const char *exec_name, const char *id,
			struct jail_dir *jd)
{
	int base_fd, ret;

	jaildir_init(jd);
	if (set_paths(jd, base, exec_name, id))
		return -ENAMETOOLONG;
	base_fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (base_fd < 0)
		return -errno;
	jd->exec_fd = openat(base_fd, exec_name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	ret = jd->exec_fd < 0 ? -errno : 0;
	close(base_fd);
	if (ret)
		return ret;
	jd->id_fd = openat(jd->exec_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (jd->id_fd < 0) {
		ret = -errno;
		goto err;
	}
	if (flock(jd->id_fd, LOCK_EX | LOCK_NB) < 0) {
		ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto err;
	}
	/* A jailer killed half-way may have left no root/: still cleanable. */
	jd->root_fd = openat(jd->id_fd, "root", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return 0;
err:
	jaildir_close(jd);
	return ret;
}
