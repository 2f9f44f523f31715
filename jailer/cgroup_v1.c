/* cgroup v1: one hierarchy per mounted controller set (cpu,cpuacct may
 * share one); cpuset cgroups start empty and must be filled from above. */
#include "cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "mountinfo.h"

static const char *const cpuset_files[] = { "cpuset.cpus", "cpuset.mems" };

int cgroup_v1_inherit_cpuset(int parent_fd, int child_fd, const char *child_path)
{
	char buf[4096];

	for (size_t i = 0; i < sizeof(cpuset_files) / sizeof(cpuset_files[0]); i++) {
		const char *f = cpuset_files[i];
		int ret = cg_read(child_fd, f, buf, sizeof(buf));

		if (ret == 0 && buf[0] != '\0')
			continue;
		if (ret == 0)
			ret = cg_read(parent_fd, f, buf, sizeof(buf));
		if (ret == 0 && buf[0] == '\0')
			ret = -ENODATA;
		if (ret == 0)
			ret = cg_write(child_fd, f, buf);
		if (ret) {
			log_err("cannot copy %s from the parent of %s: %s", f, child_path,
				strerror(-ret));
			return ret;
		}
	}
	return 0;
}

struct find_ctl {
	const char *ctl;
	struct cg_hier *h;
};

static int match_v1(const struct mount_entry *e, void *arg)
{
	struct find_ctl *f = arg;

	if (strcmp(e->fstype, "cgroup") != 0 || !list_has(e->super_opts, ',', f->ctl))
		return 0;
	snprintf(f->h->mount, sizeof(f->h->mount), "%s", e->point);
	snprintf(f->h->mount_root, sizeof(f->h->mount_root), "%s", e->root);
	snprintf(f->h->opts, sizeof(f->h->opts), "%s", e->super_opts);
	return 1;
}

/* Fills *h with the first v1 mount holding ctl; -ENOENT when none does. */
static int find_hierarchy(const char *mountinfo, const char *ctl, struct cg_hier *h)
{
	struct find_ctl f = { ctl, h };
	int ret;

	ret = mountinfo_scan(mountinfo, match_v1, &f);
	if (ret < 0)
		return ret;
	return ret == 1 ? 0 : -ENOENT;
}

static int add_setting(struct cg_plan *p, const struct cgroup_setting *s, const struct cg_hier *found)
{
	struct cg_hier *h = NULL;

	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->h[i].mount, found->mount) == 0)
			h = &p->h[i];
	if (!h) {
		if (p->n == CG_MAX_HIER)
			return -E2BIG;
		h = &p->h[p->n++];
		memcpy(h->mount, found->mount, sizeof(h->mount));
		memcpy(h->mount_root, found->mount_root, sizeof(h->mount_root));
		memcpy(h->opts, found->opts, sizeof(h->opts));
		h->cpuset = list_has(h->opts, ',', "cpuset");
	}
	cg_hier_add(h, s);
	return 0;
}

int cgroup_v1_plan(const struct jail_args *a, const char *mountinfo, struct cg_plan *p)
{
	struct cg_hier found;

	for (size_t i = 0; i < a->n_cgroups; i++) {
		const struct cgroup_setting *s = &a->cgroups[i];
		int ret = find_hierarchy(mountinfo, s->controller, &found);

		if (ret == -ENOENT) {
			log_err("--cgroup %s=%s: no cgroup v1 hierarchy with controller '%s' is mounted",
				s->file, s->value, s->controller);
			return ret;
		}
		if (ret)
			return ret;
		ret = add_setting(p, s, &found);
		if (ret)
			return ret;
	}
	return 0;
}
