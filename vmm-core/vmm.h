/* The VM lifecycle: everything between an InstanceStart and the process
 * exit.  Implements struct vmm_control_ops for the API: instance_start
 * builds guest memory, loads the kernel, writes the x86 tables, creates the
 * devices and vCPUs and starts them, and returns at once; pause/resume
 * park and release the vCPU threads; send_ctrl_alt_del presses the keys on
 * the i8042.  When the guest resets or powers off (or KVM fails), the VMM
 * signals exit_fd; the event loop owner then calls vmm_teardown() and
 * exits with vmm_exit_status(). */
#ifndef SPLITVM_VMM_H
#define SPLITVM_VMM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "api.h"
#include "boot.h"
#include "acpi_sleep.h"
#include "boot_timer.h"
#include "device_plane.h"
#include "i8042.h"
#include "io_bus.h"
#include "kvm.h"
#include "layout.h"
#include "memory.h"
#include "rtc.h"
#include "serial.h"
#include "vcpu.h"

struct metrics;

/* How long PATCH /vm Paused waits for every vCPU to acknowledge. */
#define VMM_PAUSE_TIMEOUT_MS 1000

struct vmm {
	const char *kvm_path;     /* "/dev/kvm" */
	uint64_t start_ns, start_cpu_ns;   /* process start, for the boot timer */
	struct metrics *metrics;  /* may be NULL */

	pthread_mutex_t lock;     /* state and exit fields */
	enum vm_run_state state;
	bool exit_requested;
	int exit_status;
	int exit_fd;              /* eventfd: readable once the VM has stopped */

	const struct vm_config *cfg;
	struct kvm kvm;
	struct guest_memory mem;
	struct boot_entry entry;
	struct io_bus pio, mmio;
	struct serial serial;
	struct i8042 i8042;
	struct boot_timer boot_timer;
	struct rtc rtc;
	struct acpi_sleep acpi_sleep;
	bool devices_ready;
	int serial_fd;
	bool serial_fd_owned;
	struct vcpu_control ctl;
	bool ctl_ready;
	struct device_plane plane;
	bool plane_planned;
	struct event_base *base;  /* the API thread's loop: workers are watched there */
	struct device_plane_opts plane_opts;   /* from the command line */
	struct vcpu vcpus[LAYOUT_MAX_VCPUS];
	unsigned int n_vcpus;
	uint64_t instance_start_ns;
};

extern const struct vmm_control_ops vmm_control_ops;

/* Prepares an idle VMM; nothing touches KVM until instance_start.
 * Returns 0 or -errno. */
int vmm_init(struct vmm *vmm, const char *kvm_path, uint64_t start_ns, uint64_t start_cpu_ns,
	     struct metrics *metrics);
/* Where the device plane lives: the API thread's event loop and the
 * folder holding the worker binaries (NULL: beside vmm-core).  Call
 * before the instance starts. */
void vmm_set_host(struct vmm *vmm, struct event_base *base,
		  const struct device_plane_opts *plane_opts);

/* Stops the vCPUs if they run, joins them and frees everything. */
void vmm_teardown(struct vmm *vmm);

/* Readable (an eventfd) once the guest stopped for good. */
int vmm_exit_fd(const struct vmm *vmm);
/* 0 after a guest reset or power off, 1 after a KVM failure. */
int vmm_exit_status(struct vmm *vmm);

/* Feeds console input to the serial port (after start; else dropped). */
size_t vmm_serial_input(struct vmm *vmm, const uint8_t *buf, size_t len);

#endif
