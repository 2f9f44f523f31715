// SPDX-License-Identifier: Apache-2.0
/*
 * guest-info: report what the guest kernel sees, as `@@` markers on stdout.
 *
 *   @@ CPUS <online cpus>
 *   @@ MEMTOTAL_KB <MemTotal from /proc/meminfo>
 *   @@ UPTIME <seconds since boot, from /proc/uptime>
 *
 * Runs inside the test initramfs (static, no libraries). Any value it cannot
 * read is reported on stderr and makes it exit 1; the others are still
 * printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "marker.h"

/* Number of "processor" lines in /proc/cpuinfo: the fallback when sysfs is
 * not mounted (glibc's sysconf reads /sys/devices/system/cpu/online). */
static long cpus_from_cpuinfo(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "processor", 9) == 0 &&
		    (line[9] == ' ' || line[9] == '\t' || line[9] == ':'))
			n++;
	if (ferror(f))
		n = -1;
	fclose(f);
	return n > 0 ? n : -1;
}

static int report_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n <= 0)
		n = cpus_from_cpuinfo();
	if (n <= 0) {
		fprintf(stderr, "guest-info: cannot count CPUs\n");
		return -1;
	}
	return marker("CPUS %ld", n);
}

static int report_memtotal(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[256];
	unsigned long long kb = 0;
	int found = 0;

	if (!f) {
		fprintf(stderr, "guest-info: /proc/meminfo: %s\n", strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			found = 1;
	fclose(f);
	if (!found || kb == 0) {
		fprintf(stderr, "guest-info: no MemTotal in /proc/meminfo\n");
		return -1;
	}
	return marker("MEMTOTAL_KB %llu", kb);
}

static int report_uptime(void)
{
	FILE *f = fopen("/proc/uptime", "re");
	char up[32];
	int n;

	if (!f) {
		fprintf(stderr, "guest-info: /proc/uptime: %s\n", strerror(errno));
		return -1;
	}
	/* Copied as text: the kernel prints it with two decimals. */
	n = fscanf(f, "%31[0-9.]", up);
	fclose(f);
	if (n != 1) {
		fprintf(stderr, "guest-info: cannot parse /proc/uptime\n");
		return -1;
	}
	return marker("UPTIME %s", up);
}

int main(int argc, char **argv)
{
	int rc = 0;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: guest-info\n");
		return 2;
	}
	if (report_cpus() < 0)
		rc = 1;
	if (report_memtotal() < 0)
		rc = 1;
	if (report_uptime() < 0)
		rc = 1;
	return rc;
}
