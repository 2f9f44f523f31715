/* The end of the jailer: optionally daemonize and fork into a new PID
 * namespace, drop privileges, exec /<exec-name> --id <id> [args after --]
 * with an empty environment. */
#ifndef SPLITVM_JAILER_LAUNCH_H
#define SPLITVM_JAILER_LAUNCH_H

#include "args.h"

/* Returned by launch() in the jailer that forked the new PID namespace's
 * init: the child has exec'd, <exec-name>.pid is written, exit 0. */
#define LAUNCH_PARENT_DONE 1

#include <stdint.h>

/* Passed on as Firecracker's jailer does, for the VMM's boot-time metrics:
 * --start-time-us (CLOCK_MONOTONIC when the jailer started),
 * --start-time-cpu-us (CPU time the exec'd process starts with: the
 * jailer's own, or 0 in a new PID namespace's fresh child) and
 * --parent-cpu-time-us (the forking jailer's CPU time, or 0). */
struct launch_times {
	uint64_t start_us;
	uint64_t start_cpu_us;
	uint64_t parent_cpu_us;
	char buf[3][24];
};

/* Reads the clocks at the jailer's start. */
void launch_times_start(struct launch_times *t);

/* devnull_fd: /dev/null opened before entering the jail (--daemonize), or
 * -1.  Does not return when the exec succeeds in this process.  Returns
 * LAUNCH_PARENT_DONE, or -errno (logged) when nothing runs. */
int launch(const struct jail_args *a, const char *exec_name, int devnull_fd,
	   struct launch_times *t);

#define LAUNCH_FIXED_ARGS 9
/* Exposed for tests: fills argv (n_extra + LAUNCH_FIXED_ARGS + 1 slots):
 * exec_path --id ID --start-time-us A --start-time-cpu-us B
 * --parent-cpu-time-us C, then the arguments after "--". */
void launch_build_argv(const struct jail_args *a, char *exec_path, struct launch_times *t,
		       char **argv);

#endif
