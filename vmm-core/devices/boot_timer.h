/* Firecracker's boot timer: an MMIO page at LAYOUT_BOOT_TIMER where a guest
 * init writes the byte 123 once it is up; the VMM logs the time since the
 * process started ("Guest-boot-time = N us M ms") and records it as a
 * metric.  Used to measure boot time from inside the guest. */
#ifndef SPLITVM_BOOT_TIMER_H
#define SPLITVM_BOOT_TIMER_H

#include <stdatomic.h>
#include <stdint.h>

#include "io_bus.h"

#define BOOT_TIMER_MAGIC 123

struct boot_timer {
	uint64_t start_ns;        /* CLOCK_MONOTONIC at process start */
	uint64_t start_cpu_ns;    /* CLOCK_PROCESS_CPUTIME_ID at process start */
	_Atomic uint64_t boot_time_us;   /* 0 until the guest reports */
	void (*on_boot)(void *opaque, uint64_t us);
	void *opaque;
};

extern const struct io_device_ops boot_timer_ops;

void boot_timer_init(struct boot_timer *t, uint64_t start_ns, uint64_t start_cpu_ns,
		     void (*on_boot)(void *opaque, uint64_t us), void *opaque);

#endif
