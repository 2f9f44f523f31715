#include "parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int parse_u64_dec(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	size_t len = strlen(s);
	char *end;

	/* strtoull alone would accept " 7", "+7", "-7" (wrapped) and "0x7". */
	if (len == 0 || len > 20 || strspn(s, "0123456789") != len)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0')
		return -ERANGE;
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool is_alnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool jail_id_valid(const char *id)
{
	size_t len = strnlen(id, JAIL_ID_MAX + 1);

	/* Firecracker's rule, plus: no '-' first, or "--id --help" would
	 * reach the exec file as an option. */
	if (len == 0 || len > JAIL_ID_MAX || id[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_alnum_ascii(id[i]) && id[i] != '-')
			return false;
	return true;
}

static bool name_char_ok(char c)
{
	return is_alnum_ascii(c) || c == '-' || c == '_' || c == '.';
}

bool path_name_valid(const char *name, size_t max_len)
{
	size_t len = strnlen(name, max_len + 1);

	if (len == 0 || len > max_len || name[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char_ok(name[i]))
			return false;
	return true;
}

bool rel_path_valid(const char *path, size_t max_len)
{
	size_t len = strnlen(path, max_len + 1);
	size_t start = 0;

	if (len == 0 || len > max_len)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && path[i] != '/') {
			if (!name_char_ok(path[i]))
				return false;
			continue;
		}
		/* A component ends at i: it must be non-empty and not start
		 * with '.', which rules out "." and "..". */
		if (i == start || path[start] == '.')
			return false;
		start = i + 1;
	}
	return true;
}

bool list_has(const char *list, char sep, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == wlen && strncmp(p, word, len) == 0)
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}
