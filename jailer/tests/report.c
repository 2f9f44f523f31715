#include "report.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static size_t add(char *buf, size_t len, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t add(char *buf, size_t len, size_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (off >= len)
		return off;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, len - off, fmt, ap);
	va_end(ap);
	if (n < 0)
		return off;
	return off + (size_t)n < len ? off + (size_t)n : len - 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a,b,c": the sorted entries of dir, or "-" when it cannot be read. */
static size_t add_listing(char *buf, size_t len, size_t off, const char *key, const char *dir)
{
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return add(buf, len, off, "%s=-\n", key);
	while ((e = readdir(d)) && n < 256) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	off = add(buf, len, off, "%s=", key);
	for (size_t i = 0; i < n; i++) {
		off = add(buf, len, off, "%s%s", i ? "," : "", names[i] ? names[i] : "?");
		free(names[i]);
	}
	return add(buf, len, off, "\n");
}

size_t report_self(char *buf, size_t len, size_t off, const char *p, int argc,
		   char *const argv[])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct cap[_LINUX_CAPABILITY_U32S_3] = { 0 };
	struct rlimit nofile, fsize;
	int nenv = 0, bnd = 0;
	char cwd[256];

	syscall(SYS_capget, &hdr, cap);
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bnd++;
	for (char **e = environ; e && *e; e++)
		nenv++;
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_FSIZE, &fsize);
	if (!getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), "-");

	off = add(buf, len, off, "%spid=%d\n%sppid=%d\n", p, getpid(), p, getppid());
	off = add(buf, len, off, "%suid=%u\n%sgid=%u\n%seuid=%u\n%segid=%u\n%sgroups=%d\n",
		  p, getuid(), p, getgid(), p, geteuid(), p, getegid(), p, getgroups(0, NULL));
	off = add(buf, len, off, "%scapeff=%08x%08x\n%scapprm=%08x%08x\n%scapbnd=%d\n",
		  p, cap[1].effective, cap[0].effective, p, cap[1].permitted, cap[0].permitted,
		  p, bnd);
	off = add(buf, len, off, "%snnp=%d\n%senv=%d\n%scwd=%s\n", p,
		  prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), p, nenv, p, cwd);
	off = add(buf, len, off, "%snofile=%llu/%llu\n%sfsize=%lld\n", p,
		  (unsigned long long)nofile.rlim_cur, (unsigned long long)nofile.rlim_max, p,
		  fsize.rlim_cur == RLIM_INFINITY ? -1LL : (long long)fsize.rlim_cur);
	off = add(buf, len, off, "%sproc=%d\n", p, access("/proc/self", F_OK) == 0);
	off = add(buf, len, off, "%sfds=", p);
	for (int fd = 0, first = 1; fd < 1024; fd++) {
		if (fcntl(fd, F_GETFD) >= 0) {
			off = add(buf, len, off, "%s%d", first ? "" : ",", fd);
			first = 0;
		}
	}
	off = add(buf, len, off, "\n%sargv=", p);
	for (int i = 0; i < argc; i++)
		off = add(buf, len, off, "%s%s", i ? " " : "", argv[i]);
	off = add(buf, len, off, "\n");
	{
		char key[64];

		snprintf(key, sizeof(key), "%sroot", p);
		off = add_listing(buf, len, off, key, "/");
		snprintf(key, sizeof(key), "%sdev", p);
		off = add_listing(buf, len, off, key, "/dev");
	}
	return off;
}
