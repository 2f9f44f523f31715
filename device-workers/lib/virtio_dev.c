// SPDX-License-Identifier: Apache-2.0
#include "virtio_dev.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/eventfd.h>

#include "log.h"

/* The device-specific window is 0x100..0xfff in virtio-mmio and one 4 KiB
 * region in our virtio-pci BAR layout; no device comes close. */
#define VIRTIO_DEV_MAX_CONFIG 0xf00u

int virtio_dev_init(struct virtio_dev *dev, const struct virtio_device_ops *ops,
		    void *priv, enum virtio_transport transport, const struct guest_mem *gm)
{
	uint16_t qmax = ops->queue_max_size;

	if (ops->num_queues == 0 || ops->num_queues > VIRTIO_DEV_MAX_QUEUES ||
	    qmax == 0 || (qmax & (qmax - 1)) || qmax > VIRTQ_MAX_SIZE ||
	    ops->config_size > VIRTIO_DEV_MAX_CONFIG || !ops->queue_notify) {
		log_err("virtio %s: unsupported ops (queues %u, max size %u, config %u)",
			ops->name, ops->num_queues, qmax, ops->config_size);
		return -EINVAL;
	}
	memset(dev, 0, sizeof(*dev));
	dev->ops = ops;
	dev->priv = priv;
	dev->transport = transport;
	dev->gm = gm;
	dev->device_features = ops->features | VIRTIO_DEV_LIB_FEATURES;
	dev->irq.pin_fd = -1;
	for (unsigned int i = 0; i < ops->num_queues; i++)
		dev->queue_max[i] = qmax;
	virtio_dev_reset(dev);
	return 0;
}

void virtio_dev_fini(struct virtio_dev *dev)
{
	for (unsigned int i = 0; i < VIRTIO_DEV_MAX_QUEUES; i++)
		vq_fini(&dev->queues[i].vq);
}

void virtio_dev_reset(struct virtio_dev *dev)
{
	for (unsigned int i = 0; i < VIRTIO_DEV_MAX_QUEUES; i++) {
		struct virtio_queue *q = &dev->queues[i];

		vq_fini(&q->vq);
		memset(q, 0, sizeof(*q));
		if (i < dev->ops->num_queues) {
			q->max_size = dev->queue_max[i];
			/* "Common configuration structure layout": queue_size
			 * "On reset, specifies the maximum queue size supported
			 * by the device." */
			q->size = q->max_size;
		}
		q->msix_vector = VIRTIO_MSI_NO_VECTOR;
	}
	dev->status = 0;
	dev->isr = 0;
	dev->driver_features = 0;
	dev->driver_features_beyond_64 = false;
	dev->device_feature_sel = 0;
	dev->driver_feature_sel = 0;
	dev->queue_sel = 0;
	dev->msix_config = VIRTIO_MSI_NO_VECTOR;
	if (dev->ops->reset)
		dev->ops->reset(dev);
}

int virtio_dev_set_queue_max(struct virtio_dev *dev, uint16_t qidx, uint16_t max)
{
	struct virtio_queue *q;

	if (qidx >= dev->ops->num_queues || max == 0 || (max & (max - 1)) ||
	    max > dev->ops->queue_max_size)
		return -EINVAL;
	q = &dev->queues[qidx];
	dev->queue_max[qidx] = max;
	if (!q->enabled) {
		q->max_size = max;
		if (q->size > max)
			q->size = max;
	}
	return 0;
}

int virtio_dev_set_vector_fd(struct virtio_dev *dev, uint16_t vector, int fd)
{
	struct virtio_irq *irq = &dev->irq;

	if (vector == VIRTIO_MSI_NO_VECTOR)
		return -EINVAL;
	for (unsigned int i = 0; i < irq->nr_vectors; i++) {
		if (irq->vectors[i].vector == vector) {
			irq->vectors[i].fd = fd;
			return 0;
		}
	}
	if (irq->nr_vectors == VIRTIO_DEV_MAX_VECTORS)
		return -ENOSPC;
	irq->vectors[irq->nr_vectors++] = (struct virtio_vector){ vector, fd };
	return 0;
}

void virtio_dev_set_pin_fd(struct virtio_dev *dev, int fd)
{
	dev->irq.pin_fd = fd;
}

static int vector_fd(const struct virtio_dev *dev, uint16_t vector)
{
	for (unsigned int i = 0; i < dev->irq.nr_vectors; i++)
		if (dev->irq.vectors[i].vector == vector)
			return dev->irq.vectors[i].fd;
	return -1;
}

bool virtio_dev_has_vector(const struct virtio_dev *dev, uint16_t vector)
{
	return vector_fd(dev, vector) >= 0;
}

/* Sets the ISR bit and fires the interrupt.  With MSI-X the ISR bit is not what
 * the driver looks at, but "ISR status capability" keeps it meaningful, and it
 * costs nothing. */
static void raise_irq(struct virtio_dev *dev, uint8_t isr_bit, uint16_t vector)
{
	int fd;

	dev->isr |= isr_bit;
	if (dev->transport == VIRTIO_TRANSPORT_MMIO)
		fd = dev->irq.pin_fd;
	else if (vector == VIRTIO_MSI_NO_VECTOR)
		return;		/* the driver asked for no interrupt */
	else
		fd = vector_fd(dev, vector);
	if (fd < 0) {
		log_debug("virtio %s: no eventfd for vector %u", dev->ops->name, vector);
		return;
	}
	if (eventfd_write(fd, 1) < 0)
		log_err("virtio %s: interrupt eventfd write: %s", dev->ops->name,
			strerror(errno));
}

void virtio_dev_fail(struct virtio_dev *dev, int err)
{
	if (virtio_dev_needs_reset(dev))
		return;
	log_warn("virtio %s: device needs reset: %s", dev->ops->name, strerror(-err));
	dev->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	/* "Device Status Field", device requirements: "If DRIVER_OK is set,
	 * after it sets DEVICE_NEEDS_RESET, the device MUST send a device
	 * configuration change notification to the driver." */
	if (dev->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(dev, VIRTIO_ISR_CONFIG, dev->msix_config);
	if (dev->on_needs_reset)
		dev->on_needs_reset(dev, err, dev->on_needs_reset_opaque);
}

void virtio_dev_config_changed(struct virtio_dev *dev)
{
	dev->config_generation++;
	if (dev->status & VIRTIO_STATUS_DRIVER_OK)
		raise_irq(dev, VIRTIO_ISR_CONFIG, dev->msix_config);
}

uint8_t virtio_dev_get_status(const struct virtio_dev *dev)
{
	return dev->status;
}

/* "Feature Bits", driver requirements: "The driver MUST NOT accept a feature
 * which the device did not offer"; and a modern device refuses a driver that
 * does not accept VIRTIO_F_VERSION_1 ("Reserved Feature Bits": "A device MAY
 * fail to operate further if VIRTIO_F_VERSION_1 is not accepted."), which is
 * how the driver learns it through FEATURES_OK staying clear. */
static bool features_acceptable(const struct virtio_dev *dev)
{
	uint64_t extra = dev->driver_features & ~dev->device_features;

	if (extra || dev->driver_features_beyond_64) {
		log_warn("virtio %s: driver accepted features 0x%" PRIx64 " not offered",
			 dev->ops->name, extra);
		return false;
	}
	if (!(dev->driver_features & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
		log_warn("virtio %s: driver did not accept VIRTIO_F_VERSION_1",
			 dev->ops->name);
		return false;
	}
	return true;
}

static void activate(struct virtio_dev *dev)
{
	int ret = dev->ops->activate ? dev->ops->activate(dev) : 0;

	if (ret < 0) {
		virtio_dev_fail(dev, ret);
		return;
	}
	/* Buffers made available before DRIVER_OK come with a kick the
	 * device ignored; serve them now. */
	for (uint16_t i = 0; i < dev->ops->num_queues; i++)
		if (dev->queues[i].enabled)
			virtio_dev_kick(dev, i);
}

void virtio_dev_set_status(struct virtio_dev *dev, uint8_t val)
{
	uint8_t old = dev->status;
	uint8_t new;

	/* Both transports: writing 0 to the status resets the device. */
	if (val == 0) {
		virtio_dev_reset(dev);
		return;
	}
	/* DEVICE_NEEDS_RESET is the device's to set; only a reset clears it. */
	new = (val & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) |
	      (old & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* "Device Status Field", driver requirements: "The driver MUST NOT
	 * clear a device status bit." */
	if (old & ~new) {
		log_warn("virtio %s: driver cleared status bits 0x%x", dev->ops->name,
			 old & ~new);
		new |= old;
	}
	/* "Device Initialization", step 6: the driver re-reads the status "to
	 * ensure the FEATURES_OK bit is still set: otherwise, the device does
	 * not support our subset of features". */
	if ((new & ~old & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(dev))
		new &= ~VIRTIO_STATUS_FEATURES_OK;
	if ((new & ~old & VIRTIO_STATUS_DRIVER_OK) && !(new & VIRTIO_STATUS_FEATURES_OK)) {
		log_warn("virtio %s: DRIVER_OK without FEATURES_OK", dev->ops->name);
		dev->status = new & ~VIRTIO_STATUS_DRIVER_OK;
		virtio_dev_fail(dev, -EPROTO);
		return;
	}
	dev->status = new;
	if ((new & ~old & VIRTIO_STATUS_DRIVER_OK) && !virtio_dev_needs_reset(dev))
		activate(dev);
}

uint32_t virtio_dev_get_device_features(const struct virtio_dev *dev)
{
	if (dev->device_feature_sel > 1)
		return 0;
	return (uint32_t)(dev->device_features >> (32 * dev->device_feature_sel));
}

uint32_t virtio_dev_get_driver_features(const struct virtio_dev *dev)
{
	if (dev->driver_feature_sel > 1)
		return 0;
	return (uint32_t)(dev->driver_features >> (32 * dev->driver_feature_sel));
}

void virtio_dev_set_driver_features(struct virtio_dev *dev, uint32_t val)
{
	unsigned int shift = 32 * dev->driver_feature_sel;

	/* Features are fixed once FEATURES_OK is set ("Device Initialization",
	 * steps 4-5). */
	if (dev->status & VIRTIO_STATUS_FEATURES_OK) {
		log_warn("virtio %s: driver features written after FEATURES_OK",
			 dev->ops->name);
		return;
	}
	if (dev->driver_feature_sel > 1) {
		/* No device offers bits above 63: accepting one is accepting
		 * something not offered, which FEATURES_OK will refuse. */
		if (val)
			dev->driver_features_beyond_64 = true;
		return;
	}
	dev->driver_features &= ~(0xffffffffULL << shift);
	dev->driver_features |= (uint64_t)val << shift;
}

struct virtio_queue *virtio_dev_selected_queue(struct virtio_dev *dev)
{
	if (dev->queue_sel >= dev->ops->num_queues)
		return NULL;
	return &dev->queues[dev->queue_sel];
}

bool virtio_dev_queue_writable(const struct virtio_dev *dev, const struct virtio_queue *q)
{
	return !q->enabled && !(dev->status & VIRTIO_STATUS_DRIVER_OK);
}

void virtio_dev_queue_enable(struct virtio_dev *dev, struct virtio_queue *q)
{
	struct vq_config cfg = {
		.size = q->size,
		.desc_gpa = q->desc_gpa,
		.avail_gpa = q->avail_gpa,
		.used_gpa = q->used_gpa,
		.features = dev->driver_features,
	};
	int ret;

	if (q->enabled || virtio_dev_needs_reset(dev))
		return;
	/* "Device Initialization": queues are set up after FEATURES_OK, which
	 * fixes whether the ring has event indices and indirect tables. */
	if (!(dev->status & VIRTIO_STATUS_FEATURES_OK)) {
		log_warn("virtio %s: queue enabled before FEATURES_OK", dev->ops->name);
		virtio_dev_fail(dev, -EPROTO);
		return;
	}
	if (q->size > q->max_size) {
		log_warn("virtio %s: queue size %u above the maximum %u", dev->ops->name,
			 q->size, q->max_size);
		virtio_dev_fail(dev, -EINVAL);
		return;
	}
	ret = vq_init(&q->vq, dev->gm, &cfg);
	if (ret) {
		virtio_dev_fail(dev, ret);
		return;
	}
	q->enabled = true;
}

void virtio_dev_queue_disable(struct virtio_dev *dev, struct virtio_queue *q)
{
	vq_fini(&q->vq);
	q->enabled = false;
}

void virtio_dev_config_read(struct virtio_dev *dev, uint32_t offset, uint32_t size,
			    uint64_t *val)
{
	*val = 0;
	if (!dev->ops->config_read || (uint64_t)offset + size > dev->ops->config_size)
		return;
	dev->ops->config_read(dev, offset, size, val);
}

void virtio_dev_config_write(struct virtio_dev *dev, uint32_t offset, uint32_t size,
			     uint64_t val)
{
	if (!dev->ops->config_write || (uint64_t)offset + size > dev->ops->config_size) {
		log_debug("virtio %s: config write 0x%x/%u ignored", dev->ops->name,
			  offset, size);
		return;
	}
	dev->ops->config_write(dev, offset, size, val);
}

void virtio_dev_signal_used(struct virtio_dev *dev, uint16_t qidx)
{
	struct virtio_queue *q = &dev->queues[qidx];

	if (q->enabled && vq_should_notify(&q->vq))
		raise_irq(dev, VIRTIO_ISR_QUEUE, q->msix_vector);
}

void virtio_dev_kick(struct virtio_dev *dev, uint16_t qidx)
{
	if (dev->defer_kick && qidx < dev->ops->num_queues)
		dev->defer_kick(dev, qidx, dev->defer_kick_opaque);
	else
		virtio_dev_queue_notify(dev, qidx);
}

void virtio_dev_queue_notify(struct virtio_dev *dev, uint16_t qidx)
{
	int ret;

	if (qidx >= dev->ops->num_queues) {
		log_debug("virtio %s: notify of queue %u ignored", dev->ops->name, qidx);
		return;
	}
	/* "Device Initialization": nothing is served before DRIVER_OK, nor
	 * while the device waits for a reset. */
	if (!(dev->status & VIRTIO_STATUS_DRIVER_OK) || virtio_dev_needs_reset(dev) ||
	    !dev->queues[qidx].enabled)
		return;
	ret = dev->ops->queue_notify(dev, qidx);
	/* Chains completed before an error are still the driver's. */
	virtio_dev_signal_used(dev, qidx);
	if (ret < 0)
		virtio_dev_fail(dev, ret);
}
