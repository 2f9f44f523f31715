// SPDX-License-Identifier: Apache-2.0
#include "virtio_pci.h"

#include <errno.h>
#include <inttypes.h>

#include "log.h"

enum common_field {
	CF_DFSELECT, CF_DF, CF_GFSELECT, CF_GF, CF_MSIX, CF_NUMQ, CF_STATUS,
	CF_CFGGENERATION, CF_Q_SELECT, CF_Q_SIZE, CF_Q_MSIX, CF_Q_ENABLE,
	CF_Q_NOFF, CF_Q_DESC, CF_Q_AVAIL, CF_Q_USED, CF_COUNT
};

static const struct {
	uint8_t off;
	uint8_t width;
} common_fields[CF_COUNT] = {
	[CF_DFSELECT] = { VIRTIO_PCI_COMMON_DFSELECT, 4 },
	[CF_DF] = { VIRTIO_PCI_COMMON_DF, 4 },
	[CF_GFSELECT] = { VIRTIO_PCI_COMMON_GFSELECT, 4 },
	[CF_GF] = { VIRTIO_PCI_COMMON_GF, 4 },
	[CF_MSIX] = { VIRTIO_PCI_COMMON_MSIX, 2 },
	[CF_NUMQ] = { VIRTIO_PCI_COMMON_NUMQ, 2 },
	[CF_STATUS] = { VIRTIO_PCI_COMMON_STATUS, 1 },
	[CF_CFGGENERATION] = { VIRTIO_PCI_COMMON_CFGGENERATION, 1 },
	[CF_Q_SELECT] = { VIRTIO_PCI_COMMON_Q_SELECT, 2 },
	[CF_Q_SIZE] = { VIRTIO_PCI_COMMON_Q_SIZE, 2 },
	[CF_Q_MSIX] = { VIRTIO_PCI_COMMON_Q_MSIX, 2 },
	[CF_Q_ENABLE] = { VIRTIO_PCI_COMMON_Q_ENABLE, 2 },
	[CF_Q_NOFF] = { VIRTIO_PCI_COMMON_Q_NOFF, 2 },
	[CF_Q_DESC] = { VIRTIO_PCI_COMMON_Q_DESCLO, 8 },
	[CF_Q_AVAIL] = { VIRTIO_PCI_COMMON_Q_AVAILLO, 8 },
	[CF_Q_USED] = { VIRTIO_PCI_COMMON_Q_USEDLO, 8 },
};

/* "Virtio Structure PCI Capabilities", driver requirements: "The driver MUST
 * access each field using the "natural" width (i.e. 32-bit accesses for 32-bit
 * fields, etc.), except for 64-bit fields which the driver MAY access as two
 * 32-bit fields".  Finds the field and the bit shift of the accessed part, or
 * -1 for any other access. */
static int common_decode(uint64_t off, uint32_t size, unsigned int *shift)
{
	for (int f = 0; f < CF_COUNT; f++) {
		uint64_t base = common_fields[f].off;
		uint32_t width = common_fields[f].width;

		if (off == base && size == width) {
			*shift = 0;
			return f;
		}
		if (width == 8 && size == 4 && (off == base || off == base + 4)) {
			*shift = (unsigned int)(off - base) * 8;
			return f;
		}
	}
	return -1;
}

static uint64_t *queue_addr_field(struct virtio_queue *q, int f)
{
	return f == CF_Q_DESC ? &q->desc_gpa : f == CF_Q_AVAIL ? &q->avail_gpa : &q->used_gpa;
}

static uint64_t common_read(struct virtio_dev *dev, int f)
{
	struct virtio_queue *q = virtio_dev_selected_queue(dev);

	switch (f) {
	case CF_DFSELECT: return dev->device_feature_sel;
	case CF_DF: return virtio_dev_get_device_features(dev);
	case CF_GFSELECT: return dev->driver_feature_sel;
	case CF_GF: return virtio_dev_get_driver_features(dev);
	case CF_MSIX: return dev->msix_config;
	case CF_NUMQ: return dev->ops->num_queues;
	case CF_STATUS: return virtio_dev_get_status(dev);
	case CF_CFGGENERATION: return dev->config_generation & 0xff;
	case CF_Q_SELECT: return dev->queue_sel;
	default: break;
	}
	/* "Common configuration structure layout": a queue_select past
	 * num_queues reads queue_size 0 ("the queue is unavailable"), and so
	 * everything else of it. */
	if (!q)
		return f == CF_Q_MSIX ? VIRTIO_MSI_NO_VECTOR : 0;
	switch (f) {
	case CF_Q_SIZE: return q->size;
	case CF_Q_MSIX: return q->msix_vector;
	case CF_Q_ENABLE: return q->enabled;
	case CF_Q_NOFF: return dev->queue_sel;
	default: return *queue_addr_field(q, f);
	}
}

/* "MSI-X Vector Configuration": "Devices MUST report mapping failures by
 * returning the NO_VECTOR value when the relevant
 * config_msix_vector/queue_msix_vector field is read." We can map exactly the
 * vectors whose irqfd the core gave us. */
static uint16_t map_vector(struct virtio_dev *dev, uint64_t val)
{
	uint16_t v = (uint16_t)val;

	if (v != VIRTIO_MSI_NO_VECTOR && !virtio_dev_has_vector(dev, v)) {
		log_debug("virtio-pci %s: vector %u has no irqfd", dev->ops->name, v);
		return VIRTIO_MSI_NO_VECTOR;
	}
	return v;
}

static void queue_write(struct virtio_dev *dev, int f, unsigned int shift,
			uint32_t size, uint64_t val)
{
	struct virtio_queue *q = virtio_dev_selected_queue(dev);
	uint64_t *field;

	if (!q)
		return;
	if (f == CF_Q_ENABLE) {
		/* "Common configuration structure layout", driver requirements:
		 * "The driver MUST NOT write a 0 to queue_enable." */
		if (val == 1)
			virtio_dev_queue_enable(dev, q);
		else
			log_warn("virtio-pci %s: queue_enable written with %" PRIu64,
				 dev->ops->name, val);
		return;
	}
	if (f == CF_Q_MSIX) {
		q->msix_vector = map_vector(dev, val);
		return;
	}
	if (!virtio_dev_queue_writable(dev, q)) {
		log_debug("virtio-pci %s: write to live queue %u ignored", dev->ops->name,
			  dev->queue_sel);
		return;
	}
	if (f == CF_Q_SIZE) {
		q->size = (uint16_t)val;	/* checked when the queue is enabled */
		return;
	}
	field = queue_addr_field(q, f);
	if (size == 8)
		*field = val;
	else if (shift)		/* the high half, as Linux writes it second */
		*field = (*field & 0xffffffffULL) | (val << 32);
	else
		*field = (*field & ~0xffffffffULL) | (uint32_t)val;
}

static void common_write(struct virtio_dev *dev, int f, unsigned int shift,
			 uint32_t size, uint64_t val)
{
	switch (f) {
	case CF_DFSELECT: dev->device_feature_sel = (uint32_t)val; return;
	case CF_GFSELECT: dev->driver_feature_sel = (uint32_t)val; return;
	case CF_GF: virtio_dev_set_driver_features(dev, (uint32_t)val); return;
	case CF_MSIX: dev->msix_config = map_vector(dev, val); return;
	case CF_STATUS: virtio_dev_set_status(dev, (uint8_t)val); return;
	case CF_Q_SELECT: dev->queue_sel = (uint16_t)val; return;
	case CF_Q_SIZE: case CF_Q_MSIX: case CF_Q_ENABLE:
	case CF_Q_DESC: case CF_Q_AVAIL: case CF_Q_USED:
		queue_write(dev, f, shift, size, val);
		return;
	default:
		/* device_feature, num_queues, config_generation,
		 * queue_notify_off are read-only. */
		log_debug("virtio-pci %s: write to read-only common field %d ignored",
			  dev->ops->name, f);
	}
}

static void common_access(struct virtio_dev *dev, uint64_t off, uint32_t size,
			  bool write, uint64_t *data)
{
	unsigned int shift;
	int f = common_decode(off, size, &shift);

	if (f < 0) {
		log_debug("virtio-pci %s: common cfg access 0x%" PRIx64 "/%u ignored",
			  dev->ops->name, off, size);
		if (!write)
			*data = 0;
		return;
	}
	if (write) {
		common_write(dev, f, shift, size, *data);
		return;
	}
	*data = common_read(dev, f) >> shift;
	if (size < 8)
		*data &= (1ULL << (8 * size)) - 1;
}

int virtio_pci_access(struct virtio_dev *dev, uint64_t offset, uint32_t size,
		      bool write, uint64_t *data)
{
	uint64_t off;

	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    offset >= VIRTIO_PCI_BAR_SIZE || offset + size > VIRTIO_PCI_BAR_SIZE)
		return -EINVAL;
	off = offset % VIRTIO_PCI_REGION_SIZE;
	switch (offset / VIRTIO_PCI_REGION_SIZE * VIRTIO_PCI_REGION_SIZE) {
	case VIRTIO_PCI_COMMON_OFF:
		common_access(dev, off, size, write, data);
		break;
	case VIRTIO_PCI_ISR_OFF:
		/* "ISR status capability": "To avoid an extra access, simply
		 * reading this register resets it to 0 and causes the device to
		 * de-assert the interrupt." Writes do nothing. */
		if (!write) {
			*data = off == 0 ? dev->isr : 0;
			if (off == 0)
				dev->isr = 0;
		}
		break;
	case VIRTIO_PCI_DEVICE_OFF:
		if (write)
			virtio_dev_config_write(dev, (uint32_t)off, size, *data);
		else
			virtio_dev_config_read(dev, (uint32_t)off, size, data);
		break;
	default:	/* VIRTIO_PCI_NOTIFY_OFF */
		if (write && off % VIRTIO_PCI_NOTIFY_MULTIPLIER == 0)
			virtio_dev_kick(dev, (uint16_t)(off / VIRTIO_PCI_NOTIFY_MULTIPLIER));
		else if (!write)
			*data = 0;
		break;
	}
	return 0;
}
