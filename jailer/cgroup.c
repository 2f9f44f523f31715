#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "log.h"
#include "state.h"

int cg_read(int dir_fd, const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd, ret;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret)
		return ret;
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int cg_write(int dir_fd, const char *name, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int fd, ret;

	fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	ret = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return ret;
}

bool cg_is_empty(int dir_fd)
{
	char buf[16];

	/* An unreadable cgroup.procs counts as busy: never remove what we
	 * cannot see into. */
	return cg_read(dir_fd, "cgroup.procs", buf, sizeof(buf)) == 0 && buf[0] == '\0';
}

void cg_hier_add(struct cg_hier *h, const struct cgroup_setting *s)
{
	bool known = false;

	for (size_t i = 0; i < h->n_ctls; i++)
		known |= strcmp(h->ctls[i], s->controller) == 0;
	/* Both arrays hold at most JAIL_MAX_CGROUPS: one per setting. */
	if (!known)
		h->ctls[h->n_ctls++] = s->controller;
	h->settings[h->n_settings++] = s;
}

int cgroup_detect_version(const char *path)
{
	struct statfs sf;

	if (statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		return 2;
	return 1;
}

static int check_parent(const struct cg_plan *p, const struct cg_hier *h)
{
	char path[PATH_MAX];
	struct stat st;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", h->mount, p->parent);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		log_err("--parent-cgroup %s: %s does not exist (create it, or leave out "
			"--parent-cgroup to use <exec-name>)", p->parent, path);
		return -ENOENT;
	}
	return 0;
}

int cgroup_plan(const struct jail_args *a, const char *exec_name, const char *mountinfo,
		struct cg_plan *p)
{
	int ret;

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; i < CG_MAX_HIER; i++)
		p->h[i].leaf_fd = -1;
	p->id = a->id;
	p->parent = a->parent_cgroup ? a->parent_cgroup : exec_name;
	p->parent_explicit = a->parent_cgroup != NULL;
	p->version = a->cgroup_version ? a->cgroup_version : cgroup_detect_version(CG_DEFAULT_MOUNT);

	if (a->n_cgroups == 0) {
		/* v2 has one hierarchy, so --parent-cgroup alone says where
		 * to go; v1 needs a controller to pick a hierarchy. */
		if (p->version == 1 || !p->parent_explicit) {
			if (p->parent_explicit)
				log_warn("--parent-cgroup without --cgroup: cgroup v1 needs a "
					 "controller, so the VM gets no cgroup");
			return 0;
		}
	}
	ret = p->version == 2 ? cgroup_v2_plan(a, mountinfo, p) : cgroup_v1_plan(a, mountinfo, p);
	if (ret)
		return ret;
	for (size_t i = 0; i < p->n; i++) {
		struct cg_hier *h = &p->h[i];
		int n;

		/* A newline would split the state file's lines. */
		if (strchr(h->mount, '\n')) {
			log_err("cgroup mount point %s holds a newline", h->mount);
			return -EINVAL;
		}
		n = snprintf(h->leaf, sizeof(h->leaf), "%s/%s/%s", h->mount, p->parent, p->id);
		if (n < 0 || (size_t)n >= sizeof(h->leaf)) {
			log_err("cgroup path under %s is too long", h->mount);
			return -ENAMETOOLONG;
		}
		if (p->parent_explicit) {
			ret = check_parent(p, h);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Opens (creating it when allowed) the next level of the parent path. */
static int open_level(const struct cg_plan *p, int dir_fd, const char *name, const char *path,
		      struct undo *u)
{
	int fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0 || errno != ENOENT || p->parent_explicit) {
		if (fd < 0) {
			int ret = -errno;

			log_err("parent cgroup %s: %s", path, strerror(errno));
			return ret;
		}
		return fd;
	}
	if (mkdirat(dir_fd, name, 0755) == 0) {
		int keep = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);

		if (keep < 0 || undo_push(u, UNDO_RMDIR, keep, name))
			return -ENOMEM;
	} else if (errno != EEXIST) { /* EEXIST: another jailer made it first */
		int ret = -errno;

		log_err("cannot create cgroup %s: %s", path, strerror(errno));
		return ret;
	}
	fd = openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int ret = -errno;

		log_err("cannot open cgroup %s: %s", path, strerror(errno));
		return ret;
	}
	return fd;
}

/* Walks from the mount point to <parent>, creating the default parent on
 * demand, filling v1 cpusets and enabling v2 controllers on the way.
 * Returns an fd of <parent> or -errno. */
static int open_parent(const struct cg_plan *p, const struct cg_hier *h, struct undo *u)
{
	char path[PATH_MAX];
	const char *c = p->parent;
	int fd, ret;

	snprintf(path, sizeof(path), "%s", h->mount);
	fd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		log_err("cannot open cgroup mount %s: %s", h->mount, strerror(errno));
		return ret;
	}
	while (*c) {
		char name[NAME_MAX + 1];
		size_t len = strcspn(c, "/");
		size_t plen = strlen(path);
		int next;

		if (len > NAME_MAX || plen + 1 + len >= sizeof(path)) {
			ret = -ENAMETOOLONG;
			goto err;
		}
		memcpy(name, c, len);
		name[len] = '\0';
		c += len + (c[len] == '/');
		if (p->version == 2 && (ret = cgroup_v2_enable(h, fd, path)))
			goto err;
		snprintf(path + plen, sizeof(path) - plen, "/%s", name);
		next = open_level(p, fd, name, path, u);
		if (next < 0) {
			ret = next;
			goto err;
		}
		ret = h->cpuset ? cgroup_v1_inherit_cpuset(fd, next, path) : 0;
		close(fd);
		fd = next;
		if (ret)
			goto err;
	}
	if (p->version == 2 && (ret = cgroup_v2_enable(h, fd, path)))
		goto err;
	return fd;
err:
	close(fd);
	return ret;
}

static int make_leaf(const struct cg_plan *p, struct cg_hier *h, int parent_fd, int state_fd,
		     struct undo *u)
{
	int keep, ret;

	if (mkdirat(parent_fd, p->id, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		log_err("cannot create cgroup %s: %s", h->leaf, strerror(errno));
		return ret;
	}
	h->leaf_fd = openat(parent_fd, p->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (h->leaf_fd < 0) {
		ret = -errno;
		log_err("cannot open cgroup %s: %s", h->leaf, strerror(errno));
		return ret;
	}
	/* A leftover of an earlier VM with this id is taken over when empty:
	 * the id is unique and its jail directory is gone. */
	if (!cg_is_empty(h->leaf_fd)) {
		log_err("cgroup %s already holds processes: is VM %s running?", h->leaf, p->id);
		close(h->leaf_fd);
		h->leaf_fd = -1;
		return -EBUSY;
	}
	ret = state_add_cgroup(state_fd, h->leaf);
	if (ret)
		return ret;
	keep = fcntl(parent_fd, F_DUPFD_CLOEXEC, 0);
	if (keep < 0 || undo_push(u, UNDO_RMDIR, keep, p->id))
		return -ENOMEM;
	return h->cpuset ? cgroup_v1_inherit_cpuset(parent_fd, h->leaf_fd, h->leaf) : 0;
}

static int write_settings(const struct cg_hier *h)
{
	for (size_t i = 0; i < h->n_settings; i++) {
		const struct cgroup_setting *s = h->settings[i];
		int ret = cg_write(h->leaf_fd, s->file, s->value);

		if (ret == -ENOENT) {
			log_err("--cgroup %s=%s: %s has no file %s", s->file, s->value, h->leaf,
				s->file);
			return -ENOENT;
		}
		if (ret) {
			log_err("--cgroup %s=%s: writing %s/%s failed: %s", s->file, s->value,
				h->leaf, s->file, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int cgroup_create(struct cg_plan *p, int state_fd, struct undo *u)
{
	for (size_t i = 0; i < p->n; i++) {
		struct cg_hier *h = &p->h[i];
		int parent_fd, ret;

		parent_fd = open_parent(p, h, u);
		if (parent_fd < 0)
			return parent_fd;
		ret = make_leaf(p, h, parent_fd, state_fd, u);
		close(parent_fd);
		if (ret == 0)
			ret = write_settings(h);
		if (ret)
			return ret;
	}
	return 0;
}

/* Finds this process's cgroup in h as a path under h->mount, from
 * /proc/self/cgroup, so that a failed launch can move back to it. */
static int current_cgroup(const struct cg_plan *p, const struct cg_hier *h, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char *line = NULL, *rel = NULL;
	size_t cap = 0, rlen;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *ctls = strchr(line, ':'), *path = ctls ? strchr(ctls + 1, ':') : NULL;
		bool match;

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		ctls++;
		if (p->version == 2)
			match = strcmp(line, "0") == 0 && ctls[0] == '\0';
		else
			match = h->n_ctls > 0 && list_has(ctls, ',', h->ctls[0]);
		if (!match)
			continue;
		/* The mount may show only a subtree (a container's bind mount). */
		rlen = strcmp(h->mount_root, "/") == 0 ? 0 : strlen(h->mount_root);
		if (strncmp(path, h->mount_root, rlen) == 0 && (path[rlen] == '/' || path[rlen] == '\0')) {
			rel = path + rlen;
			ret = snprintf(out, len, "%s%s", h->mount, rel) < (int)len ? 0 : -ENAMETOOLONG;
		}
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static int open_way_back(const struct cg_plan *p, const struct cg_hier *h)
{
	char path[PATH_MAX + 16];
	int fd = -1;

	if (current_cgroup(p, h, path, PATH_MAX) == 0) {
		strcat(path, "/cgroup.procs");
		fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", h->mount);
		fd = open(path, O_WRONLY | O_CLOEXEC);
	}
	return fd;
}

int cgroup_join(struct cg_plan *p, struct undo *u)
{
	char pid[24];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	for (size_t i = 0; i < p->n; i++) {
		struct cg_hier *h = &p->h[i];
		int back = open_way_back(p, h), ret;

		if (back < 0)
			log_warn("cannot find the way back out of %s: a failed launch may leave it",
				 h->leaf);
		else if ((ret = undo_push(u, UNDO_CGROUP_LEAVE, back, h->leaf)))
			return ret;
		ret = cg_write(h->leaf_fd, "cgroup.procs", pid);
		if (ret) {
			log_err("cannot move into cgroup %s: %s", h->leaf, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void cgroup_plan_close(struct cg_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->h[i].leaf_fd >= 0)
			close(p->h[i].leaf_fd);
		p->h[i].leaf_fd = -1;
	}
}
