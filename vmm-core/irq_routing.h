/* The VM's GSI routing table.  KVM_SET_GSI_ROUTING replaces the whole
 * table, so the core keeps one copy: the 24 IOAPIC pins (and the PIC for
 * the first 16), exactly as KVM sets them up by default, followed by one
 * MSI route per MSI-X vector in use.  A route is pushed to KVM only when
 * its message actually changed, so a guest rewriting the same entry costs
 * nothing.  The table is shared by every device and may be changed from any
 * vCPU thread. */
#ifndef SPLITVM_IRQ_ROUTING_H
#define SPLITVM_IRQ_ROUTING_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct kvm_irq_routing;

/* GSIs below this are the IOAPIC pins; MSI routes are allocated above. */
#define IRQ_ROUTING_FIRST_MSI_GSI 24u
#define IRQ_ROUTING_MAX_MSI       512u

/* Pushes a complete table to KVM (KVM_SET_GSI_ROUTING); replaceable so that
 * the table logic is tested without a VM.  Returns 0 or -errno. */
typedef int (*irq_routing_apply_fn)(void *opaque, const struct kvm_irq_routing *table);

struct irq_msi_route {
	bool allocated;
	bool valid;               /* a message was set */
	uint64_t addr;
	uint32_t data;
};

struct irq_routing {
	pthread_mutex_t lock;
	irq_routing_apply_fn apply;
	void *opaque;
	unsigned int n_msi;       /* routes allocated so far */
	struct irq_msi_route msi[IRQ_ROUTING_MAX_MSI];
	uint64_t updates;         /* tables pushed, for metrics and tests */
};

/* apply(opaque, table) pushes tables; irq_routing_kvm_apply with a pointer
 * to the VM fd as opaque is the real one. */
void irq_routing_init(struct irq_routing *r, irq_routing_apply_fn apply, void *opaque);
void irq_routing_destroy(struct irq_routing *r);
int irq_routing_kvm_apply(void *vm_fd_ptr, const struct kvm_irq_routing *table);

/* A fresh MSI GSI (no route until irq_routing_set_msi).  -ENOSPC. */
int irq_routing_alloc_msi(struct irq_routing *r);
/* Routes gsi to the MSI message (addr, data); pushes the table only when
 * the message differs from the one in force.  0 or -errno. */
int irq_routing_set_msi(struct irq_routing *r, unsigned int gsi, uint64_t addr, uint32_t data);

#endif
