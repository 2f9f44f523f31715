#include "binaries.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

bool binaries_is_worker_name(const char *name)
{
	size_t plen = strlen(WORKER_PREFIX);
	size_t len = strnlen(name, EXEC_NAME_MAX + 1);

	/* Only letters, digits and '-' after the prefix: build trees hold
	 * "vmm-worker-blk.p/" object folders and editors leave "~" files. */
	if (len <= plen || len > EXEC_NAME_MAX || strncmp(name, WORKER_PREFIX, plen) != 0)
		return false;
	for (size_t i = plen; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

static int open_binary(int dir_fd, const char *dir, const char *name, struct binary *b)
{
	struct stat st;
	int fd, ret;

	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		if (errno == ELOOP)
			log_err("%s/%s is a symlink: give the file itself", dir, name);
		else
			log_err("cannot open %s/%s: %s", dir, name, strerror(errno));
		return ret;
	}
	/* Checks on the open file, not the name, so nothing can be swapped in
	 * between the check and the copy. */
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		log_err("fstat %s/%s: %s", dir, name, strerror(errno));
		goto err;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode)) {
		log_err("%s/%s is not a regular file", dir, name);
		goto err;
	}
	if (st.st_nlink != 1) {
		log_err("%s/%s has %lu hard links: refusing a multiply-linked file", dir, name,
			(unsigned long)st.st_nlink);
		goto err;
	}
	if (!(st.st_mode & S_IXUSR)) {
		log_err("%s/%s is not executable", dir, name);
		goto err;
	}
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->fd = fd;
	b->mode = st.st_mode & 0755;
	b->size = st.st_size;
	return 0;
err:
	close(fd);
	return ret;
}

static int cmp_binary(const void *a, const void *b)
{
	return strcmp(((const struct binary *)a)->name, ((const struct binary *)b)->name);
}

static int open_workers(int dir_fd, const char *dir, const char *exec_name,
			struct binary_set *set)
{
	int fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		log_err("cannot list %s: %s", dir, strerror(-ret));
		return ret;
	}
	while ((e = readdir(d))) {
		if (!binaries_is_worker_name(e->d_name) || strcmp(e->d_name, exec_name) == 0)
			continue;
		if (set->n_workers == MAX_WORKERS) {
			log_err("%s holds more than %d worker binaries", dir, MAX_WORKERS);
			ret = -E2BIG;
			break;
		}
		ret = open_binary(dir_fd, dir, e->d_name, &set->workers[set->n_workers]);
		if (ret)
			break;
		set->n_workers++;
	}
	closedir(d);
	qsort(set->workers, set->n_workers, sizeof(set->workers[0]), cmp_binary);
	return ret;
}

int binaries_open(const char *dir, const char *name, struct binary_set *set)
{
	int dir_fd, ret;

	memset(set, 0, sizeof(*set));
	set->exec.fd = -1;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		ret = -errno;
		log_err("exec file %s/%s: cannot open its directory: %s", dir, name, strerror(errno));
		return ret;
	}
	ret = open_binary(dir_fd, dir, name, &set->exec);
	if (ret == 0)
		ret = open_workers(dir_fd, dir, name, set);
	close(dir_fd);
	if (ret)
		binaries_close(set);
	return ret;
}

static int copy_one(const struct binary *b, int root_fd)
{
	off_t off = 0;
	int out, ret = 0;

	out = openat(root_fd, b->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
	if (out < 0) {
		ret = -errno;
		log_err("cannot create %s in the jail: %s", b->name, strerror(errno));
		return ret;
	}
	/* Exactly the size seen at open time: a file that changes while we
	 * copy it is an error, not a partial program. */
	while (off < b->size) {
		ssize_t n = sendfile(out, b->fd, &off, (size_t)(b->size - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			log_err("copying %s into the jail: %s", b->name,
				n < 0 ? strerror(errno) : "file shrank while copying");
			goto out;
		}
	}
	if (fchmod(out, b->mode) < 0) {
		ret = -errno;
		log_err("chmod %s in the jail: %s", b->name, strerror(errno));
	}
out:
	close(out);
	return ret;
}

int binaries_copy(const struct binary_set *set, int root_fd)
{
	int ret = copy_one(&set->exec, root_fd);

	for (size_t i = 0; ret == 0 && i < set->n_workers; i++)
		ret = copy_one(&set->workers[i], root_fd);
	return ret;
}

void binaries_close(struct binary_set *set)
{
	if (set->exec.fd >= 0)
		close(set->exec.fd);
	set->exec.fd = -1;
	for (size_t i = 0; i < set->n_workers; i++)
		close(set->workers[i].fd);
	set->n_workers = 0;
}
