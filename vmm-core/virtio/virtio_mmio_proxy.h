/* virtio-mmio (version 2) in the core: a 4 KiB window on the MMIO bus
 * whose registers are forwarded to the worker, QueueNotify backed by one
 * ioeventfd per queue (datamatch on the queue index, so a kick never exits
 * to the core), and the interrupt as a level-triggered irqfd on an IOAPIC
 * pin.  The worker raises the irqfd; KVM keeps the line up until the
 * guest's EOI and then reports it on the resample eventfd, where the core
 * re-reads InterruptStatus through the mailbox and raises the line again
 * if an interrupt arrived after the guest's ACK.  Without that, a queue
 * interrupt landing between the ACK and the EOI would be lost. */
#ifndef SPLITVM_VIRTIO_MMIO_PROXY_H
#define SPLITVM_VIRTIO_MMIO_PROXY_H

#include <stdint.h>

#include "io_bus.h"
#include "virtio_mmio.h"
#include "virtio_proxy.h"

struct event;
struct event_base;
struct kvm;

struct virtio_mmio_proxy {
	struct virtio_proxy *proxy;
	struct kvm *kvm;
	uint64_t base;
	unsigned int gsi;
	int resample_fd;
	struct event *resample_ev;
	unsigned int n_ioeventfds;
	bool irqfd_assigned;
};

extern const struct io_device_ops virtio_mmio_proxy_ops;

/* Registers the window [base, base + 4 KiB) on mmio, the ioeventfds and
 * the irqfd on gsi, and watches the resample eventfd on base.  Call before
 * the vCPUs start.  0 or -errno with err. */
int virtio_mmio_proxy_attach(struct virtio_mmio_proxy *m, struct virtio_proxy *p,
			     struct kvm *kvm, struct io_bus *mmio, struct event_base *base,
			     uint64_t addr, unsigned int gsi, char *err, size_t errlen);
void virtio_mmio_proxy_detach(struct virtio_mmio_proxy *m);

/* The kernel parameter that announces the window: "virtio_mmio.device=
 * 4K@0xd0000000:5".  Returns snprintf's count. */
int virtio_mmio_proxy_cmdline(const struct virtio_mmio_proxy *m, char *buf, size_t len);

#endif
