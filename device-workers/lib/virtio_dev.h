/* A virtio device as its transport sees it: status, features, queues,
 * interrupts and the device-specific configuration space.
 *
 * A device model is a `const struct virtio_device_ops` plus its own state
 * (priv).  The transports (virtio_pci.c, virtio_mmio.c) turn register
 * accesses into calls here and never know which device they serve; the
 * device never knows its transport.
 *
 * Everything the driver writes is guest input.  A driver that breaks a rule
 * the device cannot live with (a malformed ring, a bad queue setup) puts the
 * device into DEVICE_NEEDS_RESET: the device stops serving queues until the
 * driver resets it, registers keep answering, nothing aborts.
 */
#ifndef SPLITVM_WORKERS_VIRTIO_DEV_H
#define SPLITVM_WORKERS_VIRTIO_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtio_spec.h"
#include "virtqueue.h"

struct virtio_dev;

enum virtio_transport {
	VIRTIO_TRANSPORT_PCI,
	VIRTIO_TRANSPORT_MMIO,
};

/* Feature bits the library implements for every device: the device's ops
 * add their own. */
#define VIRTIO_DEV_LIB_FEATURES \
	(VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | \
	 VIRTIO_BIT(VIRTIO_F_EVENT_IDX))

/* At most this many queues per device (net with multiqueue would need more;
 * none of ours does today). */
#define VIRTIO_DEV_MAX_QUEUES 16
/* Interrupt eventfds: one per queue vector plus the config vector. */
#define VIRTIO_DEV_MAX_VECTORS (VIRTIO_DEV_MAX_QUEUES + 1)

struct virtio_device_ops {
	const char *name;
	uint32_t device_id;		/* "Device Types" */
	uint16_t num_queues;
	uint16_t queue_max_size;	/* a power of two */
	uint64_t features;		/* device-specific bits offered */
	uint32_t config_size;		/* bytes of device-specific config */
	/* Device config accesses, already bounded by config_size; size is
	 * 1, 2, 4 or 8.  Optional when config_size is 0. */
	void (*config_read)(struct virtio_dev *dev, uint32_t offset, uint32_t size,
			    uint64_t *val);
	void (*config_write)(struct virtio_dev *dev, uint32_t offset, uint32_t size,
			     uint64_t val);
	/* DRIVER_OK: features and queues are final.  Negative errno puts the
	 * device in DEVICE_NEEDS_RESET.  Optional. */
	int (*activate)(struct virtio_dev *dev);
	/* Driver-initiated reset; the library has already reset the queues.
	 * Optional. */
	void (*reset)(struct virtio_dev *dev);
	/* The driver kicked queue qidx (or DRIVER_OK found buffers waiting):
	 * serve it with vq_pop()/vq_push().  The library sends the used-buffer
	 * notification afterwards if the driver wants one.  Negative errno
	 * (a malformed ring) puts the device in DEVICE_NEEDS_RESET. */
	int (*queue_notify)(struct virtio_dev *dev, uint16_t qidx);
};

struct virtio_queue {
	/* What the driver programs through the transport. */
	uint16_t max_size;
	uint16_t size;
	uint16_t msix_vector;
	bool enabled;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	/* The running ring once enabled. */
	struct virtqueue vq;
};

struct virtio_vector {
	uint16_t vector;
	int fd;
};

/* How the device raises interrupts: eventfds created and routed by the
 * core (KVM irqfds).  With PCI, one per MSI-X vector the core wired up; the
 * guest picks among those only.  With MMIO, the single pin. */
struct virtio_irq {
	unsigned int nr_vectors;
	struct virtio_vector vectors[VIRTIO_DEV_MAX_VECTORS];
	int pin_fd;
};

struct virtio_dev {
	const struct virtio_device_ops *ops;
	void *priv;
	enum virtio_transport transport;
	const struct guest_mem *gm;

	uint8_t status;
	uint8_t isr;			/* VIRTIO_ISR_* pending, read-to-clear / ACK */
	uint32_t config_generation;
	uint64_t device_features;
	uint64_t driver_features;
	bool driver_features_beyond_64;	/* a bit above 63 was accepted */
	uint32_t device_feature_sel;
	uint32_t driver_feature_sel;
	uint16_t queue_sel;
	uint16_t msix_config;
	struct virtio_queue queues[VIRTIO_DEV_MAX_QUEUES];
	uint16_t queue_max[VIRTIO_DEV_MAX_QUEUES];	/* QueueNumMax offered */
	struct virtio_irq irq;

	/* Called once each time the device enters DEVICE_NEEDS_RESET, so the
	 * worker can tell the core.  Optional. */
	void (*on_needs_reset)(struct virtio_dev *dev, int err, void *opaque);
	void *on_needs_reset_opaque;
	/* Queues to serve because of a register write (DRIVER_OK, a notify
	 * write that reached the worker) are served later, from the event
	 * loop, when this is set: a register access must return quickly, the
	 * vCPU waits for the next read's answer.  Unset: served at once. */
	void (*defer_kick)(struct virtio_dev *dev, uint16_t qidx, void *opaque);
	void *defer_kick_opaque;
};

/* Sets up dev for ops (checked: queue count and sizes within the library's
 * limits) in the reset state; no interrupt fds yet (all -1). */
int virtio_dev_init(struct virtio_dev *dev, const struct virtio_device_ops *ops,
		    void *priv, enum virtio_transport transport, const struct guest_mem *gm)
	__attribute__((warn_unused_result));

/* Releases the queues.  The fds in irq belong to the caller. */
void virtio_dev_fini(struct virtio_dev *dev);

/* Device reset (status 0 written, or a Reset from the core). */
void virtio_dev_reset(struct virtio_dev *dev);

/* The core may offer a smaller QueueNumMax than the device supports (a
 * power of two); takes effect now and at every reset. */
int virtio_dev_set_queue_max(struct virtio_dev *dev, uint16_t qidx, uint16_t max)
	__attribute__((warn_unused_result));

/* Interrupt wiring from the core.  A PCI vector seen twice replaces the
 * earlier fd.  Returns -ENOSPC past VIRTIO_DEV_MAX_VECTORS. */
int virtio_dev_set_vector_fd(struct virtio_dev *dev, uint16_t vector, int fd);
void virtio_dev_set_pin_fd(struct virtio_dev *dev, int fd);
bool virtio_dev_has_vector(const struct virtio_dev *dev, uint16_t vector);

/* Register semantics shared by both transports. */
uint8_t virtio_dev_get_status(const struct virtio_dev *dev);
void virtio_dev_set_status(struct virtio_dev *dev, uint8_t val);
uint32_t virtio_dev_get_device_features(const struct virtio_dev *dev);
void virtio_dev_set_driver_features(struct virtio_dev *dev, uint32_t val);
uint32_t virtio_dev_get_driver_features(const struct virtio_dev *dev);
/* The selected queue, or NULL when queue_sel names none. */
struct virtio_queue *virtio_dev_selected_queue(struct virtio_dev *dev);
/* Whether the queue's programmable fields may still change (only before the
 * queue is enabled and before DRIVER_OK: "Device Initialization"). */
bool virtio_dev_queue_writable(const struct virtio_dev *dev, const struct virtio_queue *q);
/* Driver enables the selected queue: checks and maps the ring. */
void virtio_dev_queue_enable(struct virtio_dev *dev, struct virtio_queue *q);
void virtio_dev_queue_disable(struct virtio_dev *dev, struct virtio_queue *q);
void virtio_dev_config_read(struct virtio_dev *dev, uint32_t offset, uint32_t size,
			    uint64_t *val);
void virtio_dev_config_write(struct virtio_dev *dev, uint32_t offset, uint32_t size,
			     uint64_t val);

/* A queue notification (guest kick).  Serves the queue if the device is
 * live; errors end in DEVICE_NEEDS_RESET. */
void virtio_dev_queue_notify(struct virtio_dev *dev, uint16_t qidx);

/* A kick that arrived as a register write: deferred if defer_kick is set,
 * else virtio_dev_queue_notify(). */
void virtio_dev_kick(struct virtio_dev *dev, uint16_t qidx);

/* After the device used buffers outside queue_notify (asynchronous
 * completions): notifies the driver if it asked for it. */
void virtio_dev_signal_used(struct virtio_dev *dev, uint16_t qidx);

/* The device's configuration changed: bump config_generation and send the
 * configuration change notification. */
void virtio_dev_config_changed(struct virtio_dev *dev);

/* Enters DEVICE_NEEDS_RESET (once) because of err. */
void virtio_dev_fail(struct virtio_dev *dev, int err);

static inline bool virtio_dev_needs_reset(const struct virtio_dev *dev)
{
	return dev->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET;
}

static inline bool virtio_dev_has_feature(const struct virtio_dev *dev, unsigned int bit)
{
	return dev->driver_features & VIRTIO_BIT(bit);
}

#endif
