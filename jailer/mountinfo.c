#include "mountinfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Decodes the kernel's \ooo escapes into dst (size dst_len). */
static int unescape(const char *src, char *dst, size_t dst_len)
{
	size_t o = 0;

	for (const char *s = src; *s; s++) {
		char c = *s;

		if (c == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			c = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		}
		if (o + 1 >= dst_len)
			return -ENAMETOOLONG;
		dst[o++] = c;
	}
	dst[o] = '\0';
	return 0;
}

static int copy_field(const char *src, char *dst, size_t dst_len)
{
	size_t len = strlen(src);

	if (len >= dst_len)
		return -ENAMETOOLONG;
	memcpy(dst, src, len + 1);
	return 0;
}

int mountinfo_parse_line(char *line, struct mount_entry *e)
{
	char *fields[64];
	size_t n = 0, sep;
	char *save = NULL;

	for (char *tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		if (n == sizeof(fields) / sizeof(fields[0]))
			return -EINVAL;
		fields[n++] = tok;
	}
	/* id parent major:minor root point options [optional...] - type source superopts */
	for (sep = 6; sep < n && strcmp(fields[sep], "-") != 0; sep++)
		;
	if (n < 10 || sep + 3 >= n)
		return -EINVAL;
	if (unescape(fields[3], e->root, sizeof(e->root)) ||
	    unescape(fields[4], e->point, sizeof(e->point)) ||
	    copy_field(fields[sep + 1], e->fstype, sizeof(e->fstype)) ||
	    copy_field(fields[sep + 3], e->super_opts, sizeof(e->super_opts)))
		return -EINVAL;
	return 0;
}

int mountinfo_each(FILE *f, int (*cb)(const struct mount_entry *e, void *arg), void *arg)
{
	struct mount_entry *e = malloc(sizeof(*e));
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (!e)
		return -ENOMEM;
	while (getline(&line, &cap, f) > 0) {
		if (mountinfo_parse_line(line, e))
			continue;
		ret = cb(e, arg);
		if (ret)
			break;
	}
	free(line);
	free(e);
	return ret;
}

int mountinfo_scan(const char *path, int (*cb)(const struct mount_entry *e, void *arg), void *arg)
{
	FILE *mi = fopen(path, "re");
	int ret;

	if (!mi) {
		ret = -errno;
		log_err("cannot read %s: %s", path, strerror(errno));
		return ret;
	}
	ret = mountinfo_each(mi, cb, arg);
	fclose(mi);
	return ret;
}
