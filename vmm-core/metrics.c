#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "vcpu.h"
#include "vm_config.h"

void metrics_init(struct metrics *m, const struct vm_config *cfg, uint64_t start_ns)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->cfg = cfg;
	m->fd = -1;
	m->start_ns = start_ns;
}

void metrics_destroy(struct metrics *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->open_path);
	m->fd = -1;
	m->open_path = NULL;
	pthread_mutex_destroy(&m->lock);
}

void metrics_set_boot_time(struct metrics *m, uint64_t us)
{
	atomic_store(&m->boot_time_us, us);
}

void metrics_attach_vcpus(struct metrics *m, struct vcpu *vcpus, unsigned int n)
{
	pthread_mutex_lock(&m->lock);
	m->vcpus = vcpus;
	m->n_vcpus = vcpus ? n : 0;
	pthread_mutex_unlock(&m->lock);
}

/* "/drives/rootfs" → "/drives": ids would make the table unbounded.  The
 * path is the client's: bytes that are not printable ASCII become '?', so
 * that every route renders as valid JSON (jansson refuses bad UTF-8). */
static void route_name(char *out, size_t len, const char *method, const char *path)
{
	size_t seg = 1;

	if (path[0] == '/')
		while (path[seg] && path[seg] != '/')
			seg++;
	else
		seg = 0;
	snprintf(out, len, "%s %.*s", method, (int)seg, path);
	for (unsigned char *c = (unsigned char *)out; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
}

void metrics_api_request(struct metrics *m, const char *method, const char *path, int status)
{
	char name[sizeof(m->routes[0].route)];
	unsigned int i;

	route_name(name, sizeof(name), method ? method : "?", path ? path : "");
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->n_routes; i++)
		if (m->routes[i].status == status && !strcmp(m->routes[i].route, name))
			break;
	if (i == m->n_routes) {
		if (i == METRICS_MAX_ROUTES) {
			m->routes_dropped++;
			goto out;
		}
		snprintf(m->routes[i].route, sizeof(m->routes[i].route), "%s", name);
		m->routes[i].status = status;
		m->n_routes++;
	}
	m->routes[i].count++;
out:
	pthread_mutex_unlock(&m->lock);
}

void metrics_count_api_request(void *m, const char *method, const char *path, int status)
{
	metrics_api_request(m, method, path, status);
}

/* Keys of the line that sections may not take over. */
static const char *const builtin_keys[] = {
	"utc_timestamp_ms", "uptime_ms", "boot_time_us", "vcpu", "api_server",
};

static bool section_name_ok(const char *name)
{
	size_t n = strnlen(name, METRICS_SECTION_NAME_MAX);

	if (n == 0 || n == METRICS_SECTION_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_'))
			return false;
	for (size_t i = 0; i < sizeof(builtin_keys) / sizeof(builtin_keys[0]); i++)
		if (!strcmp(name, builtin_keys[i]))
			return false;
	return true;
}

/* Call with m->lock held. */
static int find_section(const struct metrics *m, const char *name)
{
	for (unsigned int i = 0; i < m->n_sections; i++)
		if (!strcmp(m->sections[i].name, name))
			return (int)i;
	return -1;
}

int metrics_add_section(struct metrics *m, const char *name, metrics_section_fn fn, void *opaque)
{
	struct metrics_section *sec;
	int ret = 0;

	if (!name || !fn || !section_name_ok(name))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	if (find_section(m, name) >= 0) {
		ret = -EEXIST;
	} else if (m->n_sections == METRICS_MAX_SECTIONS) {
		ret = -ENOSPC;
	} else {
		sec = &m->sections[m->n_sections++];
		snprintf(sec->name, sizeof(sec->name), "%s", name);
		sec->fn = fn;
		sec->opaque = opaque;
	}
	pthread_mutex_unlock(&m->lock);
	return ret;
}

int metrics_remove_section(struct metrics *m, const char *name)
{
	int i;

	if (!name)
		return -ENOENT;
	pthread_mutex_lock(&m->lock);
	i = find_section(m, name);
	if (i >= 0) {
		/* Keeps the order sections were added in, as the lines show them. */
		memmove(&m->sections[i], &m->sections[i + 1],
			(m->n_sections - (unsigned int)i - 1) * sizeof(m->sections[0]));
		m->n_sections--;
	}
	pthread_mutex_unlock(&m->lock);
	return i >= 0 ? 0 : -ENOENT;
}

#define SUM_STAT(field) \
	static uint64_t sum_##field(const struct metrics *m) \
	{ \
		uint64_t s = 0; \
		for (unsigned int i = 0; i < m->n_vcpus; i++) \
			s += atomic_load_explicit(&m->vcpus[i].stats.field, memory_order_relaxed); \
		return s; \
	}
SUM_STAT(exit_io_in)
SUM_STAT(exit_io_out)
SUM_STAT(exit_mmio_read)
SUM_STAT(exit_mmio_write)
SUM_STAT(exit_shutdown)
SUM_STAT(exit_intr)
SUM_STAT(exit_other)
SUM_STAT(failures)
#undef SUM_STAT

static json_t *render_vcpu(const struct metrics *m)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "exit_io_in", (json_int_t)sum_exit_io_in(m),
			 "exit_io_out", (json_int_t)sum_exit_io_out(m),
			 "exit_mmio_read", (json_int_t)sum_exit_mmio_read(m),
			 "exit_mmio_write", (json_int_t)sum_exit_mmio_write(m),
			 "exit_shutdown", (json_int_t)sum_exit_shutdown(m),
			 "exit_intr", (json_int_t)sum_exit_intr(m),
			 "exit_other", (json_int_t)sum_exit_other(m),
			 "failures", (json_int_t)sum_failures(m));
}

static json_t *render_api(const struct metrics *m)
{
	json_t *arr = json_array();

	for (unsigned int i = 0; arr && i < m->n_routes; i++)
		json_array_append_new(arr, json_pack("{s:s,s:i,s:I}",
						     "route", m->routes[i].route,
						     "status", m->routes[i].status,
						     "count", (json_int_t)m->routes[i].count));
	return json_pack("{s:o,s:I}", "requests", arr ? arr : json_array(),
			 "dropped", (json_int_t)m->routes_dropped);
}

/* Call with m->lock held.  A section that has nothing to say this time
 * (NULL) is left out of the line rather than failing it. */
static void add_sections(const struct metrics *m, json_t *root)
{
	for (unsigned int i = 0; i < m->n_sections; i++) {
		json_t *j = m->sections[i].fn(m->sections[i].opaque);

		if (j)
			json_object_set_new(root, m->sections[i].name, j);
	}
}

/* Call with m->lock held. */
static char *render_locked(struct metrics *m)
{
	struct timespec now;
	json_t *root;
	char *s;

	clock_gettime(CLOCK_REALTIME, &now);
	root = json_pack("{s:I,s:I,s:I,s:o,s:o}",
			 "utc_timestamp_ms",
			 (json_int_t)now.tv_sec * 1000 + now.tv_nsec / 1000000,
			 "uptime_ms", (json_int_t)((monotonic_ns() - m->start_ns) / 1000000),
			 "boot_time_us", (json_int_t)atomic_load(&m->boot_time_us),
			 "vcpu", render_vcpu(m),
			 "api_server", render_api(m));
	if (!root)
		return NULL;
	add_sections(m, root);
	s = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return s;
}

char *metrics_render(struct metrics *m)
{
	char *s;

	pthread_mutex_lock(&m->lock);
	s = render_locked(m);
	pthread_mutex_unlock(&m->lock);
	return s;
}

/* Firecracker opens its metrics output non-blocking and without creating
 * it (it may be a FIFO nobody reads yet). */
static int ensure_open(struct metrics *m, const char *path, char *err, size_t errlen)
{
	int fd;

	if (m->fd >= 0 && m->open_path && !strcmp(m->open_path, path))
		return 0;
	fd = open(path, O_RDWR | O_APPEND | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		int ret = -errno;

		snprintf(err, errlen, "Cannot open metrics file '%s': %s", path, strerror(errno));
		return ret;
	}
	if (m->fd >= 0)
		close(m->fd);
	free(m->open_path);
	m->fd = fd;
	m->open_path = strdup(path);
	return 0;
}

int metrics_flush(struct metrics *m, char *err, size_t errlen)
{
	const char *path = m->cfg ? m->cfg->metrics.metrics_path : NULL;
	char *line;
	size_t len;
	int ret;

	if (!path)
		return 0;
	pthread_mutex_lock(&m->lock);
	ret = ensure_open(m, path, err, errlen);
	if (ret)
		goto out;
	line = render_locked(m);
	if (!line) {
		snprintf(err, errlen, "Cannot render metrics: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	len = strlen(line);
	line[len] = '\n';  /* replaces the NUL; written with explicit length */
	errno = 0;
	if (write(m->fd, line, len + 1) != (ssize_t)(len + 1)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "Cannot write metrics: %s", strerror(-ret));
	} else {
		m->flushes++;
	}
	free(line);
out:
	pthread_mutex_unlock(&m->lock);
	return ret;
}
