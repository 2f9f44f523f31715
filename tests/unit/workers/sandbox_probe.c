// SPDX-License-Identifier: Apache-2.0
/* sandbox-probe ACTION: enters the entropy worker's sandbox (the same code
 * and the same compiled policy as vmm-worker-rng), writes "ready\n" to
 * stdout, then does ACTION.  The test that runs it checks how it ends:
 * a forbidden call must end it with SIGSYS; one that returns exits 0.
 *
 *   open openat socket execve fork ptrace mount   a forbidden call
 *   mmap-exec fcntl-dupfd sendmsg-stdout           an allowed call with a
 *                                                  forbidden argument
 *   getrandom                                      an allowed call
 *   wait                                           read stdin until EOF
 */
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rng.h"

static void do_action(const char *a)
{
	static char *const argv[] = { "true", NULL };
	uint8_t buf[16];

	if (strcmp(a, "open") == 0)
		syscall(SYS_open, "/dev/null", O_RDONLY);
	else if (strcmp(a, "openat") == 0)
		openat(AT_FDCWD, "/dev/null", O_RDONLY);
	else if (strcmp(a, "socket") == 0)
		socket(AF_UNIX, SOCK_STREAM, 0);
	else if (strcmp(a, "execve") == 0)
		execve("/bin/true", argv, argv + 1);
	else if (strcmp(a, "fork") == 0)
		syscall(SYS_clone, 0 /* SIGCHLD-less fork */, 0, 0, 0, 0);
	else if (strcmp(a, "ptrace") == 0)
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	else if (strcmp(a, "mount") == 0)
		mount("none", "/", "tmpfs", 0, NULL);
	else if (strcmp(a, "mmap-exec") == 0)
		mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else if (strcmp(a, "fcntl-dupfd") == 0)
		fcntl(STDOUT_FILENO, F_DUPFD, 0);
	else if (strcmp(a, "sendmsg-stdout") == 0)
		sendmsg(STDOUT_FILENO, &(struct msghdr){ 0 }, 0);
	else if (strcmp(a, "getrandom") == 0)
		(void)!getrandom(buf, sizeof(buf), 0);
	else if (strcmp(a, "wait") == 0)
		while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
			;
	else
		_exit(2);
}

int main(int argc, char **argv)
{
	struct sandbox_config cfg = {
		.policy = &sandbox_policy_rng,
		.max_fds = 16,
		.no_file_writes = true,
		.seccomp_log = sandbox_log_mode_requested(),
	};

	if (argc != 2)
		return 2;
	log_set_prefix("sandbox-probe");
	tzset();	/* as the worker does: log lines need the time zone */
	if (sandbox_enter(&cfg))
		return 1;
	if (write(STDOUT_FILENO, "ready\n", 6) != 6)
		return 1;
	do_action(argv[1]);
	/* exit_group directly: no atexit work that could need more. */
	_exit(0);
}
