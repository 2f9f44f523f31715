/* PCI bus 0: the host bridge at 00:00.0 and up to 31 devices, one
 * function each.  The guest reaches configuration space through ports
 * 0xCF8-0xCFF (mechanism #1) or ECAM, and device BARs through the two
 * memory windows the DSDT's PCI0 _CRS announces; all three are io_bus
 * ranges registered once, with this bus as their opaque.
 *
 * BARs may move while the guest runs, so the windows dispatch through the
 * bus rather than through io_bus ranges of their own.  A BAR decodes when
 * the function's memory-space bit is set and the BAR lies wholly inside
 * one of the windows (a BAR mid-sizing, holding its size mask, does not).
 *
 * Locking: a read-write lock.  BAR accesses hold it for reading, so vCPUs
 * reach different devices in parallel, and an access that waits on a
 * worker (up to the mailbox deadline) only delays config writes.  Config
 * writes hold it for writing, and bar_remap() runs under it. */
#ifndef SPLITVM_PCI_BUS_H
#define SPLITVM_PCI_BUS_H

#include <pthread.h>
#include <stdint.h>

#include "io_bus.h"
#include "pci_dev.h"

/* Firecracker's host bridge. */
#define PCI_HOST_VENDOR  0x8086
#define PCI_HOST_DEVICE  0x0d57
#define PCI_CONFIG_PORT  0xcf8
#define PCI_CONFIG_PORTS 8

struct pci_window {
	uint64_t start, end;      /* [start, end) */
	uint64_t next;            /* next free address for assignment */
};

struct pci_bus {
	pthread_rwlock_t lock;
	struct pci_dev host;
	struct pci_dev *slot[PCI_SLOTS];
	uint32_t cf8;             /* CONFIG_ADDRESS, guarded by lock */
	struct pci_window win32, win64;
};

extern const struct io_device_ops pci_cf8_ops;     /* 8 ports at 0xCF8 */
extern const struct io_device_ops pci_ecam_ops;    /* the ECAM range */
extern const struct io_device_ops pci_window_ops;  /* the 32-bit BAR window */
extern const struct io_device_ops pci_window64_ops; /* the 64-bit BAR window */

void pci_bus_init(struct pci_bus *bus, uint64_t win32_start, uint64_t win32_end,
		  uint64_t win64_start, uint64_t win64_end);
void pci_bus_destroy(struct pci_bus *bus);

/* Puts dev in the next free slot, assigns each BAR a naturally aligned
 * address (64-bit BARs from the 64-bit window), enables memory decoding
 * and reports the BARs through bar_remap.  Returns the slot or -ENOSPC. */
int pci_bus_add(struct pci_bus *bus, struct pci_dev *dev);

/* Config access to bus 0, slot and function given. */
uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned int slot, unsigned int fn,
			  unsigned int offset, unsigned int len);
void pci_bus_cfg_write(struct pci_bus *bus, unsigned int slot, unsigned int fn,
		       unsigned int offset, unsigned int len, uint32_t val);

#endif
