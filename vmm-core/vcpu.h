/* vCPU threads.  Each vCPU has its own thread looping on KVM_RUN and
 * dispatching port I/O and MMIO exits to the core's buses.  Pause, resume
 * and stop are requested through struct vcpu_control: the requester sets a
 * flag, arms immediate_exit and kicks each thread with a signal; the vCPU
 * threads themselves wait on the condition variable, never the requester
 * (which waits for acknowledgement only up to a deadline). */
#ifndef SPLITVM_VCPU_H
#define SPLITVM_VCPU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "io_bus.h"

struct kvm;
struct kvm_run;
struct kvm_cpuid2;

/* Why the guest stopped, reported once per VM through vcpu_exit_fn. */
enum vcpu_stop_reason {
	VCPU_STOP_SHUTDOWN,       /* reset, power off, triple fault: exit 0 */
	VCPU_STOP_ERROR,          /* KVM or emulation failure: exit non-zero */
};

struct vcpu_stats {
	_Atomic uint64_t exit_io_in, exit_io_out, exit_mmio_read, exit_mmio_write;
	_Atomic uint64_t exit_shutdown, exit_intr, exit_other, failures;
};

struct vcpu_control {
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* CLOCK_MONOTONIC; vCPUs wait for resume, requesters for acks */
	bool pause_requested;
	bool stop_requested;
	unsigned int n_paused;    /* threads parked in the pause wait */
	unsigned int n_live;      /* threads not yet exited */
	/* Called once, from a vCPU thread, when the guest stops for good. */
	void (*on_stop)(void *opaque, enum vcpu_stop_reason reason);
	void *opaque;
	const struct io_bus *pio, *mmio;
};

struct vcpu {
	unsigned int index;       /* == APIC id == KVM vcpu id */
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	struct vcpu_control *ctl;
	struct vcpu_stats stats;
};

int vcpu_control_init(struct vcpu_control *ctl, const struct io_bus *pio,
		      const struct io_bus *mmio,
		      void (*on_stop)(void *opaque, enum vcpu_stop_reason reason), void *opaque);
void vcpu_control_destroy(struct vcpu_control *ctl);

/* Installs the kick signal handler; call once before starting threads. */
int vcpu_signals_init(void);

/* Creates vCPU index with its CPUID (adjusted for its place in topo),
 * MSRs, FPU and LAPIC; the BSP (index 0) also gets the 64-bit entry
 * registers, the others wait in the kernel for INIT/SIPI. */
struct vcpu_topology {
	unsigned int count;       /* vCPUs in the VM */
	bool smt;                 /* two threads per core (machine-config smt) */
};

int vcpu_create(struct vcpu *v, struct kvm *kvm, unsigned int index,
		const struct vcpu_topology *topo, const struct kvm_cpuid2 *supported,
		const struct boot_entry *entry, struct vcpu_control *ctl,
		char *err, size_t errlen);
int vcpu_start(struct vcpu *v);
void vcpu_destroy(struct vcpu *v);

/* Requests, all from a non-vCPU thread. */
/* Parks every vCPU; returns 0 once all acknowledged, -ETIMEDOUT after
 * timeout_ms (the request stays in force, they park when they can). */
int vcpu_control_pause(struct vcpu_control *ctl, struct vcpu *vcpus, unsigned int n,
		       unsigned int timeout_ms);
void vcpu_control_resume(struct vcpu_control *ctl);
/* Makes every vCPU thread leave its loop (join them afterwards). */
void vcpu_control_stop(struct vcpu_control *ctl, struct vcpu *vcpus, unsigned int n);

#endif
