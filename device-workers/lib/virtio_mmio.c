// SPDX-License-Identifier: Apache-2.0
#include "virtio_mmio.h"

#include <errno.h>
#include <inttypes.h>

#include "log.h"

static uint32_t queue_reg_read(struct virtio_dev *dev, uint64_t off)
{
	struct virtio_queue *q = virtio_dev_selected_queue(dev);

	if (!q)
		return 0;	/* QueueNumMax 0: "the queue is not available" */
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return q->max_size;
	case VIRTIO_MMIO_QUEUE_READY: return q->enabled;
	default: return 0;
	}
}

static uint32_t reg_read(struct virtio_dev *dev, uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION_REG: return VIRTIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID: return dev->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID_REG: return VIRTIO_MMIO_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES: return virtio_dev_get_device_features(dev);
	case VIRTIO_MMIO_INTERRUPT_STATUS: return dev->isr;
	case VIRTIO_MMIO_STATUS: return virtio_dev_get_status(dev);
	case VIRTIO_MMIO_CONFIG_GENERATION: return dev->config_generation;
	/* "MMIO Device Register Layout": "Reading from a non-existent region
	 * (i.e. where the ID written to SHMSel is unused) results in a length
	 * of -1." */
	case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH: return 0xffffffffu;
	case VIRTIO_MMIO_QUEUE_NUM_MAX: case VIRTIO_MMIO_QUEUE_READY:
		return queue_reg_read(dev, off);
	default:
		log_debug("virtio-mmio %s: read of 0x%" PRIx64 " (write-only or"
			  " unknown)", dev->ops->name, off);
		return 0;
	}
}

static uint64_t *queue_addr(struct virtio_queue *q, uint64_t off)
{
	switch (off & ~0xfULL) {
	case VIRTIO_MMIO_QUEUE_DESC_LOW: return &q->desc_gpa;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW: return &q->avail_gpa;
	default: return &q->used_gpa;
	}
}

static void queue_reg_write(struct virtio_dev *dev, uint64_t off, uint32_t val)
{
	struct virtio_queue *q = virtio_dev_selected_queue(dev);
	uint64_t *addr;

	if (!q)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		/* "MMIO Device Register Layout": writing 1 "notifies the device
		 * that it can execute requests from this virtual queue"; 0
		 * takes it back. */
		if (val == 1)
			virtio_dev_queue_enable(dev, q);
		else if (val == 0)
			virtio_dev_queue_disable(dev, q);
		return;
	}
	if (!virtio_dev_queue_writable(dev, q)) {
		log_debug("virtio-mmio %s: write to live queue %u ignored", dev->ops->name,
			  dev->queue_sel);
		return;
	}
	if (off == VIRTIO_MMIO_QUEUE_NUM) {
		/* Checked when the queue is made ready; 0 never passes. */
		q->size = val > VIRTQ_MAX_SIZE ? 0 : (uint16_t)val;
		return;
	}
	addr = queue_addr(q, off);
	if (off & 4)
		*addr = (*addr & 0xffffffffULL) | ((uint64_t)val << 32);
	else
		*addr = (*addr & ~0xffffffffULL) | val;
}

static void reg_write(struct virtio_dev *dev, uint64_t off, uint32_t val)
{
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: dev->device_feature_sel = val; return;
	case VIRTIO_MMIO_DRIVER_FEATURES: virtio_dev_set_driver_features(dev, val); return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: dev->driver_feature_sel = val; return;
	case VIRTIO_MMIO_QUEUE_SEL:
		/* Past 0xffff is no queue either: saturate rather than wrap. */
		dev->queue_sel = val > UINT16_MAX ? UINT16_MAX : (uint16_t)val;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		virtio_dev_kick(dev, val > UINT16_MAX ? UINT16_MAX : (uint16_t)val);
		return;
	/* "MMIO Device Register Layout": InterruptACK "Writing a value with
	 * bits set as defined in InterruptStatus to this register notifies the
	 * device that events causing the interrupt have been handled." */
	case VIRTIO_MMIO_INTERRUPT_ACK: dev->isr &= (uint8_t)~val; return;
	case VIRTIO_MMIO_STATUS: virtio_dev_set_status(dev, (uint8_t)val); return;
	case VIRTIO_MMIO_QUEUE_NUM: case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW: case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW: case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		queue_reg_write(dev, off, val);
		return;
	case VIRTIO_MMIO_SHM_SEL:
		return;		/* no shared memory regions */
	default:
		log_debug("virtio-mmio %s: write of 0x%" PRIx64 " (read-only or"
			  " unknown) ignored", dev->ops->name, off);
	}
}

int virtio_mmio_access(struct virtio_dev *dev, uint64_t offset, uint32_t size,
		       bool write, uint64_t *data)
{
	if ((size != 1 && size != 2 && size != 4 && size != 8) ||
	    offset >= VIRTIO_MMIO_WINDOW_SIZE || offset + size > VIRTIO_MMIO_WINDOW_SIZE)
		return -EINVAL;
	if (offset >= VIRTIO_MMIO_CONFIG) {
		if (write)
			virtio_dev_config_write(dev, (uint32_t)(offset - VIRTIO_MMIO_CONFIG),
						size, *data);
		else
			virtio_dev_config_read(dev, (uint32_t)(offset - VIRTIO_MMIO_CONFIG),
					       size, data);
		return 0;
	}
	/* "MMIO Device Register Layout", driver requirements: "The driver MUST
	 * only use 32 bit wide and aligned reads and writes to access the
	 * control registers". */
	if (size != 4 || offset % 4) {
		log_debug("virtio-mmio %s: %u-byte access at 0x%" PRIx64 " ignored",
			  dev->ops->name, size, offset);
		if (!write)
			*data = 0;
		return 0;
	}
	if (write)
		reg_write(dev, offset, (uint32_t)*data);
	else
		*data = reg_read(dev, offset);
	return 0;
}
