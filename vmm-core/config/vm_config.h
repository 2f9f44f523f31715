/* The configuration of one microVM, as Firecracker's API and config file
 * describe it.  Filled by the API handlers and the --config-file parser,
 * read by the VMM when the instance starts.  Strings are heap copies owned
 * by the struct (vm_config_free). */
#ifndef SPLITVM_VM_CONFIG_H
#define SPLITVM_VM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define VM_ID_MAX 64

struct boot_source_config {
	char *kernel_image_path;  /* NULL until PUT /boot-source */
	char *initrd_path;        /* optional */
	char *boot_args;          /* NULL: Firecracker's default boot args */
};

struct machine_config {
	unsigned int vcpu_count;  /* 1..32, default 1 */
	uint64_t mem_size_mib;    /* default 128 */
	bool smt;                 /* default false */
	bool track_dirty_pages;   /* default false; accepted, not used yet */
	char huge_pages[8];       /* "None" (default) or "2M" */
};

struct logger_config {
	char *log_path;           /* NULL: stderr */
	char *level;              /* Error|Warning|Info|Debug|Trace|Off; default Info */
	bool show_level;
	bool show_log_origin;
};

struct metrics_config {
	char *metrics_path;       /* NULL: metrics disabled */
};

struct serial_config {
	char *serial_out_path;    /* NULL: the VMM's stdout */
};

struct vm_config {
	char id[VM_ID_MAX + 1];   /* --id, default "anonymous-instance" */
	bool enable_pci;          /* --enable-pci */
	struct boot_source_config boot;
	struct machine_config machine;
	struct logger_config logger;
	struct metrics_config metrics;
	struct serial_config serial;
};

void vm_config_init(struct vm_config *cfg);   /* Firecracker's defaults */
void vm_config_free(struct vm_config *cfg);

#endif
