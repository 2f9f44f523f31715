/* MSI-X (PCI Local Bus 3.0, 6.8.2) kept in the core: the table, the PBA
 * and the capability's control bits.  The core never lets a worker pick an
 * interrupt message: each vector's delivery is a KVM route plus an irqfd
 * that only the core programs, through ops.
 *
 * A vector delivers when MSI-X is enabled, the function is not masked and
 * its entry is not masked.  ops->update() is called only when a vector's
 * delivery (on/off, message) actually changes, so rewriting an entry with
 * the same values costs nothing.  While a vector does not deliver, an
 * interrupt raised for it stays pending in its source (ops->pending() sees
 * it without consuming it), shows in the PBA, and goes out when update()
 * switches the vector back on.
 *
 * Accesses come from vCPU threads; a mutex covers the state and the ops
 * calls, so ops must not call back into msix.  A failed update() is logged
 * here and retried on the vector's next change.
 *
 * Table and PBA: 16 bytes per entry (message address low, high, data,
 * vector control whose bit 0 is the mask; its other bits read 0); the PBA
 * one bit per vector, read-only. */
#ifndef SPLITVM_MSIX_H
#define SPLITVM_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct pci_dev;

#define MSIX_MAX_VECTORS     2048
#define MSIX_ENTRY_SIZE      16
#define MSIX_CTRL_ENABLE     0x8000
#define MSIX_CTRL_FMASK      0x4000
#define MSIX_ENTRY_MASKED    0x1

struct msix_ops {
	/* enable=false: stop delivering vec.  enable=true: route vec to
	 * (addr, data) and deliver, including what is pending.  0 or -errno
	 * (the msix code logs it). */
	int (*update)(void *opaque, unsigned int vec, bool enable, uint64_t addr, uint32_t data);
	/* Whether vec's source fired while it was not delivering. */
	bool (*pending)(void *opaque, unsigned int vec);
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix_delivery {
	bool on;
	uint64_t addr;
	uint32_t data;
};

struct msix {
	pthread_mutex_t lock;
	unsigned int n;
	struct msix_entry *table;
	struct msix_delivery *told;    /* what ops last heard, per vector */
	bool enabled, fmask;
	const struct msix_ops *ops;
	void *opaque;
	uint64_t updates;              /* ops->update() calls */
};

/* n vectors (1..MSIX_MAX_VECTORS), all masked, MSI-X disabled: the reset
 * state, so nothing is delivered and update() is not called.  ops needs
 * both functions.  0, -EINVAL or -ENOMEM. */
int msix_init(struct msix *m, unsigned int n, const struct msix_ops *ops, void *opaque);
void msix_destroy(struct msix *m);

/* Byte sizes of the table and the PBA for n vectors. */
uint32_t msix_table_size(unsigned int n);
uint32_t msix_pba_size(unsigned int n);

/* Sets MSI-X enable and function mask from the capability's Message
 * Control word (called by the config space on a guest write). */
void msix_control_write(struct msix *m, uint16_t control);

/* Table and PBA accesses, offset relative to each structure.  4-byte
 * accesses (8 for the table) at natural alignment; anything else reads
 * all-ones and writes nothing, as the spec leaves it undefined. */
void msix_table_read(struct msix *m, uint64_t offset, void *data, unsigned int len);
void msix_table_write(struct msix *m, uint64_t offset, const void *data, unsigned int len);
void msix_pba_read(struct msix *m, uint64_t offset, void *data, unsigned int len);

/* What vector vec should be doing according to the table and control
 * bits: whether it delivers, and its message.  0, or -EINVAL for a vector
 * out of range. */
int msix_vector_info(struct msix *m, unsigned int vec, bool *enabled, uint64_t *addr,
		     uint32_t *data);

#endif
