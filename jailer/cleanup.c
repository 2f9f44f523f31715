#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "exec_path.h"
#include "log.h"
#include "running.h"
#include "state.h"

/* Opens a recorded cgroup, only if it is one (the state file is ours, but
 * never rmdir something that is not a cgroup).  -ENOENT when gone. */
static int open_cgroup(const char *path)
{
	struct statfs sf;
	int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sf) < 0 ||
	    (sf.f_type != CGROUP_SUPER_MAGIC && sf.f_type != CGROUP2_SUPER_MAGIC)) {
		close(fd);
		log_err("%s (from %s) is not a cgroup", path, STATE_FILE);
		return -EINVAL;
	}
	return fd;
}

static int check_idle(const struct jail_dir *jd, const struct jail_state *st, const char *id)
{
	for (size_t i = 0; i < st->n_cgroups; i++) {
		int fd = open_cgroup(st->cgroups[i]);
		bool empty;

		if (fd == -ENOENT)
			continue;
		if (fd < 0)
			return fd;
		empty = cg_is_empty(fd);
		close(fd);
		if (!empty) {
			log_err("VM %s is still running: cgroup %s holds processes", id, st->cgroups[i]);
			return -EBUSY;
		}
	}
	if (jd->root_fd >= 0) {
		pid_t pid = running_jail_user(jd->root_fd);

		if (pid < 0) {
			log_err("cannot scan /proc: %s", strerror(-pid));
			return pid;
		}
		if (pid > 0) {
			log_err("VM %s is still running: pid %d lives in %s", id, (int)pid,
				jd->root_path);
			return -EBUSY;
		}
	}
	return 0;
}

static int remove_all(const struct jail_dir *jd, const struct jail_state *st, const char *id)
{
	int ret = 0;

	for (size_t i = 0; i < st->n_cgroups; i++) {
		if (rmdir(st->cgroups[i]) < 0 && errno != ENOENT) {
			int err = errno;

			log_err("cannot remove cgroup %s: %s", st->cgroups[i], strerror(err));
			ret = ret ? ret : -err;
		}
	}
	if (ret)
		return ret;
	ret = rm_tree_at(jd->exec_fd, id);
	if (ret)
		log_err("cannot remove %s: %s", jd->id_path, strerror(-ret));
	return ret;
}

int cleanup_run(const struct jail_args *a)
{
	char dir[PATH_MAX], name[EXEC_NAME_MAX + 1];
	struct jail_state *st;
	struct jail_dir jd;
	int ret;

	if (exec_split(a->exec_file, dir, sizeof(dir), name, sizeof(name))) {
		log_err("--exec-file %s: invalid name", a->exec_file);
		return -EINVAL;
	}
	ret = jaildir_open_locked(a->chroot_base, name, a->id, &jd);
	if (ret == -ENOENT) {
		log_err("no jail %s/%s/%s", a->chroot_base, name, a->id);
		return ret;
	}
	if (ret == -EBUSY) {
		log_err("a jailer is building the jail of VM %s right now", a->id);
		return ret;
	}
	if (ret) {
		log_err("cannot open the jail of VM %s: %s", a->id, strerror(-ret));
		return ret;
	}
	st = malloc(sizeof(*st));
	ret = st ? state_read(jd.id_fd, a->id, st) : -ENOMEM;
	if (ret == 0)
		ret = check_idle(&jd, st, a->id);
	if (ret == 0)
		ret = remove_all(&jd, st, a->id);
	if (ret == 0)
		log_info("removed the jail and %zu cgroup(s) of VM %s", st->n_cgroups, a->id);
	free(st);
	jaildir_close(&jd);
	return ret;
}

void cleanup_explain_existing(const struct jail_dir *jd, const char *id, const char *exec_name)
{
	pid_t pid = jd->root_fd >= 0 ? running_jail_user(jd->root_fd) : 0;

	if (pid > 0)
		log_err("jail %s is in use: VM %s runs there (pid %d)", jd->id_path, id, (int)pid);
	else
		log_err("jail %s already exists, left by a VM that has exited: remove it with "
			"`jailer --cleanup --id %s --exec-file %s`", jd->id_path, id, exec_name);
}
