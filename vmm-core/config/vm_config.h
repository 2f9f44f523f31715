/* The configuration of one microVM, as Firecracker's API and config file
 * describe it.  Filled by the API handlers, the --config-file parser and
 * cli_apply(), read by the VMM when the instance starts.  Strings are heap
 * copies owned by the struct (vm_config_free).
 *
 * Threading: only the API thread writes it, and only before InstanceStart
 * succeeded; after that every pre-boot route is refused, so the VMM may read
 * it from any thread without a lock for the rest of the VM's life. */
#ifndef SPLITVM_VM_CONFIG_H
#define SPLITVM_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define VM_ID_MAX 64
#define VM_ID_DEFAULT "anonymous-instance"

#define VM_VCPU_MAX 32
#define VM_MEM_DEFAULT_MIB 128

struct boot_source_config {
	char *kernel_image_path;  /* NULL until PUT /boot-source */
	char *initrd_path;        /* optional */
	char *boot_args;          /* NULL: Firecracker's default boot args */
};

struct machine_config {
	unsigned int vcpu_count;  /* 1..32, default 1; 1 or even when smt */
	uint64_t mem_size_mib;    /* default 128; > 0, even with 2M pages, and
	                           * mem_size_mib << 20 never overflows */
	bool smt;                 /* default false */
	bool track_dirty_pages;   /* default false; accepted, not used yet */
	char huge_pages[8];       /* "None" (default) or "2M" */
};

struct logger_config {
	char *log_path;           /* NULL: stderr */
	char *level;              /* as given (Error|Warning|Info|Debug|Trace|Off,
	                           * any case); NULL: default Info */
	bool show_level;          /* accepted and reported; our log lines
	                           * always carry level and origin */
	bool show_log_origin;
	char *module;             /* accepted and reported, not applied */
};

struct metrics_config {
	char *metrics_path;       /* NULL: metrics disabled.  Set once: the
	                           * API refuses a second PUT /metrics */
};

struct serial_config {
	char *serial_out_path;    /* NULL: the VMM's stdout.  Not opened by
	                           * the API: the VMM opens it at start */
};

/* Firecracker's rate limiter: two token buckets (refill_time in ms). */
struct token_bucket_config {
	bool present;
	uint64_t size;
	uint64_t one_time_burst;
	uint64_t refill_time;
};

struct rate_limiter_config {
	struct token_bucket_config bandwidth, ops;
};

/* PUT /entropy: the virtio-rng device, served by vmm-worker-rng. */
struct entropy_config {
	bool present;
	struct rate_limiter_config rate_limiter;
};

struct vm_config {
	char id[VM_ID_MAX + 1];   /* --id, default "anonymous-instance" */
	bool enable_pci;          /* --enable-pci */
	bool boot_timer;          /* --boot-timer */
	struct boot_source_config boot;
	struct machine_config machine;
	bool logger_configured;   /* PUT /logger, "logger" or --log-path/--level */
	struct logger_config logger;
	struct metrics_config metrics;
	struct serial_config serial;
	struct entropy_config entropy;
};

void vm_config_init(struct vm_config *cfg);   /* Firecracker's defaults */
void vm_config_free(struct vm_config *cfg);   /* frees the strings; cfg can
                                               * be vm_config_init'ed again */

/* Firecracker's instance id rule: 1..64 characters, ASCII letters, digits
 * and '-'. */
bool vm_id_valid(const char *id);

static inline bool machine_config_huge_2m(const struct machine_config *m)
{
	return strcmp(m->huge_pages, "2M") == 0;
}

#endif
