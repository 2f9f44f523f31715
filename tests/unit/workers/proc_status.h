/* Reads one field of /proc/PID/status for the sandbox tests. */
#ifndef SPLITVM_TESTS_PROC_STATUS_H
#define SPLITVM_TESTS_PROC_STATUS_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

/* Copies the value of field (e.g. "CapEff") into out; 0, or -1 when the
 * file or the field is missing. */
static inline int proc_status_field(pid_t pid, const char *field, char *out, size_t len)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	FILE *f;
	int ret = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			char *v = line + flen + 1;

			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, len, "%s", v);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

#endif
