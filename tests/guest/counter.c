// SPDX-License-Identifier: Apache-2.0
/*
 * counter: print an increasing number every 100 ms.
 *
 *   counter SECONDS
 *
 * Prints `@@ COUNTER <n> <ms>` for n = 1, 2, ... where ms is the guest's
 * CLOCK_MONOTONIC time since the start, SECONDS * 10 times (SECONDS = 0:
 * forever). Ticks are on absolute 100 ms deadlines; when the guest falls
 * behind (it was paused, or the host is slow) the schedule restarts from
 * now instead of printing a burst of late ticks, so a pause shows as a gap
 * in ms while n stays consecutive. Used by pause/resume tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "marker.h"

#define PERIOD_NS 100000000L

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static long long ms_between(const struct timespec *from, const struct timespec *to)
{
	return (long long)(to->tv_sec - from->tv_sec) * 1000 +
	       (to->tv_nsec - from->tv_nsec) / 1000000;
}

int main(int argc, char **argv)
{
	struct timespec start, next, now;
	unsigned long long ticks, n;
	unsigned long secs;
	char *end;

	if (argc != 2 || argv[1][0] < '0' || argv[1][0] > '9') {
		fprintf(stderr, "usage: counter SECONDS (0: forever)\n");
		return 2;
	}
	errno = 0;
	secs = strtoul(argv[1], &end, 10);
	if (errno || *end || secs > 86400) {
		fprintf(stderr, "counter: bad SECONDS '%s' (0..86400)\n", argv[1]);
		return 2;
	}
	ticks = (unsigned long long)secs * 10;

	if (clock_gettime(CLOCK_MONOTONIC, &start) < 0) {
		perror("counter: clock_gettime");
		return 1;
	}
	next = start;
	for (n = 1; ticks == 0 || n <= ticks; n++) {
		int err;

		add_ns(&next, PERIOD_NS);
		do
			err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		while (err == EINTR);
		if (err) {
			fprintf(stderr, "counter: clock_nanosleep: %s\n", strerror(err));
			return 1;
		}
		if (clock_gettime(CLOCK_MONOTONIC, &now) < 0) {
			perror("counter: clock_gettime");
			return 1;
		}
		/* More than a period late: restart the schedule from now. */
		{
			struct timespec late = next;

			add_ns(&late, PERIOD_NS);
			if (before(&late, &now))
				next = now;
		}
		if (marker("COUNTER %llu %lld", n, ms_between(&start, &now)) < 0)
			return 1;
	}
	return 0;
}
