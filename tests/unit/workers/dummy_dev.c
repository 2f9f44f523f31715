// SPDX-License-Identifier: Apache-2.0
#include "dummy_dev.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>

#include <cmocka.h>

#include "virtio_mmio.h"
#include "virtio_pci.h"

static void dummy_config_read(struct virtio_dev *dev, uint32_t off, uint32_t size,
			      uint64_t *val)
{
	struct dummy *d = dev->priv;

	*val = 0;
	memcpy(val, d->config + off, size);
}

static void dummy_config_write(struct virtio_dev *dev, uint32_t off, uint32_t size,
			       uint64_t val)
{
	struct dummy *d = dev->priv;

	memcpy(d->config + off, &val, size);
}

static int dummy_activate(struct virtio_dev *dev)
{
	((struct dummy *)dev->priv)->activated++;
	return 0;
}

static void dummy_reset(struct virtio_dev *dev)
{
	((struct dummy *)dev->priv)->resets++;
}

/* Completes every chain with 0 bytes, or fails as told. */
static int dummy_notify(struct virtio_dev *dev, uint16_t q)
{
	struct dummy *d = dev->priv;
	struct vq_chain c;
	int ret;

	d->notified++;
	if (d->fail_with)
		return d->fail_with;
	while ((ret = vq_pop(&dev->queues[q].vq, &c)) > 0) {
		ret = vq_push(&dev->queues[q].vq, c.head, 0);
		if (ret)
			return ret;
	}
	return ret;
}

const struct virtio_device_ops dummy_ops = {
	.name = "dummy",
	.device_id = 42,
	.num_queues = 2,
	.queue_max_size = 16,
	.features = VIRTIO_BIT(DUMMY_FEATURE),
	.config_size = sizeof(((struct dummy *)0)->config),
	.config_read = dummy_config_read,
	.config_write = dummy_config_write,
	.activate = dummy_activate,
	.reset = dummy_reset,
	.queue_notify = dummy_notify,
};


_Alignas(4096) uint8_t dummy_mem[DUMMY_MEM_SIZE];

int dummy_dev_setup(struct virtio_dev *dev, struct dummy *d, struct guest_mem *gm,
		    enum virtio_transport transport)
{
	const struct gm_region r = { 0, sizeof(dummy_mem), dummy_mem };
	int ret;

	memset(dummy_mem, 0, sizeof(dummy_mem));
	ret = gm_init_from_host(gm, &r, 1);
	if (ret)
		return ret;
	return virtio_dev_init(dev, &dummy_ops, d, transport, gm);
}

static int transport_access(struct virtio_dev *dev, uint64_t off, uint32_t size, bool write,
			    uint64_t *v)
{
	if (dev->transport == VIRTIO_TRANSPORT_MMIO)
		return virtio_mmio_access(dev, off, size, write, v);
	return virtio_pci_access(dev, off, size, write, v);
}

uint64_t guest_rd(struct virtio_dev *dev, uint64_t off, uint32_t size)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(transport_access(dev, off, size, false, &v), 0);
	return v;
}

void guest_wr(struct virtio_dev *dev, uint64_t off, uint32_t size, uint64_t v)
{
	assert_int_equal(transport_access(dev, off, size, true, &v), 0);
}

bool eventfd_fired(int fd)
{
	eventfd_t v;

	return eventfd_read(fd, &v) == 0;
}
