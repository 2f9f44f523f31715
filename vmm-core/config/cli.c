/* Table-driven parser for Firecracker's command-line flags. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log_config.h"

struct cli_flag {
	const char *name;         /* without the leading "--" */
	const char *arg;          /* value name in the usage, NULL: no value */
	int (*set)(struct core_options *o, const char *v, char *err, size_t errlen);
	const char *help;         /* NULL: refused, not shown */
};

/* "--x" given but splitvm does not do what it asks. */
#define REFUSED(flag, why)                                                   \
	static int refuse_##flag(struct core_options *o, const char *v,      \
				 char *err, size_t errlen)                   \
	{                                                                    \
		snprintf(err, errlen, "%s", why);                            \
		return -EINVAL;                                              \
	}

REFUSED(seccomp_filter, "--seccomp-filter is not supported: splitvm installs its own seccomp "
	"filters and cannot load Firecracker's BPF files")
REFUSED(metadata, "--metadata is not supported: splitvm has no MMDS yet")
REFUSED(describe_snapshot, "--describe-snapshot is not supported: splitvm has no snapshots yet")

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;
	unsigned long long n;

	/* strtoull accepts " -1" as a huge number; we accept digits only. */
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = n;
	return 0;
}

static int set_u64(const char *flag, const char *v, uint64_t *out, char *err, size_t errlen)
{
	if (parse_u64(v, out)) {
		snprintf(err, errlen, "--%s needs a non-negative decimal number, not \"%.64s\"", flag, v);
		return -EINVAL;
	}
	return 0;
}

static int set_api_sock(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->api_sock = v;
	return 0;
}

static int set_config_file(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->config_file = v;
	return 0;
}

static int set_no_api(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->no_api = true;
	return 0;
}

static int set_id(struct core_options *o, const char *v, char *err, size_t errlen)
{
	if (!vm_id_valid(v)) {
		snprintf(err, errlen, "Invalid instance ID \"%.80s\": it must be 1 to %d characters, "
			 "letters, digits and '-' only", v, VM_ID_MAX);
		return -EINVAL;
	}
	o->id = v;
	return 0;
}

static int set_enable_pci(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->enable_pci = true;
	return 0;
}

static int set_log_path(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->log_path = v;
	return 0;
}

static int set_level(struct core_options *o, const char *v, char *err, size_t errlen)
{
	enum log_level lvl;

	if (log_config_parse_level(v, &lvl)) {
		snprintf(err, errlen, "Invalid --level \"%.32s\": expected one of Error, Warning, "
			 "Info, Debug, Trace, Off", v);
		return -EINVAL;
	}
	o->level = v;
	return 0;
}

static int set_show_level(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->show_level = true;
	return 0;
}

static int set_show_log_origin(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->show_log_origin = true;
	return 0;
}

static int set_metrics_path(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->metrics_path = v;
	return 0;
}

static int set_worker_dir(struct core_options *o, const char *v, char *err, size_t errlen)
{
	if (!*v) {
		snprintf(err, errlen, "--worker-dir needs a directory");
		return -EINVAL;
	}
	o->worker_dir = v;
	return 0;
}

/* name's value as an integer in [min, max]. */
static int set_bounded(const char *name, const char *v, uint64_t min, uint64_t max,
		       unsigned int *out, char *err, size_t errlen)
{
	uint64_t n;

	if (set_u64(name, v, &n, err, errlen))
		return -EINVAL;
	if (n < min || n > max) {
		snprintf(err, errlen, "--%s must be between %llu and %llu, not %llu", name,
			 (unsigned long long)min, (unsigned long long)max, (unsigned long long)n);
		return -EINVAL;
	}
	*out = (unsigned int)n;
	return 0;
}

static int set_mailbox_deadline(struct core_options *o, const char *v, char *err,
				size_t errlen)
{
	return set_bounded("mailbox-deadline-ms", v, 1, CLI_MAILBOX_DEADLINE_MS_MAX,
			   &o->mailbox_deadline_ms, err, errlen);
}

static int set_mailbox_spin(struct core_options *o, const char *v, char *err, size_t errlen)
{
	return set_bounded("mailbox-spin-us", v, 0, CLI_MAILBOX_SPIN_US_MAX,
			   &o->mailbox_spin_us, err, errlen);
}

static int set_boot_timer(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->boot_timer = true;
	return 0;
}

static int set_max_payload(struct core_options *o, const char *v, char *err, size_t errlen)
{
	uint64_t n;

	if (set_u64("http-api-max-payload-size", v, &n, err, errlen))
		return -EINVAL;
	if (n == 0 || n > CLI_MAX_PAYLOAD_LIMIT) {
		snprintf(err, errlen, "--http-api-max-payload-size must be between 1 and %u bytes, "
			 "not %llu", CLI_MAX_PAYLOAD_LIMIT, (unsigned long long)n);
		return -EINVAL;
	}
	o->http_api_max_payload_size = (size_t)n;
	return 0;
}

static int set_mmds_size_limit(struct core_options *o, const char *v, char *err, size_t errlen)
{
	return set_u64("mmds-size-limit", v, &o->mmds_size_limit, err, errlen);
}

static int set_start_time_us(struct core_options *o, const char *v, char *err, size_t errlen)
{
	return set_u64("start-time-us", v, &o->start_time_us, err, errlen);
}

static int set_start_time_cpu_us(struct core_options *o, const char *v, char *err, size_t errlen)
{
	return set_u64("start-time-cpu-us", v, &o->start_time_cpu_us, err, errlen);
}

static int set_parent_cpu_time_us(struct core_options *o, const char *v, char *err, size_t errlen)
{
	return set_u64("parent-cpu-time-us", v, &o->parent_cpu_time_us, err, errlen);
}

static int set_no_seccomp(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->no_seccomp = true;
	return 0;
}

static int set_version(struct core_options *o, const char *v, char *err, size_t errlen)
{
	if (o->action == CLI_ACTION_RUN)
		o->action = CLI_ACTION_VERSION;
	return 0;
}

static int set_help(struct core_options *o, const char *v, char *err, size_t errlen)
{
	o->action = CLI_ACTION_HELP;
	return 0;
}

static const struct cli_flag flags[] = {
	{ "api-sock", "PATH", set_api_sock,
	  "unix socket of the API (default " CLI_DEFAULT_API_SOCK ")" },
	{ "config-file", "FILE", set_config_file,
	  "configure and boot the VM from a Firecracker JSON file" },
	{ "no-api", NULL, set_no_api, "serve no API (needs --config-file)" },
	{ "id", "ID", set_id,
	  "instance id: letters, digits, '-', at most 64 (default " VM_ID_DEFAULT ")" },
	{ "enable-pci", NULL, set_enable_pci, "put virtio devices on PCI instead of virtio-mmio" },
	{ "log-path", "PATH", set_log_path, "log to this existing file or FIFO instead of stderr" },
	{ "level", "LEVEL", set_level, "Error, Warning, Info (default), Debug, Trace or Off" },
	{ "show-level", NULL, set_show_level,
	  "accepted for compatibility (levels are always shown)" },
	{ "show-log-origin", NULL, set_show_log_origin,
	  "accepted for compatibility (origins are always shown)" },
	{ "metrics-path", "PATH", set_metrics_path, "write metrics to this existing file or FIFO" },
	{ "boot-timer", NULL, set_boot_timer, "log the guest boot time when the guest signals it" },
	{ "worker-dir", "DIR", set_worker_dir,
	  "where the vmm-worker-* binaries are (default: beside vmm-core)" },
	{ "mailbox-deadline-ms", "MS", set_mailbox_deadline,
	  "a device whose worker answers a register read later fails (default 100)" },
	{ "mailbox-spin-us", "US", set_mailbox_spin,
	  "vCPUs spin on a forwarded read, and workers poll, this long (default 20)" },
	{ "http-api-max-payload-size", "BYTES", set_max_payload,
	  "largest API request body (default 51200)" },
	{ "mmds-size-limit", "BYTES", set_mmds_size_limit,
	  "accepted for compatibility (no MMDS yet)" },
	{ "start-time-us", "US", set_start_time_us, "set by the jailer: process start time" },
	{ "start-time-cpu-us", "US", set_start_time_cpu_us,
	  "set by the jailer: process start CPU time" },
	{ "parent-cpu-time-us", "US", set_parent_cpu_time_us,
	  "set by the jailer: its own CPU time" },
	{ "no-seccomp", NULL, set_no_seccomp,
	  "do not install seccomp filters in vmm-core (development only)" },
	{ "version", NULL, set_version, "print the version and exit" },
	{ "help", NULL, set_help, "print this help and exit" },
	{ "seccomp-filter", "FILE", refuse_seccomp_filter, NULL },
	{ "metadata", "FILE", refuse_metadata, NULL },
	{ "describe-snapshot", "FILE", refuse_describe_snapshot, NULL },
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

static const struct cli_flag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < N_FLAGS; i++) {
		if (strlen(flags[i].name) == len && memcmp(flags[i].name, name, len) == 0)
			return &flags[i];
	}
	return NULL;
}

static void set_defaults(struct core_options *o)
{
	memset(o, 0, sizeof(*o));
	o->action = CLI_ACTION_RUN;
	o->api_sock = CLI_DEFAULT_API_SOCK;
	o->id = VM_ID_DEFAULT;
	o->http_api_max_payload_size = CLI_DEFAULT_MAX_PAYLOAD;
	o->mailbox_deadline_ms = CLI_DEFAULT_MAILBOX_DEADLINE_MS;
	o->mailbox_spin_us = CLI_DEFAULT_MAILBOX_SPIN_US;
}

/* Finds the value of a flag that takes one: after '=' or the next argv
 * element.  Returns the number of extra argv elements used, or -EINVAL. */
static int flag_value(const struct cli_flag *f, const char *eq, int i, int argc, char **argv,
		      const char **val, char *err, size_t errlen)
{
	if (!f->arg) {
		if (eq) {
			snprintf(err, errlen, "--%s takes no value", f->name);
			return -EINVAL;
		}
		*val = NULL;
		return 0;
	}
	if (eq) {
		*val = eq + 1;
	} else if (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
		*val = argv[i + 1];
	} else {
		snprintf(err, errlen, "--%s needs a value (%s)", f->name, f->arg);
		return -EINVAL;
	}
	if (!**val) {
		snprintf(err, errlen, "--%s needs a non-empty value (%s)", f->name, f->arg);
		return -EINVAL;
	}
	return eq ? 0 : 1;
}

static int parse_one(int i, int argc, char **argv, struct core_options *o, bool *seen,
		     char *err, size_t errlen)
{
	const char *arg = argv[i], *name, *eq, *val;
	const struct cli_flag *f;
	int used;

	if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
		snprintf(err, errlen, "Unexpected argument \"%.80s\" (flags start with --)", arg);
		return -EINVAL;
	}
	name = arg + 2;
	eq = strchr(name, '=');
	f = find_flag(name, eq ? (size_t)(eq - name) : strlen(name));
	if (!f) {
		size_t shown = eq ? (size_t)(eq - arg) : strlen(arg);

		snprintf(err, errlen, "Unknown flag \"%.*s\"; see --help",
			 (int)(shown > 80 ? 80 : shown), arg);
		return -EINVAL;
	}
	if (seen[f - flags]) {
		snprintf(err, errlen, "--%s given more than once", f->name);
		return -EINVAL;
	}
	seen[f - flags] = true;
	used = flag_value(f, eq, i, argc, argv, &val, err, errlen);
	if (used < 0 || f->set(o, val, err, errlen))
		return -EINVAL;
	return used;
}

int cli_parse(int argc, char **argv, struct core_options *out, char *err, size_t errlen)
{
	bool seen[N_FLAGS] = { false };
	struct core_options o;

	set_defaults(&o);
	for (int i = 1; i < argc; i++) {
		int used = parse_one(i, argc, argv, &o, seen, err, errlen);

		if (used < 0)
			return -EINVAL;
		i += used;
	}
	if (o.action == CLI_ACTION_RUN && o.no_api && !o.config_file) {
		snprintf(err, errlen, "--no-api needs --config-file: without the API the VM can only "
			 "be configured from a file");
		return -EINVAL;
	}
	*out = o;
	return 0;
}

void cli_print_usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s [--api-sock PATH | --no-api --config-file FILE] [flags]\n\n", prog);
	for (size_t i = 0; i < N_FLAGS; i++) {
		char left[64];

		if (!flags[i].help)
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", flags[i].name, flags[i].arg ? " " : "",
			 flags[i].arg ? flags[i].arg : "");
		fprintf(f, "  %-36s %s\n", left, flags[i].help);
	}
}

static int apply_logger(const struct core_options *o, struct vm_config *cfg, char *err,
			size_t errlen)
{
	char why[160] = "";
	char *path = NULL, *level = NULL;
	int rc;

	if (!o->log_path && !o->level && !o->show_level && !o->show_log_origin)
		return 0;
	rc = log_config_apply(o->log_path, o->level, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "--log-path %.200s: %s", o->log_path ? o->log_path : "",
			 why);
		return rc;
	}
	if ((o->log_path && !(path = strdup(o->log_path))) ||
	    (o->level && !(level = strdup(o->level)))) {
		free(path);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(cfg->logger.log_path);
	free(cfg->logger.level);
	cfg->logger.log_path = path;
	cfg->logger.level = level;
	cfg->logger.show_level = o->show_level;
	cfg->logger.show_log_origin = o->show_log_origin;
	cfg->logger_configured = true;
	return 0;
}

static int apply_metrics(const struct core_options *o, struct vm_config *cfg, char *err,
			 size_t errlen)
{
	int fd;
	char *path;

	if (!o->metrics_path)
		return 0;
	fd = log_config_open_output(o->metrics_path);
	if (fd < 0) {
		snprintf(err, errlen, "--metrics-path %.200s: %s", o->metrics_path, strerror(-fd));
		return fd;
	}
	close(fd);
	path = strdup(o->metrics_path);
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	free(cfg->metrics.metrics_path);
	cfg->metrics.metrics_path = path;
	return 0;
}

int cli_apply(const struct core_options *opts, struct vm_config *cfg, char *err, size_t errlen)
{
	int rc;

	snprintf(cfg->id, sizeof(cfg->id), "%s", opts->id);
	cfg->enable_pci = opts->enable_pci;
	cfg->boot_timer = opts->boot_timer;
	rc = apply_logger(opts, cfg, err, errlen);
	if (rc)
		return rc;
	return apply_metrics(opts, cfg, err, errlen);
}
