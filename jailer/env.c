#include "env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "parse.h"

static int close_from_proc(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		uint64_t fd;

		if (parse_u64_dec(e->d_name, INT32_MAX, &fd) || fd <= 2 || (int)fd == dirfd(d))
			continue;
		close((int)fd);
	}
	closedir(d);
	return 0;
}

int env_close_inherited_fds(void)
{
	int ret;

	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		nfd = open("/dev/null", O_RDWR);
		if (nfd < 0) {
			ret = -errno;
			log_err("cannot open /dev/null for fd %d: %s", fd, strerror(errno));
			return ret;
		}
		if (nfd != fd) {
			/* Lower fds are taken, so this can only be a higher one. */
			close(nfd);
			log_err("fd %d closed but /dev/null landed elsewhere", fd);
			return -EBADF;
		}
	}
	if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0)
		return 0;
	/* Kernels before 5.9 lack close_range. */
	if (errno != ENOSYS) {
		ret = -errno;
		log_err("close_range: %s", strerror(errno));
		return ret;
	}
	ret = close_from_proc();

	if (ret)
		log_err("closing inherited fds: %s", strerror(-ret));
	return ret;
}

int env_clear(void)
{
	if (clearenv() != 0) {
		log_err("clearenv failed");
		return -ENOMEM;
	}
	return 0;
}

void env_reset_signals(void)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* fails, harmlessly, for SIGKILL and SIGSTOP */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
