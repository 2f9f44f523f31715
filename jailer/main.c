/* jailer: confines vmm-core and its device workers the way Firecracker's
 * jailer confines Firecracker (docs/jailer.md).  The steps, in order:
 *
 *   validate everything (nothing is created before this passes)
 *   close inherited fds, clear the environment
 *   create <base>/<exec-name>/<id>/root, copy the exec file and its
 *     vmm-worker-* binaries in
 *   join the netns, set rlimits, create the cgroups and move in
 *   new mount namespace, pivot_root into the jail, device nodes
 *   daemonize / new PID namespace, drop to uid:gid, exec
 *
 * Any failure after the first creation rolls back what was made (undo.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "binaries.h"
#include "cgroup.h"
#include "chroot.h"
#include "cleanup.h"
#include "devices.h"
#include "env.h"
#include "exec_path.h"
#include "jaildir.h"
#include "launch.h"
#include "log.h"
#include "netns.h"
#include "rlimits.h"
#include "state.h"
#include "undo.h"

#ifndef SPLITVM_VERSION
#define SPLITVM_VERSION "unknown"
#endif

struct jailer {
	struct jail_args a;
	char exec_path[PATH_MAX];
	char exec_dir[PATH_MAX];
	char exec_name[EXEC_NAME_MAX + 1];
	struct binary_set bins;
	int netns_fd;
	int devnull_fd;
	int state_fd;
	struct cg_plan cg;
	struct jail_dir jd;
	struct undo undo;
	struct launch_times times;
};

/* Where the exec file is: --exec-file as given, or the command word after
 * "--" found through PATH (read before the environment is cleared). */
static int locate_exec(struct jailer *j)
{
	const struct jail_args *a = &j->a;
	int ret;

	if (a->exec_from_command)
		ret = exec_resolve(a->exec_file, getenv("PATH"), j->exec_path, sizeof(j->exec_path));
	else
		ret = snprintf(j->exec_path, sizeof(j->exec_path), "%s", a->exec_file) <
			      (int)sizeof(j->exec_path) ? 0 : -ENAMETOOLONG;
	if (ret) {
		log_err("%s: %s", a->exec_file,
			ret == -ENOENT ? "command not found in PATH" : strerror(-ret));
		return ret;
	}
	if (exec_split(j->exec_path, j->exec_dir, sizeof(j->exec_dir), j->exec_name,
		       sizeof(j->exec_name))) {
		log_err("exec file %s: its name must be 1..%d letters, digits, '-', '_' or '.' "
			"(not starting with '.')", j->exec_path, EXEC_NAME_MAX);
		return -EINVAL;
	}
	/* The jail's own folders: a binary of that name would take their
	 * place. */
	if (strcmp(j->exec_name, "dev") == 0 || strcmp(j->exec_name, "run") == 0) {
		log_err("exec file %s: '%s' is a folder of the jail", j->exec_path, j->exec_name);
		return -EINVAL;
	}
	return 0;
}

/* Everything that can be checked before anything is created. */
static int validate(struct jailer *j)
{
	const struct jail_args *a = &j->a;
	int ret;

	ret = binaries_open(j->exec_dir, j->exec_name, &j->bins);
	if (ret)
		return ret;
	ret = jaildir_check_base(a->chroot_base);
	if (ret)
		return ret;
	if (a->netns) {
		j->netns_fd = netns_open(a->netns);
		if (j->netns_fd < 0)
			return j->netns_fd;
	}
	ret = cgroup_plan(a, j->exec_name, "/proc/self/mountinfo", &j->cg);
	if (ret)
		return ret;
	if (a->daemonize) {
		/* Opened now: there is no /dev/null in the jail. */
		j->devnull_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (j->devnull_fd < 0) {
			ret = -errno;
			log_err("--daemonize: cannot open /dev/null: %s", strerror(errno));
			return ret;
		}
	}
	return 0;
}

static int make_jail_dir(struct jailer *j)
{
	const struct jail_args *a = &j->a;
	struct jail_dir other;
	int ret;

	ret = jaildir_create(a->chroot_base, j->exec_name, a->id, &j->jd, &j->undo);
	if (ret != -EEXIST)
		return ret;
	ret = jaildir_open_locked(a->chroot_base, j->exec_name, a->id, &other);
	if (ret == -EBUSY)
		log_err("jail of VM %s is in use: another jailer is building it", a->id);
	else if (ret == 0)
		cleanup_explain_existing(&other, a->id, j->exec_name);
	else
		log_err("jail of VM %s already exists", a->id);
	jaildir_close(&other);
	return -EEXIST;
}

static int build_jail(struct jailer *j)
{
	const struct jail_args *a = &j->a;
	int ret;

	ret = make_jail_dir(j);
	if (ret)
		return ret;
	j->state_fd = state_create(j->jd.id_fd);
	if (j->state_fd < 0)
		return j->state_fd;
	ret = binaries_copy(&j->bins, j->jd.root_fd);
	if (ret)
		return ret;
	binaries_close(&j->bins);
	if (j->netns_fd >= 0 && (ret = netns_join(j->netns_fd, a->netns)))
		return ret;
	ret = rlimits_apply(&a->rl);
	if (ret)
		return ret;
	ret = cgroup_create(&j->cg, j->state_fd, &j->undo);
	if (ret)
		return ret;
	ret = cgroup_join(&j->cg, &j->undo);
	if (ret)
		return ret;
	ret = chroot_enter(j->jd.root_path, j->jd.root_fd);
	if (ret)
		return ret;
	return devices_create(a->uid, a->gid);
}

static int run(struct jailer *j)
{
	int ret;

	ret = locate_exec(j);
	if (ret)
		return ret;
	ret = env_close_inherited_fds();
	if (ret)
		return ret;
	ret = env_clear();
	if (ret)
		return ret;
	env_reset_signals();
	ret = validate(j);
	if (ret)
		return ret;
	ret = build_jail(j);
	if (ret == 0)
		ret = launch(&j->a, j->exec_name, j->devnull_fd, &j->times);
	if (ret == LAUNCH_PARENT_DONE) {
		undo_forget(&j->undo);
		return 0;
	}
	undo_run(&j->undo);
	return ret;
}

int main(int argc, char *argv[])
{
	static struct jailer j;
	int ret;

	launch_times_start(&j.times);
	log_set_prefix("jailer");
	j.netns_fd = j.devnull_fd = j.state_fd = -1;
	j.bins.exec.fd = -1;
	jaildir_init(&j.jd);
	undo_init(&j.undo);

	if (args_parse(argc, argv, &j.a)) {
		fprintf(stderr, "Try 'jailer --help'.\n");
		return 2;
	}
	if (j.a.help) {
		args_usage(stdout);
		return 0;
	}
	if (j.a.version) {
		printf("jailer (splitvm) %s\n", SPLITVM_VERSION);
		return 0;
	}
	if (j.a.cleanup)
		return cleanup_run(&j.a) ? 1 : 0;
	ret = run(&j);
	return ret ? 1 : 0;
}
