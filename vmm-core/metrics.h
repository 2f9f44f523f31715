/* VMM metrics as JSON lines: one object per flush (PUT /actions
 * FlushMetrics, the periodic timer, and at exit) appended to the metrics
 * path configured through PUT /metrics, the config file or --metrics-path.
 * Counters are cumulative since the process started: vCPU exits by kind,
 * API requests by route and status, serial bytes, and the boot time the
 * guest reported through the boot timer.  Other parts of the core add
 * their own top-level sections (metrics_add_section). */
#ifndef SPLITVM_METRICS_H
#define SPLITVM_METRICS_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct vm_config;
struct vcpu;

#define METRICS_MAX_ROUTES 64
#define METRICS_PERIOD_S   60
#define METRICS_MAX_SECTIONS 8
#define METRICS_SECTION_NAME_MAX 32   /* NUL included */

struct metrics_route {
	char route[48];           /* "PUT /drives" (ids dropped) */
	int status;
	uint64_t count;
};

/* Builds one section's JSON for a line; returns a new reference, or NULL
 * to leave the section out of that line. */
typedef json_t *(*metrics_section_fn)(void *opaque);

struct metrics_section {
	char name[METRICS_SECTION_NAME_MAX];
	metrics_section_fn fn;
	void *opaque;
};

struct metrics {
	pthread_mutex_t lock;
	const struct vm_config *cfg;   /* metrics.metrics_path read at flush */
	int fd;
	char *open_path;          /* what fd refers to */
	uint64_t start_ns;
	_Atomic uint64_t boot_time_us;
	struct vcpu *vcpus;
	unsigned int n_vcpus;
	struct metrics_route routes[METRICS_MAX_ROUTES];
	unsigned int n_routes;
	uint64_t routes_dropped;
	struct metrics_section sections[METRICS_MAX_SECTIONS];
	unsigned int n_sections;
	uint64_t flushes;
};

void metrics_init(struct metrics *m, const struct vm_config *cfg, uint64_t start_ns);
void metrics_destroy(struct metrics *m);

void metrics_set_boot_time(struct metrics *m, uint64_t us);
/* vcpus may be NULL (after teardown). Call from the thread that flushes. */
void metrics_attach_vcpus(struct metrics *m, struct vcpu *vcpus, unsigned int n);
/* Counts one API request ("PUT", "/drives/rootfs", 204). */
void metrics_api_request(struct metrics *m, const char *method, const char *path, int status);
/* The same with m as void *: the API server's request observer. */
void metrics_count_api_request(void *m, const char *method, const char *path, int status);

/* Adds the top-level key name to every line, its value built by fn at
 * render time.  fn runs on the flushing thread with the metrics lock held:
 * it must be quick and must not call back into metrics.  name is 1..31
 * bytes of [a-z0-9_] and must not be a built-in key or already added.
 * Returns 0, -EINVAL (bad name or fn), -EEXIST or -ENOSPC. */
int metrics_add_section(struct metrics *m, const char *name, metrics_section_fn fn, void *opaque);
/* Takes the section out (its opaque is no longer used once this returns);
 * -ENOENT when there is none of that name. */
int metrics_remove_section(struct metrics *m, const char *name);

/* Writes one JSON line when a metrics path is configured (else does
 * nothing and succeeds, as Firecracker does).  0 or -errno + message. */
int metrics_flush(struct metrics *m, char *err, size_t errlen);

/* The JSON line itself (malloc'd, no newline), for tests. */
char *metrics_render(struct metrics *m);

#endif
