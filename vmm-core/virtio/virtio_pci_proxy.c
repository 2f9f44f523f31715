#include "virtio_pci_proxy.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include "irq_routing.h"
#include "kvm.h"
#include "log.h"
#include "virtio_pci.h"

/* virtio 1.2, 4.1.4: struct virtio_pci_cap cfg_type values. */
#define VIRTIO_PCI_CAP_COMMON_CFG  1
#define VIRTIO_PCI_CAP_NOTIFY_CFG  2
#define VIRTIO_PCI_CAP_ISR_CFG     3
#define VIRTIO_PCI_CAP_DEVICE_CFG  4

#define VIRTIO_PCI_VENDOR          0x1af4
#define VIRTIO_PCI_DEVICE_BASE     0x1040  /* + device id: modern devices */
#define VIRTIO_PCI_SUBSYS_ID       0x40    /* 4.1.2.1: at least 0x40 */

static struct virtio_pci_proxy *of(struct pci_dev *d)
{
	return d->opaque;
}

static void bar_read(struct pci_dev *d, unsigned int bar, uint64_t off, void *data,
		     unsigned int len)
{
	struct virtio_pci_proxy *vp = of(d);

	if (bar == 0)
		virtio_proxy_read(vp->proxy, off, data, len);
	else if (off < VIRTIO_PCI_PROXY_PBA_OFF)
		msix_table_read(&vp->msix, off, data, len);
	else
		msix_pba_read(&vp->msix, off - VIRTIO_PCI_PROXY_PBA_OFF, data, len);
}

static void bar_write(struct pci_dev *d, unsigned int bar, uint64_t off, const void *data,
		      unsigned int len)
{
	struct virtio_pci_proxy *vp = of(d);

	if (bar == 0)
		virtio_proxy_write(vp->proxy, off, data, len);
	else if (off < VIRTIO_PCI_PROXY_PBA_OFF)
		msix_table_write(&vp->msix, off, data, len);
	/* The PBA is read-only. */
}

static uint64_t notify_addr(uint64_t base, uint16_t q)
{
	return base + VIRTIO_PCI_NOTIFY_OFF + (uint64_t)q * VIRTIO_PCI_NOTIFY_MULTIPLIER;
}

/* Linux writes the queue index as 16 bits (vp_notify); a write of another
 * width misses the ioeventfd and is forwarded, which the worker serves as
 * a notification all the same. */
static void set_notify(struct virtio_pci_proxy *vp, uint64_t base, bool assign)
{
	for (uint16_t q = 0; q < vp->proxy->kind->num_queues; q++) {
		int ret = kvm_ioeventfd(vp->kvm, vp->proxy->notify_fd[q], notify_addr(base, q), 2,
					-1, assign);

		if (ret)
			log_err("device %s: %s the notify ioeventfd of queue %u at 0x%llx: %s",
				vp->proxy->id, assign ? "adding" : "removing", q,
				(unsigned long long)notify_addr(base, q), strerror(-ret));
	}
}

/* The worker needs no news of a move: mailbox offsets are BAR-relative. */
static void bar_remap(struct pci_dev *d, unsigned int bar, bool old_on, uint64_t old_base,
		      bool new_on, uint64_t new_base)
{
	struct virtio_pci_proxy *vp = of(d);

	if (bar != 0)
		return;
	if (old_on && vp->notify_on)
		set_notify(vp, old_base, false);
	vp->notify_on = false;
	if (new_on) {
		set_notify(vp, new_base, true);
		vp->notify_on = true;
		vp->notify_base = new_base;
	}
	log_debug("device %s: BAR 0 %s 0x%llx", vp->proxy->id, new_on ? "decodes at" : "off",
		  (unsigned long long)new_base);
}

static const struct pci_dev_ops virtio_pci_proxy_ops = {
	.bar_read = bar_read,
	.bar_write = bar_write,
	.bar_remap = bar_remap,
};

/* Switching a vector on: route first, then attach the irqfd.  An interrupt
 * the worker raised while the vector was off is still counted in the
 * eventfd; it is taken and raised again once the irqfd listens, so it is
 * delivered exactly once. */
static int vector_update(void *opaque, unsigned int vec, bool enable, uint64_t addr,
			 uint32_t data)
{
	struct virtio_pci_proxy *vp = opaque;
	int fd = vp->proxy->irq_fd[vec], ret;
	eventfd_t pending = 0;

	if (vec >= vp->proxy->n_vectors)
		return -EINVAL;
	if (!enable) {
		if (!vp->irqfd_on[vec])
			return 0;
		vp->irqfd_on[vec] = false;
		return kvm_irqfd(vp->kvm, fd, vp->gsi[vec], -1, false);
	}
	ret = irq_routing_set_msi(vp->routing, vp->gsi[vec], addr, data);
	if (ret || vp->irqfd_on[vec])
		return ret;
	(void)eventfd_read(fd, &pending);
	ret = kvm_irqfd(vp->kvm, fd, vp->gsi[vec], -1, true);
	if (ret)
		return ret;
	vp->irqfd_on[vec] = true;
	if (pending && eventfd_write(fd, 1) < 0)
		return -errno;
	return 0;
}

static bool vector_pending(void *opaque, unsigned int vec)
{
	struct virtio_pci_proxy *vp = opaque;
	struct pollfd p = { .fd = vp->proxy->irq_fd[vec], .events = POLLIN };

	return vec < vp->proxy->n_vectors && poll(&p, 1, 0) == 1;
}

static const struct msix_ops virtio_pci_msix_ops = {
	.update = vector_update,
	.pending = vector_pending,
};

static int add_virtio_cap(struct pci_dev *d, uint8_t type, uint32_t offset, uint32_t length,
			  bool notify)
{
	uint8_t cap[20] = { PCI_CAP_ID_VNDR, 0, notify ? 20 : 16, type, 0 /* bar */ };
	uint32_t mult = VIRTIO_PCI_NOTIFY_MULTIPLIER;

	memcpy(&cap[8], &offset, 4);
	memcpy(&cap[12], &length, 4);
	if (notify)
		memcpy(&cap[16], &mult, 4);
	return pci_dev_add_cap(d, cap, notify ? 20 : 16, NULL);
}

static int build_function(struct virtio_pci_proxy *vp)
{
	const struct virtio_kind *k = vp->proxy->kind;
	struct pci_id id = {
		.vendor = VIRTIO_PCI_VENDOR,
		.device = (uint16_t)(VIRTIO_PCI_DEVICE_BASE + k->device_type),
		.subsys_vendor = VIRTIO_PCI_VENDOR,
		.subsys_id = VIRTIO_PCI_SUBSYS_ID,
		.class_code = k->pci_class,
		.revision = 1,
	};
	int ret;

	pci_dev_init(&vp->dev, &id, &virtio_pci_proxy_ops, vp);
	ret = pci_dev_add_bar(&vp->dev, 0, VIRTIO_PCI_BAR_SIZE, true);
	if (!ret)
		ret = pci_dev_add_bar(&vp->dev, VIRTIO_PCI_PROXY_MSIX_BAR,
				      VIRTIO_PCI_PROXY_MSIX_SIZE, false);
	if (ret)
		return ret;
	if ((ret = add_virtio_cap(&vp->dev, VIRTIO_PCI_CAP_COMMON_CFG, VIRTIO_PCI_COMMON_OFF,
				  VIRTIO_PCI_REGION_SIZE, false)) < 0 ||
	    (ret = add_virtio_cap(&vp->dev, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR_OFF,
				  VIRTIO_PCI_REGION_SIZE, false)) < 0 ||
	    (ret = add_virtio_cap(&vp->dev, VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_OFF,
				  VIRTIO_PCI_REGION_SIZE, false)) < 0 ||
	    (ret = add_virtio_cap(&vp->dev, VIRTIO_PCI_CAP_NOTIFY_CFG, VIRTIO_PCI_NOTIFY_OFF,
				  VIRTIO_PCI_REGION_SIZE, true)) < 0)
		return ret;
	ret = msix_init(&vp->msix, vp->proxy->n_vectors, &virtio_pci_msix_ops, vp);
	if (ret)
		return ret;
	vp->msix_ready = true;
	ret = pci_dev_add_msix(&vp->dev, &vp->msix, VIRTIO_PCI_PROXY_MSIX_BAR, 0,
			       VIRTIO_PCI_PROXY_PBA_OFF);
	return ret < 0 ? ret : 0;
}

int virtio_pci_proxy_attach(struct virtio_pci_proxy *vp, struct virtio_proxy *p,
			    struct kvm *kvm, struct irq_routing *routing, struct pci_bus *bus,
			    char *err, size_t errlen)
{
	int ret;

	memset(vp, 0, sizeof(*vp));
	vp->proxy = p;
	vp->kvm = kvm;
	vp->routing = routing;
	for (unsigned int v = 0; v < p->n_vectors; v++) {
		ret = irq_routing_alloc_msi(routing);
		if (ret < 0) {
			snprintf(err, errlen, "Device %s: no GSI left for its MSI-X vectors", p->id);
			return ret;
		}
		vp->gsi[v] = (unsigned int)ret;
	}
	ret = build_function(vp);
	if (ret) {
		snprintf(err, errlen, "Device %s: cannot build its PCI function: %s", p->id,
			 strerror(-ret));
		return ret;
	}
	vp->slot = pci_bus_add(bus, &vp->dev);
	if (vp->slot < 0) {
		snprintf(err, errlen, "Device %s: no room on PCI bus 0: %s", p->id,
			 strerror(-vp->slot));
		return vp->slot;
	}
	log_info("device %s: virtio-pci %04x:%04x at 00:%02x.0, BAR 0 at 0x%llx", p->id,
		 VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEVICE_BASE + p->kind->device_type, vp->slot,
		 (unsigned long long)pci_dev_bar_addr(&vp->dev, 0));
	return 0;
}

void virtio_pci_proxy_detach(struct virtio_pci_proxy *vp)
{
	if (vp->notify_on)
		set_notify(vp, vp->notify_base, false);
	vp->notify_on = false;
	for (unsigned int v = 0; vp->proxy && v < vp->proxy->n_vectors; v++) {
		if (vp->irqfd_on[v])
			(void)kvm_irqfd(vp->kvm, vp->proxy->irq_fd[v], vp->gsi[v], -1, false);
		vp->irqfd_on[v] = false;
	}
	if (vp->msix_ready)
		msix_destroy(&vp->msix);
	vp->msix_ready = false;
}
