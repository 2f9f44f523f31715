#include "exec_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"

static int copy_str(char *out, size_t out_len, const char *s)
{
	int n = snprintf(out, out_len, "%s", s);

	return n < 0 || (size_t)n >= out_len ? -ENAMETOOLONG : 0;
}

static int try_candidate(const char *dir, size_t dir_len, const char *word,
			 char *out, size_t out_len)
{
	struct stat st;
	int n;

	if (dir_len == 0)
		n = snprintf(out, out_len, "./%s", word);
	else
		n = snprintf(out, out_len, "%.*s/%s", (int)dir_len, dir, word);
	if (n < 0 || (size_t)n >= out_len)
		return -ENAMETOOLONG;
	if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
		return 0;
	return -ENOENT;
}

int exec_resolve(const char *word, const char *path_env, char *out, size_t out_len)
{
	const char *p;

	if (word[0] == '\0')
		return -ENOENT;
	if (strchr(word, '/'))
		return copy_str(out, out_len, word);
	p = path_env ? path_env : EXEC_DEFAULT_PATH;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		int ret = try_candidate(p, len, word, out, out_len);

		if (ret == 0)
			return 0;
		if (!colon)
			break;
		p = colon + 1;
	}
	return -ENOENT;
}

int exec_split(const char *path, char *dir, size_t dir_len, char *name, size_t name_len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int n;

	if (!path_name_valid(base, EXEC_NAME_MAX) || strlen(base) >= name_len)
		return -EINVAL;
	if (!slash)
		n = snprintf(dir, dir_len, ".");
	else if (slash == path)
		n = snprintf(dir, dir_len, "/");
	else
		n = snprintf(dir, dir_len, "%.*s", (int)(slash - path), path);
	if (n < 0 || (size_t)n >= dir_len)
		return -EINVAL;
	memcpy(name, base, strlen(base) + 1);
	return 0;
}
