#include "rlimits.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"

static int set_limit(int resource, const char *name, uint64_t value)
{
	struct rlimit r = { .rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)value };

	if (setrlimit(resource, &r) < 0) {
		int ret = -errno;

		log_err("--resource-limit %s=%llu: %s%s", name, (unsigned long long)value,
			strerror(-ret),
			resource == RLIMIT_NOFILE && errno == EPERM ?
				" (above /proc/sys/fs/nr_open?)" : "");
		return ret;
	}
	return 0;
}

int rlimits_apply(const struct jail_rlimits *rl)
{
	int ret = set_limit(RLIMIT_NOFILE, "no-file",
			    rl->nofile_set ? rl->nofile : JAIL_DEFAULT_NOFILE);

	if (ret == 0 && rl->fsize_set)
		ret = set_limit(RLIMIT_FSIZE, "fsize", rl->fsize);
	return ret;
}
