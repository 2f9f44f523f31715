/* Cgroups for the jailed process tree, v1 and v2.
 *
 * Each --cgroup FILE=VALUE names a controller (the part of FILE before the
 * first '.').  v1: every controller lives in the hierarchy mounted with it;
 * the VM gets <mount>/<parent>/<id> in each hierarchy named this way.  v2:
 * one hierarchy; the controllers are enabled in cgroup.subtree_control from
 * the mount's root down to <parent>.  The jailer writes the values, then
 * moves itself into every leaf; what it execs, and every worker that
 * spawns, inherits them.
 *
 * cgroup_plan() only reads (run before anything is created, so that a bad
 * flag leaves nothing behind); cgroup_create() and cgroup_join() record
 * what they did in an undo list and in the jail's state file. */
#ifndef SPLITVM_JAILER_CGROUP_H
#define SPLITVM_JAILER_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "args.h"
#include "undo.h"

#define CG_MAX_HIER 16
#define CG_DEFAULT_MOUNT "/sys/fs/cgroup"

struct cg_hier {
	char mount[PATH_MAX];      /* mount point */
	char mount_root[PATH_MAX]; /* mountinfo root: maps /proc/self/cgroup paths */
	char opts[512];            /* v1: the mount's options (its controllers) */
	bool cpuset;               /* v1: cpus/mems must be filled in new cgroups */
	const char *ctls[JAIL_MAX_CGROUPS]; /* controllers used here */
	size_t n_ctls;
	const struct cgroup_setting *settings[JAIL_MAX_CGROUPS];
	size_t n_settings;
	char leaf[PATH_MAX];       /* <mount>/<parent>/<id> */
	int leaf_fd;               /* O_PATH, once created */
};

struct cg_plan {
	int version;
	const char *id;
	const char *parent;        /* relative to each mount */
	bool parent_explicit;      /* --parent-cgroup: must exist already */
	struct cg_hier h[CG_MAX_HIER];
	size_t n;                  /* 0: the VM gets no cgroups */
};

/* 2 when path is a cgroup2 mount, else 1 (Firecracker's v1 layout). */
int cgroup_detect_version(const char *path);

/* Finds the hierarchies for a's --cgroup flags in mountinfo (a file in
 * /proc/self/mountinfo's format), checks that controllers and an explicit
 * parent exist.  Logs and returns -errno on the first problem. */
int cgroup_plan(const struct jail_args *a, const char *exec_name, const char *mountinfo,
		struct cg_plan *p);

/* Creates the parents (when they are the default one) and leaves, fills
 * v1 cpuset.cpus/mems from the parent, enables v2 controllers, writes the
 * values.  Each leaf is appended to the state file state_fd.  Returns 0 or
 * -errno (logged). */
int cgroup_create(struct cg_plan *p, int state_fd, struct undo *u);

/* Moves the calling process into every leaf. */
int cgroup_join(struct cg_plan *p, struct undo *u);

void cgroup_plan_close(struct cg_plan *p);

/* Shared by cgroup*.c --------------------------------------------------- */

/* Adds s (and its controller, once) to h. */
void cg_hier_add(struct cg_hier *h, const struct cgroup_setting *s);

/* Reads dir_fd/name into buf (NUL-terminated, trailing newline removed). */
int cg_read(int dir_fd, const char *name, char *buf, size_t len);
/* Writes value to dir_fd/name in one write(), as cgroup files want. */
int cg_write(int dir_fd, const char *name, const char *value);
/* True when the cgroup dir_fd holds no process. */
bool cg_is_empty(int dir_fd);

/* v1: fills cpuset.cpus and cpuset.mems of child_fd from parent_fd when
 * empty (a task cannot join a cpuset cgroup without them). */
int cgroup_v1_inherit_cpuset(int parent_fd, int child_fd, const char *child_path);
/* v1: adds a hierarchy for each controller of a (from mountinfo). */
int cgroup_v1_plan(const struct jail_args *a, const char *mountinfo, struct cg_plan *p);

/* v2: finds the unified mount, checks that every controller is available. */
int cgroup_v2_plan(const struct jail_args *a, const char *mountinfo, struct cg_plan *p);
/* v2: enables the hierarchy's controllers in dir_fd's subtree_control. */
int cgroup_v2_enable(const struct cg_hier *h, int dir_fd, const char *dir_path);

#endif
