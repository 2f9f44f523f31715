/* The jailer's command line: Firecracker's flags plus --cleanup, parsed and
 * validated without touching the system (unit tested, no privileges). */
#ifndef SPLITVM_JAILER_ARGS_H
#define SPLITVM_JAILER_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "parse.h"

#define JAIL_DEFAULT_BASE "/srv/jailer"
/* The short form (`jailer --id vm1 -- vmm-core ...`) runs the VM as
 * nobody:nogroup unless --uid/--gid say otherwise (docs/jailer.md). */
#define JAIL_DEFAULT_UID 65534
#define JAIL_DEFAULT_GID 65534
/* `jailer --cleanup` without --exec-file looks for <base>/vmm-core/<id>. */
#define JAIL_DEFAULT_EXEC_NAME "vmm-core"
#define JAIL_DEFAULT_NOFILE 2048

#define JAIL_MAX_CGROUPS 32
#define CGROUP_FILE_MAX 63
#define CGROUP_CONTROLLER_MAX 31
#define CGROUP_VALUE_MAX 1024
#define PARENT_CGROUP_MAX 512

struct cgroup_setting {
	char file[CGROUP_FILE_MAX + 1];             /* "memory.max" */
	char controller[CGROUP_CONTROLLER_MAX + 1]; /* "memory" */
	const char *value;                          /* points into argv */
};

struct jail_rlimits {
	bool fsize_set;
	bool nofile_set;
	uint64_t fsize;
	uint64_t nofile;
};

struct jail_args {
	bool help;
	bool version;
	bool cleanup;
	const char *id;
	/* As given by --exec-file, or the first word after "--" (resolved
	 * through PATH later, see exec_path.h). */
	const char *exec_file;
	bool exec_from_command; /* exec_file came from after "--" */
	uid_t uid;
	gid_t gid;
	const char *chroot_base;
	const char *netns;
	bool daemonize;
	bool new_pid_ns;
	struct cgroup_setting cgroups[JAIL_MAX_CGROUPS];
	size_t n_cgroups;
	int cgroup_version;        /* 1, 2, or 0: detect from /sys/fs/cgroup */
	const char *parent_cgroup; /* NULL: the exec file's name */
	struct jail_rlimits rl;
	/* Arguments for the exec file (after "--", without the command word
	 * in the short form). */
	char *const *extra;
	int n_extra;
};

/* Fills *a from argv (argv[0] is the program).  Logs the first problem
 * with the offending value and returns -EINVAL; 0 otherwise. */
int args_parse(int argc, char *const argv[], struct jail_args *a);

/* Splits "FILE=VALUE" for --cgroup; -EINVAL when malformed. */
int args_parse_cgroup(const char *arg, struct cgroup_setting *out);

/* Applies "fsize=N" or "no-file=N" to *rl; -EINVAL when malformed or given
 * twice. */
int args_parse_rlimit(const char *arg, struct jail_rlimits *rl);

void args_usage(FILE *out);

#endif
