/* virtio-pci (modern) in the core: the PCI function whose configuration
 * space, capabilities and MSI-X the core owns, in front of a worker that
 * owns the virtio registers.
 *
 *   BAR 0 (64-bit, VIRTIO_PCI_BAR_SIZE): the virtio structures at the
 *     offsets of device-workers/lib/virtio_pci.h; accesses are forwarded
 *     to the worker, except queue notifications, which land on ioeventfds
 *     at BAR 0 + VIRTIO_PCI_NOTIFY_OFF + 4 * queue.
 *   BAR 2 (32-bit, 4 KiB): MSI-X table at 0, PBA at 0x800, in the core.
 *
 * Vector 0 is the configuration vector and vector q + 1 queue q's, as the
 * worker's QueueSetup/ConfigInterrupt say; each is a KVM MSI route plus an
 * irqfd on the eventfd the worker writes.  The guest's choice of message
 * reaches KVM only through msix.c. */
#ifndef SPLITVM_VIRTIO_PCI_PROXY_H
#define SPLITVM_VIRTIO_PCI_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "msix.h"
#include "pci_bus.h"
#include "pci_dev.h"
#include "virtio_proxy.h"

struct irq_routing;
struct kvm;

#define VIRTIO_PCI_PROXY_MSIX_BAR   2
#define VIRTIO_PCI_PROXY_MSIX_SIZE  0x1000
#define VIRTIO_PCI_PROXY_PBA_OFF    0x800

struct virtio_pci_proxy {
	struct pci_dev dev;
	struct msix msix;
	bool msix_ready;
	struct virtio_proxy *proxy;
	struct kvm *kvm;
	struct irq_routing *routing;
	unsigned int gsi[VIRTIO_PROXY_MAX_VECTORS];
	bool irqfd_on[VIRTIO_PROXY_MAX_VECTORS];
	bool notify_on;
	uint64_t notify_base;     /* BAR 0 base the ioeventfds sit at */
	int slot;
};

/* Builds the function and puts it on bus (which assigns its BARs and so
 * registers the ioeventfds).  0 or -errno with err. */
int virtio_pci_proxy_attach(struct virtio_pci_proxy *vp, struct virtio_proxy *p,
			    struct kvm *kvm, struct irq_routing *routing, struct pci_bus *bus,
			    char *err, size_t errlen);
/* Removes ioeventfds and irqfds; the vCPUs must be stopped. */
void virtio_pci_proxy_detach(struct virtio_pci_proxy *vp);

#endif
