#include "undo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* A tree the jailed process made can be deep on purpose; stop rather than
 * run out of stack or fds. */
#define RM_MAX_DEPTH 128

void undo_init(struct undo *u)
{
	u->n = 0;
}

int undo_push(struct undo *u, enum undo_kind kind, int fd, const char *name)
{
	struct undo_entry *e;

	if (u->n == UNDO_MAX || strlen(name) >= UNDO_NAME_MAX) {
		log_err("internal: undo list full");
		close(fd);
		return -ENOSPC;
	}
	e = &u->e[u->n++];
	e->kind = kind;
	e->fd = fd;
	snprintf(e->name, sizeof(e->name), "%s", name);
	return 0;
}

static int rm_tree_depth(int dir_fd, const char *name, dev_t dev, int depth)
{
	struct stat st;
	struct dirent *ent;
	DIR *d;
	int fd, ret = 0;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (st.st_dev != dev)
		return -EXDEV;
	if (depth >= RM_MAX_DEPTH)
		return -ELOOP;
	fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((ent = readdir(d))) {
		int r;

		if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
			continue;
		r = rm_tree_depth(fd, ent->d_name, dev, depth + 1);
		if (r && !ret)
			ret = r;
	}
	closedir(d);
	if (ret)
		return ret;
	return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -errno : 0;
}

int rm_tree_at(int dir_fd, const char *name)
{
	struct stat st;

	/* The tree stays on the file system it starts on. */
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	return rm_tree_depth(dir_fd, name, st.st_dev, 0);
}

static void run_one(struct undo_entry *e)
{
	char buf[32];
	int n, ret;

	switch (e->kind) {
	case UNDO_RMDIR:
		if (unlinkat(e->fd, e->name, AT_REMOVEDIR) < 0 && errno != ENOENT &&
		    errno != ENOTEMPTY && errno != EEXIST && errno != EBUSY)
			log_warn("rollback: cannot remove directory %s: %s", e->name, strerror(errno));
		break;
	case UNDO_RMTREE:
		ret = rm_tree_at(e->fd, e->name);
		if (ret)
			log_warn("rollback: cannot remove %s: %s", e->name, strerror(-ret));
		break;
	case UNDO_CGROUP_LEAVE:
		n = snprintf(buf, sizeof(buf), "%d\n", getpid());
		if (write(e->fd, buf, (size_t)n) != n)
			log_warn("rollback: cannot move out of cgroup %s: %s", e->name, strerror(errno));
		break;
	}
}

void undo_run(struct undo *u)
{
	while (u->n > 0) {
		struct undo_entry *e = &u->e[--u->n];

		run_one(e);
		close(e->fd);
	}
}

void undo_forget(struct undo *u)
{
	while (u->n > 0)
		close(u->e[--u->n].fd);
}
