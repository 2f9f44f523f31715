/* One PCI function's type-0 configuration space as the guest sees it.
 *
 * The space is 256 bytes of data plus two per-byte masks: wmask says which
 * bits a guest write may change, w1c which bits a written 1 clears (the
 * status register's error bits).  Everything else is read-only, so the
 * vendor and device ids, the class code, the capability ids and next
 * pointers cannot be changed by the guest.  Accesses are 1, 2 or 4 bytes
 * at any offset such that the access ends inside the 4 KiB ECAM gives each
 * function; bytes above the conventional 256 read 0 and ignore writes.
 * Anything else reads all-ones and writes nothing.
 *
 * Header: interrupt pin 0 (no INTx; MSI-X only), header type 0, command
 * register writable in its I/O space, memory space, bus master and INTx
 * disable bits, interrupt line a scratch byte for the OS.
 *
 * BARs are memory BARs whose writable mask comes from their size: a guest
 * that writes all-ones reads back ~(size - 1) with the type bits (64-bit,
 * prefetchable) in the low nibble, and for a 64-bit BAR the upper register
 * reads back the upper half of ~(size - 1), i.e. all-ones below 4 GiB.
 * Sizing therefore needs no special case.
 *
 * Capabilities are chained from 0x40 in the order they are added, each
 * with its own writable mask; the status register's capability-list bit
 * is set by the first.  A write that reaches the MSI-X Message Control
 * word is passed on to the struct msix (msix.h).
 *
 * The config space knows nothing of the addresses in use: after each write
 * the bus (pci_bus.h) works out what every BAR decodes and calls
 * ops->bar_remap() on a change.  Not thread-safe by itself: the bus
 * serialises. */
#ifndef SPLITVM_PCI_DEV_H
#define SPLITVM_PCI_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_regs.h"

struct msix;
struct pci_dev;

struct pci_dev_ops {
	/* An access inside a decoding BAR; offset from the BAR's base, the
	 * access wholly inside the BAR.  A read must fill len bytes.  May
	 * block (the bus lock is held for reading only). */
	void (*bar_read)(struct pci_dev *d, unsigned int bar, uint64_t offset, void *data,
			 unsigned int len);
	void (*bar_write)(struct pci_dev *d, unsigned int bar, uint64_t offset, const void *data,
			  unsigned int len);
	/* What a BAR decodes changed: (old_on, old_base) -> (new_on, new_base);
	 * a base is 0 when its BAR is off.  Called once per change, with the
	 * bus locked for writing: must not call back into the bus. */
	void (*bar_remap)(struct pci_dev *d, unsigned int bar, bool old_on, uint64_t old_base,
			  bool new_on, uint64_t new_base);
};

struct pci_bar {
	uint64_t size;            /* 0: not implemented (or a 64-bit BAR's upper half) */
	bool is64;                /* also occupies the next BAR register */
	bool on;                  /* decoding, as last reported through bar_remap */
	uint64_t base;            /* its base, as last reported (0 when off) */
};

struct pci_dev {
	uint8_t cfg[PCI_CFG_SIZE];
	uint8_t wmask[PCI_CFG_SIZE];
	uint8_t w1c[PCI_CFG_SIZE];
	struct pci_bar bar[PCI_NUM_BARS];
	uint8_t last_cap;         /* offset of the last capability, 0: none */
	uint8_t cap_end;          /* first free byte for the next capability */
	struct msix *msix;        /* set by pci_dev_add_msix */
	uint8_t msix_cap;
	const struct pci_dev_ops *ops;
	void *opaque;
};

struct pci_id {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_id;
	uint32_t class_code;      /* base << 16 | sub << 8 | prog-if */
	uint8_t revision;
};

/* A header with id, no BARs and no capabilities; ops may be NULL for a
 * function without BARs (the host bridge). */
void pci_dev_init(struct pci_dev *d, const struct pci_id *id, const struct pci_dev_ops *ops,
		  void *opaque);

/* A non-prefetchable memory BAR of size bytes (a power of two, >= 16; at
 * most 2 GiB for a 32-bit BAR).  A 64-bit BAR takes registers idx and
 * idx + 1.  0, or -EINVAL for a bad index, size or a register in use. */
int pci_dev_add_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64);
/* The same with the prefetchable bit set. */
int pci_dev_add_prefetchable_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64);

/* Programs a BAR's address as firmware would before boot (no bar_remap:
 * the bus reports it).  Bits below the BAR's size are the caller's to get
 * right; the type bits are kept. */
void pci_dev_set_bar_addr(struct pci_dev *d, unsigned int idx, uint64_t addr);
/* The address currently in a BAR's register(s), type bits stripped. */
uint64_t pci_dev_bar_addr(const struct pci_dev *d, unsigned int idx);

/* Appends a capability of len bytes (>= 2): body[0] is its id, body[1]
 * (next) is filled in.  wmask (NULL: read-only) has len bytes; the id and
 * next bytes stay read-only whatever it says.  Returns the capability's
 * offset (4-byte aligned, >= 0x40), or -ENOSPC. */
int pci_dev_add_cap(struct pci_dev *d, const uint8_t *body, unsigned int len,
		    const uint8_t *wmask);

/* Adds the MSI-X capability for m (table size m->n, enable and function
 * mask writable) with its table at table_off and PBA at pba_off inside
 * BAR bar, which must already be declared and hold both without overlap
 * (offsets 8-byte aligned).  Returns the capability offset or -errno. */
int pci_dev_add_msix(struct pci_dev *d, struct msix *m, unsigned int bar, uint32_t table_off,
		     uint32_t pba_off);

/* Config accesses of 1, 2 or 4 bytes (little-endian value) at offset;
 * see the top of this file for what is out of bounds. */
uint32_t pci_dev_cfg_read(const struct pci_dev *d, unsigned int offset, unsigned int len);
void pci_dev_cfg_write(struct pci_dev *d, unsigned int offset, unsigned int len, uint32_t val);

/* Whether the command register's memory space bit is set. */
bool pci_dev_mem_enabled(const struct pci_dev *d);

#endif
