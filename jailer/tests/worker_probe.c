/* vmm-worker-probe: stands in for a device worker that vmm-core spawns from
 * beside itself.  Writes its view of the jail to fd 3 (a pipe to the
 * probe), then stays alive, as a worker would, until its parent dies --
 * or, with --orphan, on its own (a worker that outlives vmm-core). */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "report.h"

int main(int argc, char *argv[])
{
	static char buf[16384];
	size_t len = report_self(buf, sizeof(buf), 0, "worker.", argc, argv);

	if (write(3, buf, len) != (ssize_t)len)
		return 1;
	close(3);
	if (argc < 3 || strcmp(argv[2], "--orphan") != 0)
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Bounded, so that a test that forgets it cannot leak it for long. */
	sleep(600);
	return 0;
}
