/* vmm-core: parse Firecracker's flags, then either serve the REST API on
 * the unix socket (the main thread runs the libevent loop) or, with
 * --no-api --config-file, boot the configured VM at once.  Either way the
 * process exits when the guest resets or powers off (status 0) or KVM
 * fails (status 1).  vCPU threads never touch the event loop: they signal
 * an eventfd that the loop watches. */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "cli.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "vm_config.h"
#include "vmm.h"

#ifndef SPLITVM_VERSION
#define SPLITVM_VERSION "0.0.0"
#endif

#define CONFIG_FILE_MAX (1024 * 1024)

/* Exit statuses besides the guest's 0 and the VMM failure 1. */
#define EXIT_BAD_CONFIG 1
#define EXIT_SIGNAL_BASE 128

struct core {
	struct core_options opts;
	struct vm_config cfg;
	struct metrics metrics;
	struct vmm vmm;
	struct api_context *api;
	struct api_server *server;
	struct event_base *base;
	struct event *exit_ev, *stdin_ev, *metrics_ev, *sigint_ev, *sigterm_ev;
	int exit_status;
	bool vm_exited;
	bool metrics_warned;
	bool vmm_ready;
	char worker_dir[PATH_MAX];
};

static void on_vm_exit(evutil_socket_t fd, short what, void *arg)
{
	struct core *c = arg;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN)
		return;
	c->vm_exited = true;
	c->exit_status = vmm_exit_status(&c->vmm);
	log_info("microVM stopped, vmm-core exits with status %d", c->exit_status);
	event_base_loopbreak(c->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct core *c = arg;

	log_info("received signal %d, stopping", (int)sig);
	c->exit_status = EXIT_SIGNAL_BASE + (int)sig;
	event_base_loopbreak(c->base);
}

/* Console input goes to the guest's serial port; stdin is optional and
 * anything that cannot be polled (a regular file, /dev/null) is skipped. */
static void on_stdin(evutil_socket_t fd, short what, void *arg)
{
	struct core *c = arg;
	uint8_t buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		event_del(c->stdin_ev);
		return;
	}
	/* Bytes beyond the receive FIFO are dropped, as on a real line. */
	vmm_serial_input(&c->vmm, buf, (size_t)n);
}

static void on_metrics_timer(evutil_socket_t fd, short what, void *arg)
{
	struct core *c = arg;
	char err[256];

	if (metrics_flush(&c->metrics, err, sizeof(err)) && !c->metrics_warned) {
		log_warn("periodic metrics flush failed: %s", err);
		c->metrics_warned = true;
	}
}

static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read config file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "config file '%s' is not a regular file of at most %d bytes",
			 path, CONFIG_FILE_MAX);
		ret = -EINVAL;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	n = read(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot read config file '%s': %s", path, strerror(errno));
		free(buf);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int boot_from_config_file(struct core *c, char *err, size_t errlen)
{
	char *json = NULL;
	size_t len = 0;
	int ret;

	ret = read_file(c->opts.config_file, &json, &len, err, errlen);
	if (ret)
		return ret;
	ret = api_apply_config_file(c->api, json, len, err, errlen);
	free(json);
	if (ret)
		return ret;
	/* Firecracker boots a --config-file VM at once, API or not. */
	return api_instance_start(c->api, err, errlen);
}

/* A terminal, pipe or socket can feed the console; /dev/null and regular
 * files cannot be polled (and would only ever say end-of-file). */
static bool stdin_pollable(void)
{
	struct stat st;

	if (isatty(STDIN_FILENO))
		return true;
	if (fstat(STDIN_FILENO, &st) < 0)
		return false;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

/* libevent's own warnings go through our log, once, at its levels. */
static void libevent_log(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_err("libevent: %s", msg);
	else if (severity == EVENT_LOG_WARN)
		log_warn("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

static int add_events(struct core *c)
{
	struct timeval period = { METRICS_PERIOD_S, 0 };

	c->exit_ev = event_new(c->base, vmm_exit_fd(&c->vmm), EV_READ | EV_PERSIST, on_vm_exit, c);
	c->metrics_ev = event_new(c->base, -1, EV_PERSIST, on_metrics_timer, c);
	c->sigint_ev = evsignal_new(c->base, SIGINT, on_signal, c);
	c->sigterm_ev = evsignal_new(c->base, SIGTERM, on_signal, c);
	if (!c->exit_ev || !c->metrics_ev || !c->sigint_ev || !c->sigterm_ev ||
	    event_add(c->exit_ev, NULL) || event_add(c->metrics_ev, &period) ||
	    event_add(c->sigint_ev, NULL) || event_add(c->sigterm_ev, NULL))
		return -ENOMEM;
	if (!stdin_pollable())
		return 0;
	c->stdin_ev = event_new(c->base, STDIN_FILENO, EV_READ | EV_PERSIST, on_stdin, c);
	if (c->stdin_ev && event_add(c->stdin_ev, NULL)) {
		log_debug("stdin cannot be polled; no console input");
		event_free(c->stdin_ev);
		c->stdin_ev = NULL;
	}
	return 0;
}

static void free_events(struct core *c)
{
	struct event *evs[] = { c->exit_ev, c->stdin_ev, c->metrics_ev, c->sigint_ev, c->sigterm_ev };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (evs[i])
			event_free(evs[i]);
}

/* Workers live beside vmm-core, which the supervisor finds through
 * /proc/self/exe.  In a jail there is no /proc; the jailer starts vmm-core
 * by its path inside the jail, so there argv[0] tells. */
static void default_worker_dir(struct core *c, const char *argv0)
{
	char self[PATH_MAX];

	if (c->opts.worker_dir || !argv0 || !strchr(argv0, '/') ||
	    readlink("/proc/self/exe", self, sizeof(self)) >= 0)
		return;
	snprintf(c->worker_dir, sizeof(c->worker_dir), "%s", argv0);
	c->opts.worker_dir = dirname(c->worker_dir);
}

static int setup(struct core *c, uint64_t start_ns, uint64_t start_cpu_ns)
{
	char err[512] = "";
	int ret;

	vm_config_init(&c->cfg);
	if (cli_apply(&c->opts, &c->cfg, err, sizeof(err))) {
		fprintf(stderr, "vmm-core: %s\n", err);
		return -EINVAL;
	}
	log_set_prefix(c->cfg.id);
	metrics_init(&c->metrics, &c->cfg, start_ns);
	ret = vmm_init(&c->vmm, "/dev/kvm", start_ns, start_cpu_ns, &c->metrics);
	c->vmm_ready = true;
	if (ret) {
		log_err("cannot initialise the VMM: %s", strerror(-ret));
		return ret;
	}
	c->api = api_context_new(&c->cfg, &vmm_control_ops, &c->vmm, SPLITVM_VERSION);
	event_set_log_callback(libevent_log);
	c->base = event_base_new();
	vmm_set_host(&c->vmm, c->base, &(struct device_plane_opts){
		.worker_dir = c->opts.worker_dir,
		.deadline_ms = c->opts.mailbox_deadline_ms,
		.spin_us = c->opts.mailbox_spin_us,
	});
	if (!c->api || !c->base || add_events(c)) {
		log_err("out of memory");
		return -ENOMEM;
	}
	if (c->opts.config_file) {
		ret = boot_from_config_file(c, err, sizeof(err));
		if (ret) {
			log_err("cannot boot from '%s': %s", c->opts.config_file, err);
			return ret;
		}
	}
	if (!c->opts.no_api) {
		ret = api_server_start(c->base, c->api, c->opts.api_sock,
				       c->opts.http_api_max_payload_size, &c->server);
		if (ret) {
			log_err("cannot serve the API on '%s': %s", c->opts.api_sock, strerror(-ret));
			return ret;
		}
		api_server_set_observer(c->server, metrics_count_api_request, &c->metrics);
	}
	return 0;
}

static void cleanup(struct core *c)
{
	char err[256];

	if (!c->vmm_ready) {
		vm_config_free(&c->cfg);
		return;
	}
	/* Flushed while the vCPU counters still exist; then the VM goes
	 * first, so that no vCPU can still write to what follows. */
	if (metrics_flush(&c->metrics, err, sizeof(err)))
		log_warn("final metrics flush failed: %s", err);
	vmm_teardown(&c->vmm);
	if (c->server)
		api_server_stop(c->server);
	free_events(c);
	if (c->base)
		event_base_free(c->base);
	if (c->api)
		api_context_free(c->api);
	metrics_destroy(&c->metrics);
	vm_config_free(&c->cfg);
}

int main(int argc, char **argv)
{
	uint64_t start_ns = monotonic_ns(), start_cpu_ns = process_cpu_ns();
	static struct core c;
	char err[512] = "";
	int ret;

	if (cli_parse(argc, argv, &c.opts, err, sizeof(err))) {
		fprintf(stderr, "vmm-core: %s\n", err);
		return EXIT_BAD_CONFIG;
	}
	if (c.opts.action == CLI_ACTION_HELP) {
		cli_print_usage(stdout, argv[0]);
		return 0;
	}
	if (c.opts.action == CLI_ACTION_VERSION) {
		printf("splitvm vmm-core v%s\n", SPLITVM_VERSION);
		return 0;
	}
	/* Under the jailer, boot time counts from the jailer's start (both
	 * clocks are CLOCK_MONOTONIC), as Firecracker's boot timer does. */
	if (c.opts.start_time_us)
		start_ns = c.opts.start_time_us * 1000ULL;
	default_worker_dir(&c, argv[0]);
	/* A client that hangs up must not kill the VMM; writes report EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	if (setup(&c, start_ns, start_cpu_ns)) {
		cleanup(&c);
		return EXIT_BAD_CONFIG;
	}
	event_base_dispatch(c.base);
	ret = c.exit_status;
	cleanup(&c);
	return ret;
}
