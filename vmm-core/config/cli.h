/* vmm-core's command line: Firecracker's flags (docs/api.md lists them,
 * with the ones accepted as no-ops and the ones refused). */
#ifndef SPLITVM_CLI_H
#define SPLITVM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vm_config.h"

#define CLI_DEFAULT_API_SOCK "/run/splitvm.socket"
#define CLI_DEFAULT_MAX_PAYLOAD 51200
/* Upper bound for --http-api-max-payload-size: the API buffers up to about
 * twice the limit per request. */
#define CLI_MAX_PAYLOAD_LIMIT (64u * 1024 * 1024)

/* The device plane's mailbox (DESIGN.md, failure model). */
#define CLI_DEFAULT_MAILBOX_DEADLINE_MS 100
#define CLI_MAILBOX_DEADLINE_MS_MAX     10000
#define CLI_DEFAULT_MAILBOX_SPIN_US     20
#define CLI_MAILBOX_SPIN_US_MAX         1000    /* the workers' MBOX_MAX_POLL_US */

enum cli_action {
	CLI_ACTION_RUN,
	CLI_ACTION_HELP,          /* --help: print cli_print_usage(), exit 0 */
	CLI_ACTION_VERSION,       /* --version: print the version, exit 0 */
};

/* Strings point into argv (or are the defaults above): valid as long as
 * argv, nothing to free. */
struct core_options {
	enum cli_action action;
	const char *api_sock;         /* default CLI_DEFAULT_API_SOCK */
	const char *config_file;      /* NULL: none */
	bool no_api;                  /* only with config_file */
	const char *id;               /* checked by vm_id_valid(); default
	                               * VM_ID_DEFAULT */
	bool enable_pci;
	const char *log_path;         /* NULL: stderr */
	const char *level;            /* checked; NULL: Info */
	bool show_level;              /* accepted, reported in GET /vm/config */
	bool show_log_origin;
	const char *metrics_path;     /* NULL: none */
	bool boot_timer;
	const char *worker_dir;       /* NULL: beside vmm-core */
	unsigned int mailbox_deadline_ms;   /* 1..CLI_MAILBOX_DEADLINE_MS_MAX */
	unsigned int mailbox_spin_us;       /* 0..CLI_MAILBOX_SPIN_US_MAX */
	size_t http_api_max_payload_size;   /* 1..CLI_MAX_PAYLOAD_LIMIT */
	bool no_seccomp;              /* for main.c to honour */
	/* Set by Firecracker's jailer for boot-time metrics; 0 when absent. */
	uint64_t start_time_us;
	uint64_t start_time_cpu_us;
	uint64_t parent_cpu_time_us;
	uint64_t mmds_size_limit;     /* accepted, unused: no MMDS yet */
};

/* Parses argv[1..argc-1]; both "--flag value" and "--flag=value".
 * Returns 0, or -EINVAL with a message naming the flag in err.  An
 * unknown, repeated or refused flag, a missing or bad value, --no-api
 * without --config-file are all errors. */
int cli_parse(int argc, char **argv, struct core_options *out, char *err, size_t errlen);

void cli_print_usage(FILE *f, const char *prog);

/* Puts the options that belong to the VM into cfg (id, enable_pci,
 * boot_timer, metrics_path) and applies --log-path/--level to the process
 * log, as Firecracker does at start.  Returns 0 or -errno with err. */
int cli_apply(const struct core_options *opts, struct vm_config *cfg, char *err, size_t errlen);

#endif
