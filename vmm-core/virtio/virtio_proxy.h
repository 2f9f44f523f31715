/* The core's stand-in for one virtio device whose emulation runs in a
 * worker process.  Transport-independent half: it owns the eventfds the
 * worker gets (queue notifications, interrupts), the register-forwarding
 * mailbox, and the worker itself, and it runs the control sequence that
 * brings the worker up (Configure, MemoryMap, Mailbox, QueueSetup,
 * ConfigInterrupt, Activate).  The transports (virtio_pci_proxy.c,
 * virtio_mmio_proxy.c) put the device on a bus and wire the eventfds into
 * KVM.
 *
 * Failure model (DESIGN.md): when the worker misses the mailbox deadline
 * or exits, only this device fails.  The proxy then answers every register
 * read with all-ones (DEVICE_NEEDS_RESET and FAILED both read as set in the
 * status byte) and drops writes, without waiting on anyone; the worker is
 * killed if it still lives, so a stopped worker cannot come back and act
 * on a device the guest was told is broken.
 *
 * One register keeps a little life: after the guest writes 0 (reset) to the
 * status register, status reads 0 until its next non-zero write.  Linux
 * resets every virtio device on shutdown and polls the status until it
 * reads 0, so a device that never reset would hang the guest's reboot. */
#ifndef SPLITVM_VIRTIO_PROXY_H
#define SPLITVM_VIRTIO_PROXY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "mbox_client.h"

struct guest_memory;
struct supervisor;
struct worker_proc;

#define VIRTIO_PROXY_MAX_QUEUES   8
#define VIRTIO_PROXY_MAX_VECTORS  (VIRTIO_PROXY_MAX_QUEUES + 1)
#define VIRTIO_PROXY_ID_MAX       64

/* What the core must know about a device kind; the registers themselves
 * are the worker's business. */
struct virtio_kind {
	const char *name;          /* "rng": the worker is vmm-worker-<name> */
	Ctl__DeviceType device_type;   /* == the virtio device id */
	uint16_t num_queues;
	uint16_t queue_max;        /* QueueNumMax offered; a power of two */
	uint32_t pci_class;        /* class code (base, sub, prog-if) */
};

extern const struct virtio_kind virtio_kind_rng;

struct virtio_proxy {
	const struct virtio_kind *kind;
	char id[VIRTIO_PROXY_ID_MAX];
	bool pci;                  /* transport; fixed at init */
	struct mbox_client mbox;
	bool mbox_ready;
	struct worker_proc *worker;
	int notify_fd[VIRTIO_PROXY_MAX_QUEUES];
	/* PCI: one per MSI-X vector (0 = config, q + 1 = queue q).
	 * MMIO: only irq_fd[0], the pin, shared by every interrupt. */
	int irq_fd[VIRTIO_PROXY_MAX_VECTORS];
	unsigned int n_vectors;
	atomic_bool failed;
	uint64_t status_offset;    /* of the status register in region 0 */
	atomic_bool reset_after_fail;   /* the guest wrote 0 to status since */
	_Atomic uint64_t failed_reads;   /* answered all-ones after failing */
};

/* Creates the eventfds and the mailbox; nothing runs yet.  deadline_ms
 * and spin_ns go to the mailbox client.  0 or -errno (logged). */
int virtio_proxy_init(struct virtio_proxy *p, const struct virtio_kind *kind,
		      const char *id, bool pci, unsigned int deadline_ms, unsigned int spin_ns);
void virtio_proxy_destroy(struct virtio_proxy *p);

/* Spawns the worker and sends it everything (cfg is the device's Configure
 * message without its transport, which the proxy fills in).  On failure
 * the worker is gone again and err says why.  0 or -errno. */
int virtio_proxy_start(struct virtio_proxy *p, struct supervisor *sup,
		       const struct guest_memory *mem, Ctl__Configure *cfg,
		       char *err, size_t errlen);

/* Forwarded register accesses of region 0 (the virtio BAR or window). */
void virtio_proxy_read(struct virtio_proxy *p, uint64_t offset, void *data, unsigned int len);
void virtio_proxy_write(struct virtio_proxy *p, uint64_t offset, const void *data,
			unsigned int len);

/* Marks the device failed (once; later calls do nothing) and kills the
 * worker.  Safe from any thread. */
void virtio_proxy_fail(struct virtio_proxy *p, const char *why);

#endif
