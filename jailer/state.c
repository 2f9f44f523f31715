#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

int state_create(int id_fd)
{
	int fd = openat(id_fd, STATE_FILE,
			O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		int ret = -errno;

		log_err("cannot create %s: %s", STATE_FILE, strerror(errno));
		return ret;
	}
	return fd;
}

int state_add_cgroup(int state_fd, const char *path)
{
	char line[PATH_MAX + 16];
	int n = snprintf(line, sizeof(line), "cgroup %s\n", path);

	if (n < 0 || (size_t)n >= sizeof(line) || strchr(path, '\n'))
		return -EINVAL;
	if (write(state_fd, line, (size_t)n) != n) {
		int ret = errno ? -errno : -EIO;

		log_err("cannot record cgroup %s in %s: %s", path, STATE_FILE, strerror(-ret));
		return ret;
	}
	return 0;
}

static bool path_is_clean(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; *c; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0')))
			return false;
	}
	return true;
}

static bool ends_with_id(const char *p, const char *id)
{
	size_t plen = strlen(p), ilen = strlen(id);

	return plen > ilen && p[plen - ilen - 1] == '/' && strcmp(p + plen - ilen, id) == 0;
}

int state_parse(const char *text, const char *id, struct jail_state *st)
{
	const char *line = text;
	int lineno = 0;

	st->n_cgroups = 0;
	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *path = line + 7;
		size_t plen;

		lineno++;
		if (len < 8 || strncmp(line, "cgroup ", 7) != 0 || len - 7 >= PATH_MAX ||
		    st->n_cgroups == CG_MAX_HIER) {
			log_err("%s line %d is not a cgroup record", STATE_FILE, lineno);
			return -EINVAL;
		}
		plen = len - 7;
		memcpy(st->cgroups[st->n_cgroups], path, plen);
		st->cgroups[st->n_cgroups][plen] = '\0';
		if (!path_is_clean(st->cgroups[st->n_cgroups]) ||
		    !ends_with_id(st->cgroups[st->n_cgroups], id)) {
			log_err("%s line %d: %s is not a cgroup of VM %s", STATE_FILE, lineno,
				st->cgroups[st->n_cgroups], id);
			return -EINVAL;
		}
		st->n_cgroups++;
		if (!end)
			break;
		line = end + 1;
	}
	return 0;
}

int state_read(int id_fd, const char *id, struct jail_state *st)
{
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd, ret;

	st->n_cgroups = 0;
	fd = openat(id_fd, STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	buf = malloc(STATE_MAX_BYTES + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, STATE_MAX_BYTES - len)) > 0)
		len += (size_t)n;
	ret = n < 0 ? -errno : 0;
	close(fd);
	if (ret == 0) {
		buf[len] = '\0';
		ret = strlen(buf) == len ? state_parse(buf, id, st) : -EINVAL;
	}
	free(buf);
	return ret;
}
