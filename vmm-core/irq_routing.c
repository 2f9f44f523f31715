#include "irq_routing.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "layout.h"

/* KVM's own default table (kvm_setup_default_irq_routing): every GSI below
 * 16 drives both the PIC pin and the IOAPIC pin of that number, the rest
 * only the IOAPIC.  Replacing the table must keep this, or the legacy
 * devices go silent. */
#define PIC_PINS_PER_CHIP 8u
#define PIC_PINS          16u

static unsigned int add_legacy_routes(struct kvm_irq_routing_entry *e)
{
	unsigned int n = 0;

	for (unsigned int gsi = 0; gsi < LAYOUT_IOAPIC_PINS; gsi++) {
		if (gsi < PIC_PINS) {
			e[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip.irqchip = gsi < PIC_PINS_PER_CHIP ?
						     KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
				.u.irqchip.pin = gsi % PIC_PINS_PER_CHIP,
			};
		}
		e[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi,
			.type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC,
			.u.irqchip.pin = gsi,
		};
	}
	return n;
}

int irq_routing_kvm_apply(void *vm_fd_ptr, const struct kvm_irq_routing *table)
{
	int vm_fd = *(const int *)vm_fd_ptr;

	return ioctl(vm_fd, KVM_SET_GSI_ROUTING, table) < 0 ? -errno : 0;
}

void irq_routing_init(struct irq_routing *r, irq_routing_apply_fn apply, void *opaque)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->apply = apply;
	r->opaque = opaque;
}

void irq_routing_destroy(struct irq_routing *r)
{
	pthread_mutex_destroy(&r->lock);
}

int irq_routing_alloc_msi(struct irq_routing *r)
{
	int gsi = -ENOSPC;

	pthread_mutex_lock(&r->lock);
	if (r->n_msi < IRQ_ROUTING_MAX_MSI) {
		r->msi[r->n_msi].allocated = true;
		gsi = (int)(IRQ_ROUTING_FIRST_MSI_GSI + r->n_msi);
		r->n_msi++;
	}
	pthread_mutex_unlock(&r->lock);
	return gsi;
}

/* Called with the lock held. */
static int push_table(struct irq_routing *r)
{
	size_t max = LAYOUT_IOAPIC_PINS + PIC_PINS + r->n_msi;
	struct kvm_irq_routing *t;
	unsigned int n;
	int ret;

	t = calloc(1, sizeof(*t) + max * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	n = add_legacy_routes(t->entries);
	for (unsigned int i = 0; i < r->n_msi; i++) {
		if (!r->msi[i].valid)
			continue;
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = IRQ_ROUTING_FIRST_MSI_GSI + i,
			.type = KVM_IRQ_ROUTING_MSI,
			.u.msi.address_lo = (uint32_t)r->msi[i].addr,
			.u.msi.address_hi = (uint32_t)(r->msi[i].addr >> 32),
			.u.msi.data = r->msi[i].data,
		};
	}
	t->nr = n;
	ret = r->apply(r->opaque, t);
	if (!ret)
		r->updates++;
	free(t);
	return ret;
}

int irq_routing_set_msi(struct irq_routing *r, unsigned int gsi, uint64_t addr, uint32_t data)
{
	struct irq_msi_route *m, old;
	unsigned int i;
	int ret = 0;

	if (gsi < IRQ_ROUTING_FIRST_MSI_GSI)
		return -EINVAL;
	i = gsi - IRQ_ROUTING_FIRST_MSI_GSI;
	pthread_mutex_lock(&r->lock);
	if (i >= r->n_msi) {
		pthread_mutex_unlock(&r->lock);
		return -EINVAL;
	}
	m = &r->msi[i];
	if (!m->valid || m->addr != addr || m->data != data) {
		old = *m;
		*m = (struct irq_msi_route){ .allocated = true, .valid = true,
					     .addr = addr, .data = data };
		ret = push_table(r);
		if (ret)
			*m = old;	/* KVM kept the previous table */
	}
	pthread_mutex_unlock(&r->lock);
	return ret;
}
