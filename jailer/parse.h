/* Strict parsers for the jailer's command-line values.  Every argument is
 * hostile: numbers are plain decimal digits only (no sign, no blanks, no
 * 0x), checked for overflow; names are checked against a small alphabet so
 * that they can be used as path components. */
#ifndef SPLITVM_JAILER_PARSE_H
#define SPLITVM_JAILER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses s as a decimal number no larger than max.  Returns 0, -EINVAL for
 * anything but 1..20 digits, -ERANGE above max. */
int parse_u64_dec(const char *s, uint64_t max, uint64_t *out);

/* True for a VM id: 1..JAIL_ID_MAX letters, digits and '-', not starting
 * with '-'. */
bool jail_id_valid(const char *id);

/* True for a single path component made of letters, digits, '-', '_' and
 * '.', not starting with '.', at most max_len bytes. */
bool path_name_valid(const char *name, size_t max_len);

/* True for a relative path of path_name_valid() components separated by
 * single '/', at most max_len bytes (no "..", no leading or trailing '/'). */
bool rel_path_valid(const char *path, size_t max_len);

/* True when list (items separated by sep) holds word as a whole item:
 * "rw,cpu,cpuacct" holds "cpu", not "cpua". */
bool list_has(const char *list, char sep, const char *word);

#define JAIL_ID_MAX 64

#endif
