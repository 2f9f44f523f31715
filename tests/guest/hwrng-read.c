// SPDX-License-Identifier: Apache-2.0
/*
 * hwrng-read: read bytes from the guest's hardware RNG (virtio-rng).
 *
 *   hwrng-read [-t SECONDS] [-d DEVICE] BYTES
 *
 * Reads BYTES bytes (1 .. 64 MiB) from DEVICE (default /dev/hwrng) and
 * prints
 *
 *   @@ HWRNG <bytes read> <number of distinct byte values seen>
 *
 * 4096 random bytes show all 256 values with overwhelming probability; a
 * device that hands out zeros or a repeating pattern shows few. Exits 0 when
 * all BYTES were read, 1 on an error, a short read (end of file) or when
 * SECONDS (default 60) pass first: a device that never answers must not hang
 * the test. Whatever was read is still reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "marker.h"

#define MAX_BYTES (64UL << 20)

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
}

static int parse_ulong(const char *s, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: hwrng-read [-t SECONDS] [-d DEVICE] BYTES\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dev = "/dev/hwrng";
	unsigned long want, secs = 60, got = 0;
	unsigned char buf[4096], seen[256] = { 0 };
	struct sigaction sa;
	struct itimerval timer;
	unsigned distinct = 0;
	int opt, fd, rc = 0;

	while ((opt = getopt(argc, argv, "t:d:")) != -1) {
		switch (opt) {
		case 't':
			if (parse_ulong(optarg, 1, 3600, &secs) < 0)
				usage();
			break;
		case 'd':
			dev = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1 || parse_ulong(argv[optind], 1, MAX_BYTES, &want) < 0)
		usage();

	/* No SA_RESTART: the alarm interrupts a blocked read with EINTR. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	if (sigemptyset(&sa.sa_mask) < 0 || sigaction(SIGALRM, &sa, NULL) < 0) {
		perror("hwrng-read: sigaction");
		return 1;
	}
	/* Kernels without CONFIG_POSIX_TIMERS (tinyconfig) have no timers:
	 * read without a timeout there and say so. */
	memset(&timer, 0, sizeof(timer));
	timer.it_value.tv_sec = (time_t)secs;
	if (setitimer(ITIMER_REAL, &timer, NULL) < 0)
		fprintf(stderr, "hwrng-read: no timeout: setitimer: %s\n", strerror(errno));

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "hwrng-read: open %s: %s\n", dev, strerror(errno));
		return 1;
	}
	while (got < want && !timed_out) {
		size_t chunk = want - got < sizeof(buf) ? want - got : sizeof(buf);
		ssize_t n = read(fd, buf, chunk);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "hwrng-read: read %s after %lu bytes: %s\n",
				dev, got, strerror(errno));
			rc = 1;
			break;
		}
		if (n == 0) {
			fprintf(stderr, "hwrng-read: end of file on %s after %lu bytes\n",
				dev, got);
			rc = 1;
			break;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (!seen[buf[i]]) {
				seen[buf[i]] = 1;
				distinct++;
			}
		}
		got += (unsigned long)n;
	}
	memset(&timer, 0, sizeof(timer));
	setitimer(ITIMER_REAL, &timer, NULL);
	if (got < want && timed_out) {
		fprintf(stderr, "hwrng-read: timed out after %lu s with %lu of %lu bytes\n",
			secs, got, want);
		rc = 1;
	}
	close(fd);
	if (marker("HWRNG %lu %u", got, distinct) < 0)
		rc = 1;
	return rc;
}
