/* One PCI function's type-0 configuration space as the guest sees it.
 *
 * Every byte has a writable mask; the status register's error bits are
 * write-1-to-clear; everything else is read-only.  BAR registers get their
 * mask from the BAR size, which makes sizing (write all-ones, read back)
 * behave as hardware does without special cases.  Capabilities are chained
 * from 0x40 in the order they are added.
 *
 * The config space knows nothing of addresses in use: after each write the
 * bus (pci_bus.c) compares what every BAR decodes with before and calls
 * ops->bar_remap().  Not thread-safe by itself: the bus serialises. */
#ifndef SPLITVM_PCI_DEV_H
#define SPLITVM_PCI_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_regs.h"

struct msix;
struct pci_dev;

struct pci_dev_ops {
	/* An access inside a decoding BAR; offset from the BAR's base. */
	void (*bar_read)(struct pci_dev *d, unsigned int bar, uint64_t offset, void *data,
			 unsigned int len);
	void (*bar_write)(struct pci_dev *d, unsigned int bar, uint64_t offset, const void *data,
			  unsigned int len);
	/* What a BAR decodes changed: (old_on, old_base) -> (new_on, new_base).
	 * Called with the bus locked; must not call back into the bus. */
	void (*bar_remap)(struct pci_dev *d, unsigned int bar, bool old_on, uint64_t old_base,
			  bool new_on, uint64_t new_base);
};

struct pci_bar {
	uint64_t size;            /* 0: not implemented */
	bool is64;                /* also occupies the next BAR register */
	bool on;                  /* decoding, as last reported */
	uint64_t base;            /* its base, as last reported */
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

void pci_dev_init(struct pci_dev *d, const struct pci_id *id, const struct pci_dev_ops *ops,
		  void *opaque);

/* A memory BAR of size bytes (a power of two, >= 16).  A 64-bit BAR takes
 * registers idx and idx + 1.  0 or -EINVAL. */
int pci_dev_add_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64);
/* Programs a BAR's address (the "firmware" assignment before boot). */
void pci_dev_set_bar_addr(struct pci_dev *d, unsigned int idx, uint64_t addr);
/* The address currently in a BAR's register(s), flags stripped. */
uint64_t pci_dev_bar_addr(const struct pci_dev *d, unsigned int idx);

/* Appends a capability: body[0] is its id, body[1] (next) is filled in.
 * wmask (may be NULL: read-only) has len bytes.  Returns its offset, or
 * -ENOSPC. */
int pci_dev_add_cap(struct pci_dev *d, const uint8_t *body, unsigned int len,
		    const uint8_t *wmask);

/* Adds the MSI-X capability for m, its table at table_off and PBA at
 * pba_off inside BAR bar.  Returns the capability offset or -errno. */
int pci_dev_add_msix(struct pci_dev *d, struct msix *m, unsigned int bar, uint32_t table_off,
		     uint32_t pba_off);

/* Config accesses of 1, 2 or 4 bytes, naturally aligned, offset below
 * PCI_ECAM_FN_SIZE: above the conventional 256 bytes reads 0 and writes
 * are dropped. */
uint32_t pci_dev_cfg_read(const struct pci_dev *d, unsigned int offset, unsigned int len);
void pci_dev_cfg_write(struct pci_dev *d, unsigned int offset, unsigned int len, uint32_t val);

/* Whether the memory-space bit is set, and what BAR idx holds now. */
bool pci_dev_mem_enabled(const struct pci_dev *d);

#endif
