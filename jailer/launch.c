#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_path.h"
#include "log.h"
#include "privs.h"

static uint64_t clock_us(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void launch_times_start(struct launch_times *t)
{
	t->start_us = clock_us(CLOCK_MONOTONIC);
	t->start_cpu_us = clock_us(CLOCK_PROCESS_CPUTIME_ID);
	t->parent_cpu_us = 0;
}

void launch_build_argv(const struct jail_args *a, char *exec_path, struct launch_times *t,
		       char **argv)
{
	const uint64_t v[3] = { t->start_us, t->start_cpu_us, t->parent_cpu_us };
	static const char *const names[3] = { "--start-time-us", "--start-time-cpu-us",
					      "--parent-cpu-time-us" };
	int n = 0;

	/* argv[0] is the path inside the jail: vmm-core finds its workers
	 * beside it (there is no /proc/self/exe in the jail). */
	argv[n++] = exec_path;
	argv[n++] = (char *)"--id";
	argv[n++] = (char *)a->id;
	for (int i = 0; i < 3; i++) {
		snprintf(t->buf[i], sizeof(t->buf[i]), "%llu", (unsigned long long)v[i]);
		argv[n++] = (char *)names[i];
		argv[n++] = t->buf[i];
	}
	for (int i = 0; i < a->n_extra; i++)
		argv[n++] = a->extra[i];
	argv[n] = NULL;
}

static int daemonize(int devnull_fd)
{
	if (setsid() < 0) {
		int ret = -errno;

		log_err("--daemonize: setsid: %s (the jailer must not be a process-group "
			"leader; start it from one that is not, or add --new-pid-ns)", strerror(-ret));
		return ret;
	}
	if (dup2(devnull_fd, 0) < 0 || dup2(devnull_fd, 1) < 0 || dup2(devnull_fd, 2) < 0) {
		int ret = -errno;

		log_err("--daemonize: dup2: %s", strerror(errno));
		return ret;
	}
	close(devnull_fd);
	return 0;
}

/* Drops privileges and execs; returns -errno only when that failed, root
 * again if way_back (so that the caller can roll back). */
static int become_vm(const struct jail_args *a, const char *exec_name, int devnull_fd,
		     bool way_back, struct launch_times *t)
{
	char path[EXEC_NAME_MAX + 2];
	char **argv = calloc((size_t)a->n_extra + LAUNCH_FIXED_ARGS + 1, sizeof(*argv));
	char *const envp[] = { NULL };
	int ret;

	if (!argv)
		return -ENOMEM;
	snprintf(path, sizeof(path), "/%s", exec_name);
	launch_build_argv(a, path, t, argv);
	ret = devnull_fd >= 0 ? daemonize(devnull_fd) : 0;
	if (ret == 0)
		ret = privs_drop(a->uid, a->gid, way_back);
	if (ret == 0) {
		execve(path, argv, envp);
		ret = -errno;
		log_err("exec %s in the jail: %s", path, strerror(errno));
	}
	if (way_back && privs_regain())
		ret = -EPERM;
	free(argv);
	return ret;
}

static int write_pid_file(const char *exec_name, pid_t pid)
{
	char name[EXEC_NAME_MAX + 8], buf[24];
	int fd, n, ret = 0;

	snprintf(name, sizeof(name), "/%s.pid", exec_name);
	fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		log_err("cannot create %s in the jail: %s", name, strerror(errno));
		return ret;
	}
	n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (write(fd, buf, (size_t)n) != n) {
		ret = -EIO;
		log_err("cannot write %s in the jail", name);
	}
	close(fd);
	return ret;
}

/* The child waits for "go" (the pid file is written) before it execs, and
 * reports a failed exec through a close-on-exec pipe: EOF means success. */
static int launch_in_pid_ns(const struct jail_args *a, const char *exec_name, int devnull_fd,
			    struct launch_times *t)
{
	int go[2], status[2], child_err = 0, ret;
	ssize_t n;
	pid_t pid;
	char c;

	if (unshare(CLONE_NEWPID) < 0) {
		ret = -errno;
		log_err("--new-pid-ns: unshare(CLONE_NEWPID): %s", strerror(errno));
		return ret;
	}
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(status, O_CLOEXEC) < 0) {
		ret = -errno;
		close(go[0]);
		close(go[1]);
		return ret;
	}
	t->parent_cpu_us = clock_us(CLOCK_PROCESS_CPUTIME_ID) - t->start_cpu_us;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		log_err("--new-pid-ns: fork: %s", strerror(errno));
		close(go[0]), close(go[1]), close(status[0]), close(status[1]);
		return ret;
	}
	if (pid == 0) {
		close(go[1]);
		close(status[0]);
		/* A child's CPU clock starts at zero. */
		t->start_cpu_us = 0;
		ret = read(go[0], &c, 1) == 1 ? become_vm(a, exec_name, devnull_fd, false, t) :
						-ECANCELED;
		child_err = -ret;
		(void)!write(status[1], &child_err, sizeof(child_err));
		_exit(127);
	}
	close(go[0]);
	close(status[1]);
	ret = write_pid_file(exec_name, pid);
	if (ret == 0 && write(go[1], "g", 1) != 1)
		ret = -EPIPE;
	close(go[1]);
	if (ret == 0) {
		n = read(status[0], &child_err, sizeof(child_err));
		if (n > 0)
			ret = child_err > 0 ? -child_err : -EIO;
	}
	close(status[0]);
	if (ret == 0)
		return LAUNCH_PARENT_DONE;
	/* Said again here: a daemonized child's own log went to /dev/null.
	 * Reap it so that its cgroups are empty for the rollback. */
	log_err("the jailed process did not start: %s", strerror(-ret));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ret;
}

int launch(const struct jail_args *a, const char *exec_name, int devnull_fd,
	   struct launch_times *t)
{
	if (a->new_pid_ns)
		return launch_in_pid_ns(a, exec_name, devnull_fd, t);
	/* This process becomes the VM: it must be able to roll back itself. */
	return become_vm(a, exec_name, devnull_fd, true, t);
}
