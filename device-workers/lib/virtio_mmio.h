/* virtio-mmio version 2 transport (virtio 1.2, "Virtio Over MMIO"): the
 * worker's half.  The core forwards every guest access to the device's 4 KiB
 * window through the mailbox as region 0, except QueueNotify, which it backs
 * with a KVM ioeventfd (a forwarded QueueNotify write is served all the same).
 * Interrupts go to the device's single pin (one irqfd) with InterruptStatus
 * telling the driver why. */
#ifndef SPLITVM_WORKERS_VIRTIO_MMIO_H
#define SPLITVM_WORKERS_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_dev.h"

#define VIRTIO_MMIO_WINDOW_SIZE		0x1000u
#define VIRTIO_MMIO_MAGIC		0x74726976u	/* "virt" */
#define VIRTIO_MMIO_VERSION		2u
/* "MMIO Device Register Layout": VendorID is free for virtio-mmio; the virtio
 * PCI vendor says who we emulate. */
#define VIRTIO_MMIO_VENDOR_ID		0x1af4u

#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION_REG		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID_REG	0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW	0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH	0x0a4
#define VIRTIO_MMIO_SHM_SEL		0x0ac
#define VIRTIO_MMIO_SHM_LEN_LOW		0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH	0x0b4
#define VIRTIO_MMIO_SHM_BASE_LOW	0x0b8
#define VIRTIO_MMIO_SHM_BASE_HIGH	0x0bc
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

/* One register access at offset of the window; size is 1, 2, 4 or 8.
 * Same contract as virtio_pci_access(). */
int virtio_mmio_access(struct virtio_dev *dev, uint64_t offset, uint32_t size,
		       bool write, uint64_t *data) __attribute__((warn_unused_result));

#endif
