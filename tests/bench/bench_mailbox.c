/* bench-mailbox: round trip of a forwarded register read, core -> worker
 * -> core, through the real mailbox code on both sides (the core's
 * mbox_client, the worker library's mbox_process) in two processes, next
 * to the two floors it is built from: an eventfd ping-pong and a
 * shared-memory spin ping-pong between two processes.
 *
 *   bench-mailbox [ITERATIONS]
 *
 * Prints one line per case: name, p50 and p99 in microseconds, and for the
 * mailbox cases a "#" line with the client's counters.  The two processes
 * are pinned to different CPUs (0 and 1) when there are two.
 *
 * Spin mode is the configuration the issue targets: the vCPU side spins
 * SPIN_US on the reply (mbox_client spin_ns) and the worker side polls the
 * ring SPIN_US after each batch (mbox_set_poll, a worker's
 * --mailbox-spin-us).  Sleep mode: neither spins. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mailbox.h"
#include "mbox_client.h"

#define WARMUP 1000
/* Spin mode: how long each side spins before it sleeps.  The vCPU side
 * (spin_ns) and the worker side (--mailbox-spin-us) both. */
#define SPIN_US 50

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *lat, unsigned int n)
{
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("%-28s p50 %8.2f us   p99 %8.2f us\n", name, (double)lat[n / 2] / 1000.0,
	       (double)lat[(size_t)n * 99 / 100] / 1000.0);
	fflush(stdout);
}

static pid_t child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		pin(1);
		fn(arg);
		_exit(0);
	}
	pin(0);
	return pid;
}

static void finish(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- eventfd ping-pong ---- */

struct efd_pair {
	int ping, pong;
};

static void efd_echo(void *arg)
{
	struct efd_pair *p = arg;
	eventfd_t v;

	for (;;) {
		if (eventfd_read(p->ping, &v) < 0 || eventfd_write(p->pong, 1) < 0)
			return;
	}
}

static void bench_eventfd(uint64_t *lat, unsigned int n)
{
	struct efd_pair p = { eventfd(0, 0), eventfd(0, 0) };
	pid_t pid = child(efd_echo, &p);
	eventfd_t v;

	for (unsigned int i = 0; i < n + WARMUP; i++) {
		uint64_t t0 = now_ns();

		eventfd_write(p.ping, 1);
		eventfd_read(p.pong, &v);
		if (i >= WARMUP)
			lat[i - WARMUP] = now_ns() - t0;
	}
	finish(pid);
	report("eventfd ping-pong", lat, n);
}

/* ---- shared-memory spin ping-pong ---- */

static void spin_echo(void *arg)
{
	_Atomic uint64_t *w = arg;
	uint64_t seen = 0;

	for (;;) {
		uint64_t v = atomic_load_explicit(&w[0], memory_order_acquire);

		if (v != seen) {
			seen = v;
			atomic_store_explicit(&w[8], v, memory_order_release);
		}
	}
}

static void bench_spin(uint64_t *lat, unsigned int n)
{
	_Atomic uint64_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				   -1, 0);
	pid_t pid = child(spin_echo, (void *)w);

	for (unsigned int i = 1; i <= n + WARMUP; i++) {
		uint64_t t0 = now_ns();

		atomic_store_explicit(&w[0], i, memory_order_release);
		while (atomic_load_explicit(&w[8], memory_order_acquire) != i)
			__builtin_ia32_pause();
		if (i > WARMUP)
			lat[i - 1 - WARMUP] = now_ns() - t0;
	}
	finish(pid);
	munmap((void *)w, 4096);
	report("shared-memory spin ping-pong", lat, n);
}

/* ---- the mailbox, worker side in a child process ---- */

struct consumer {
	struct mbox mb;
	uint32_t reg;
};

static void access_reg(void *opaque, uint8_t bar, uint64_t offset, uint32_t size, bool write,
		       uint64_t *data)
{
	struct consumer *k = opaque;

	(void)bar;
	(void)offset;
	(void)size;
	if (write)
		k->reg = (uint32_t)*data;
	else
		*data = k->reg;
}

/* What a worker's event loop does: sleep on the request eventfd, then
 * serve (and, in spin mode, keep polling for a while: mbox_set_poll). */
static void consume(void *arg)
{
	struct consumer *k = arg;

	for (;;) {
		struct pollfd p = { .fd = k->mb.req_fd, .events = POLLIN };

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return;
		if (mbox_process(&k->mb) < 0)
			return;
	}
}

static void bench_mailbox(uint64_t *lat, unsigned int n, bool spin)
{
	struct mbox_client_params params = { .deadline_ms = 1000,
					     .spin_ns = spin ? SPIN_US * 1000 : 0 };
	struct mbox_client c;
	struct consumer k = { .reg = 0x1234 };
	int fds[3];
	pid_t pid;

	if (mbox_client_init(&c, "bench", &params)) {
		fprintf(stderr, "cannot create the mailbox\n");
		exit(1);
	}
	mbox_client_fds(&c, fds);
	if (mbox_attach(&k.mb, dup(fds[0]), MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION, dup(fds[1]),
			dup(fds[2]), 0x1000, access_reg, &k)) {
		fprintf(stderr, "cannot attach the mailbox\n");
		exit(1);
	}
	mbox_set_poll(&k.mb, spin ? SPIN_US : 0);
	pid = child(consume, &k);
	for (unsigned int i = 0; i < n + WARMUP; i++) {
		uint64_t t0 = now_ns(), v;

		if (mbox_client_read(&c, 0, 0x10, 4, &v) || v != 0x1234) {
			fprintf(stderr, "forwarded read failed\n");
			exit(1);
		}
		if (i >= WARMUP)
			lat[i - WARMUP] = now_ns() - t0;
	}
	finish(pid);
	report(spin ? "mailbox read, spin mode" : "mailbox read, sleep mode", lat, n);
	printf("# %s: %u reads, %" PRIu64 " posted without a kick, %" PRIu64
	       " slept on the reply eventfd\n", spin ? "spin" : "sleep", n + WARMUP,
	       atomic_load(&c.stats.kicks_saved), atomic_load(&c.stats.sleeps));
	mbox_detach(&k.mb);
	mbox_client_destroy(&c);
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 20000;
	uint64_t *lat;

	if (n < 100 || n > 10000000) {
		fprintf(stderr, "usage: %s [ITERATIONS >= 100]\n", argv[0]);
		return 2;
	}
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		return 1;
	bench_eventfd(lat, n);
	bench_mailbox(lat, n, false);
	bench_spin(lat, n);
	bench_mailbox(lat, n, true);
	free(lat);
	return 0;
}
