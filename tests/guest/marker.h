/* SPDX-License-Identifier: Apache-2.0 */
/*
 * marker(): print one `@@ ...` line for the test harness.
 *
 * The line is formatted first and written with a single write(2) to stdout
 * (the serial console in a test guest), so it is never split between stdio
 * buffer flushes and always starts at the beginning of a line.
 */
#ifndef SPLITVM_GUEST_MARKER_H
#define SPLITVM_GUEST_MARKER_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((format(printf, 1, 2)))
static inline int marker(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	size_t len, off = 0;
	int n;

	line[0] = '@';
	line[1] = '@';
	line[2] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(line + 3, sizeof(line) - 4, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 4)
		return -1;
	len = 3 + (size_t)n;
	line[len++] = '\n';
	while (off < len) {
		ssize_t w = write(STDOUT_FILENO, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

#endif
