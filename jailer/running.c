#include "running.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

pid_t running_jail_user(int root_fd)
{
	struct stat want, st;
	struct dirent *e;
	pid_t found = 0;
	DIR *d;

	if (fstat(root_fd, &want) < 0)
		return -errno;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char path[64];
		uint64_t pid;

		if (parse_u64_dec(e->d_name, INT32_MAX, &pid) || (pid_t)pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
		/* stat follows the magic link into that process's root. */
		if (stat(path, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino) {
			found = (pid_t)pid;
			break;
		}
	}
	closedir(d);
	return found;
}
