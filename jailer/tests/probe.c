/* probe: stands in for vmm-core under the jailer in the integration tests
 * until vmm-core serves its API.  It
 *   - spawns vmm-worker-probe from beside itself (dirname of argv[0]), as
 *     vmm-core spawns its workers, and collects the worker's report;
 *     With --keep-worker the worker outlives the probe;
 *   - listens on --api-sock PATH (default /run/probe.sock) and answers
 *     every connection with its own report and the worker's, then closes.
 * SIGTERM ends it (it may be PID 1 of a PID namespace, where signals
 * without a handler are ignored). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

static char worker_report[16384];
static size_t worker_len;
static pid_t worker_pid = -1;

static void on_term(int sig)
{
	(void)sig;
	if (worker_pid > 0)
		kill(worker_pid, SIGKILL);
	_exit(0);
}

static void spawn_worker(const char *self, bool orphan)
{
	char dir[256], path[300];
	int p[2];
	ssize_t n;

	snprintf(dir, sizeof(dir), "%s", self);
	dirname(dir);
	snprintf(path, sizeof(path), "%s/vmm-worker-probe", strcmp(dir, "/") ? dir : "");
	if (pipe(p) < 0)
		return;
	worker_pid = fork();
	if (worker_pid == 0) {
		char *const argv[] = { path, (char *)"--from-probe",
				       orphan ? (char *)"--orphan" : NULL, NULL };
		char *const envp[] = { NULL };

		close(p[0]);
		if (dup2(p[1], 3) < 0)
			_exit(126);
		if (p[1] != 3)
			close(p[1]);
		execve(path, argv, envp);
		dprintf(3, "worker.exec_error=%s %s\n", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while (worker_pid > 0 &&
	       (n = read(p[0], worker_report + worker_len,
			 sizeof(worker_report) - 1 - worker_len)) > 0)
		worker_len += (size_t)n;
	close(p[0]);
	if (worker_pid < 0)
		worker_len = (size_t)snprintf(worker_report, sizeof(worker_report),
					      "worker.exec_error=fork %s\n", strerror(errno));
}

static int serve(const char *sock_path, int argc, char *argv[])
{
	static char buf[65536];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return 1;
	strcpy(sa.sun_path, sock_path);
	unlink(sock_path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 16) < 0) {
		fprintf(stderr, "probe: cannot listen on %s: %s\n", sock_path, strerror(errno));
		return 1;
	}
	for (;;) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		size_t len;

		if (c < 0)
			continue;
		/* Fresh each time: the test changes the jail between calls. */
		len = report_self(buf, sizeof(buf), 0, "", argc, argv);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "worker_nspid=%d\n",
					(int)worker_pid);
		if (len + worker_len < sizeof(buf)) {
			memcpy(buf + len, worker_report, worker_len);
			len += worker_len;
		}
		(void)!write(c, buf, len);
		close(c);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

int main(int argc, char *argv[])
{
	const char *sock = "/run/probe.sock";
	bool orphan = false;

	signal(SIGTERM, on_term);
	/* Test clients may close before reading (readiness checks). */
	signal(SIGPIPE, SIG_IGN);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--api-sock") == 0 && i + 1 < argc)
			sock = argv[i + 1];
		orphan |= strcmp(argv[i], "--keep-worker") == 0;
	}
	spawn_worker(argv[0], orphan);
	return serve(sock, argc, argv);
}
