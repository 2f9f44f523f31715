/* virtio-pci modern transport (virtio 1.2, "Virtio Over PCI Bus"): the
 * worker's half.
 *
 * The core owns PCI config space, including the virtio vendor capabilities
 * that tell the guest where the structures below live, and the MSI-X table
 * and PBA (in a BAR of its own).  The worker owns the registers of the one
 * BAR that holds the virtio structures; the core forwards every guest access
 * to them through the mailbox as region 0, except the notify area, which the
 * core backs with KVM ioeventfds.  Both sides build the layout from these
 * constants:
 *
 *   BAR offset  size     structure (virtio_pci_cap.cfg_type)
 *   0x0000      0x1000   common configuration  (VIRTIO_PCI_CAP_COMMON_CFG)
 *   0x1000      0x1000   ISR status            (VIRTIO_PCI_CAP_ISR_CFG)
 *   0x2000      0x1000   device configuration  (VIRTIO_PCI_CAP_DEVICE_CFG)
 *   0x3000      0x1000   notifications         (VIRTIO_PCI_CAP_NOTIFY_CFG),
 *                        notify_off_multiplier 4, queue_notify_off = index
 *
 * A write that reaches the worker in the notify area anyway is served as a
 * notification of the queue its offset names.
 */
#ifndef SPLITVM_WORKERS_VIRTIO_PCI_H
#define SPLITVM_WORKERS_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio_dev.h"

#define VIRTIO_PCI_COMMON_OFF		0x0000u
#define VIRTIO_PCI_ISR_OFF		0x1000u
#define VIRTIO_PCI_DEVICE_OFF		0x2000u
#define VIRTIO_PCI_NOTIFY_OFF		0x3000u
#define VIRTIO_PCI_REGION_SIZE		0x1000u
#define VIRTIO_PCI_BAR_SIZE		0x4000u
#define VIRTIO_PCI_NOTIFY_MULTIPLIER	4u

/* struct virtio_pci_common_cfg offsets ("Common configuration structure
 * layout") */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00
#define VIRTIO_PCI_COMMON_DF		0x04
#define VIRTIO_PCI_COMMON_GFSELECT	0x08
#define VIRTIO_PCI_COMMON_GF		0x0c
#define VIRTIO_PCI_COMMON_MSIX		0x10
#define VIRTIO_PCI_COMMON_NUMQ		0x12
#define VIRTIO_PCI_COMMON_STATUS	0x14
#define VIRTIO_PCI_COMMON_CFGGENERATION	0x15
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e
#define VIRTIO_PCI_COMMON_Q_DESCLO	0x20
#define VIRTIO_PCI_COMMON_Q_DESCHI	0x24
#define VIRTIO_PCI_COMMON_Q_AVAILLO	0x28
#define VIRTIO_PCI_COMMON_Q_AVAILHI	0x2c
#define VIRTIO_PCI_COMMON_Q_USEDLO	0x30
#define VIRTIO_PCI_COMMON_Q_USEDHI	0x34

/* One register access at offset of the virtio BAR; size is 1, 2, 4 or 8.
 * Reads fill *data (0 for anything unmapped), writes take it.  Returns
 * -EINVAL only for an access outside the BAR or of another size; a guest
 * access to a register that does not exist, or with the wrong width, is
 * read as 0 / ignored, as hardware would. */
int virtio_pci_access(struct virtio_dev *dev, uint64_t offset, uint32_t size,
		      bool write, uint64_t *data) __attribute__((warn_unused_result));

#endif
