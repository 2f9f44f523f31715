/* cgroup v2: one unified hierarchy; a controller works in a cgroup only
 * when every ancestor lists it in cgroup.subtree_control. */
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mountinfo.h"

struct find_v2 {
	struct cg_hier *h;
	bool found;
};

/* Takes the first cgroup2 mount, or the one at /sys/fs/cgroup when there
 * is one: a system may also mount cgroup2 elsewhere (.../unified next to
 * v1 hierarchies, or a test's own mount). */
static int match_v2(const struct mount_entry *e, void *arg)
{
	struct find_v2 *f = arg;
	bool preferred = strcmp(e->point, CG_DEFAULT_MOUNT) == 0;

	if (strcmp(e->fstype, "cgroup2") != 0 || (f->found && !preferred))
		return 0;
	snprintf(f->h->mount, sizeof(f->h->mount), "%s", e->point);
	snprintf(f->h->mount_root, sizeof(f->h->mount_root), "%s", e->root);
	f->found = true;
	return preferred ? 1 : 0;
}

static int find_unified(const char *mountinfo, struct cg_hier *h)
{
	struct find_v2 f = { h, false };
	int ret;

	ret = mountinfo_scan(mountinfo, match_v2, &f);
	if (ret < 0)
		return ret;
	if (!f.found) {
		log_err("--cgroup-version 2: no cgroup2 file system is mounted");
		return -ENOENT;
	}
	return 0;
}

int cgroup_v2_plan(const struct jail_args *a, const char *mountinfo, struct cg_plan *p)
{
	struct cg_hier *h = &p->h[0];
	char avail[1024];
	int fd, ret;

	ret = find_unified(mountinfo, h);
	if (ret)
		return ret;
	p->n = 1;
	for (size_t i = 0; i < a->n_cgroups; i++)
		cg_hier_add(h, &a->cgroups[i]);
	fd = open(h->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ret = fd < 0 ? -errno : cg_read(fd, "cgroup.controllers", avail, sizeof(avail));
	if (fd >= 0)
		close(fd);
	if (ret) {
		log_err("cannot read %s/cgroup.controllers: %s", h->mount, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < h->n_ctls; i++) {
		if (!list_has(avail, ' ', h->ctls[i])) {
			log_err("--cgroup: controller '%s' is not available in the cgroup v2 "
				"hierarchy at %s (cgroup.controllers: %s)",
				h->ctls[i], h->mount, avail[0] ? avail : "empty");
			return -ENOENT;
		}
	}
	return 0;
}

int cgroup_v2_enable(const struct cg_hier *h, int dir_fd, const char *dir_path)
{
	char enabled[1024], add[512];
	size_t off = 0;
	int ret;

	if (h->n_ctls == 0)
		return 0;
	ret = cg_read(dir_fd, "cgroup.subtree_control", enabled, sizeof(enabled));
	if (ret) {
		log_err("cannot read %s/cgroup.subtree_control: %s", dir_path, strerror(-ret));
		return ret;
	}
	/* Only what is missing: rewriting an enabled controller is harmless,
	 * but a cgroup we may not change (EBUSY) should not fail a launch
	 * that needs nothing from it. */
	for (size_t i = 0; i < h->n_ctls; i++) {
		if (list_has(enabled, ' ', h->ctls[i]))
			continue;
		ret = snprintf(add + off, sizeof(add) - off, "%s+%s", off ? " " : "", h->ctls[i]);
		if (ret < 0 || (size_t)ret >= sizeof(add) - off)
			return -ENAMETOOLONG;
		off += (size_t)ret;
	}
	if (off == 0)
		return 0;
	ret = cg_write(dir_fd, "cgroup.subtree_control", add);
	if (ret) {
		log_err("cannot enable '%s' in %s/cgroup.subtree_control: %s%s", add, dir_path,
			strerror(-ret),
			ret == -EBUSY ? " (a cgroup with processes cannot delegate controllers)" : "");
		return ret;
	}
	return 0;
}
