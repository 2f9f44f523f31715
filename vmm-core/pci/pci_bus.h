/* PCI bus 0: the host bridge at 00:00.0 (Firecracker's 8086:0d57, class
 * 06 00 00) and up to 31 devices in slots 1-31, function 0 each.  Other
 * functions and empty slots read all-ones and ignore writes.
 *
 * The guest reaches configuration space through ports 0xCF8-0xCFF
 * (mechanism #1: a 32-bit CONFIG_ADDRESS at 0xCF8, enable bit 31, bus in
 * bits 23-16, device 15-11, function 10-8, register 7-2; CONFIG_DATA at
 * 0xCFC-0xCFF, the port's low two bits added to the register) or through
 * ECAM (offset = bus << 20 | device << 15 | function << 12 | register).
 * Only bus 0 exists: a disabled CONFIG_ADDRESS or another bus reads
 * all-ones.  Device BARs are reached through the two memory windows the
 * DSDT's PCI0 _CRS announces.  All of these are io_bus ranges registered
 * once before the vCPUs start.
 *
 * BARs move while the guest runs and io_bus ranges do not, so each window
 * is one io_bus range that dispatches through the bus.  A BAR decodes when
 * its function's memory space bit is set and the BAR lies wholly inside
 * one of the windows (a 32-bit BAR: the 32-bit window; a 64-bit BAR:
 * either).  A 32-bit BAR mid-sizing holds ~(size - 1), which for every
 * size lies outside splitvm's 32-bit window, so it does not decode (nor
 * does anything else outside the windows).  A 64-bit BAR whose halves are
 * written one at a time decodes at the intermediate address only if that
 * lies in a window, as real hardware would (Linux turns decoding off
 * meanwhile).
 * Whenever what a BAR decodes changes, bar_remap() is told once; accesses
 * outside every decoding BAR read all-ones and are dropped.
 *
 * Locking: one read-write lock.  BAR accesses and config reads hold it for
 * reading, so vCPUs reach devices in parallel and a BAR access that waits
 * on a worker (up to the mailbox deadline) only delays config writes.
 * Config writes and pci_bus_add() hold it for writing, and bar_remap()
 * runs under it.  BAR handlers must not call into the bus (no nesting);
 * msix.h's lock is always taken inside this one.  CONFIG_ADDRESS is an
 * atomic word outside the lock: like the hardware register it is shared
 * by all vCPUs, and the guest serialises its own address/data pairs. */
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

struct pci_bus;

struct pci_window {
	struct pci_bus *bus;
	uint64_t start, end;      /* [start, end) */
	uint64_t next;            /* next free address for assignment */
};

struct pci_bus {
	pthread_rwlock_t lock;
	struct pci_dev host;
	struct pci_dev *slot[PCI_SLOTS];
	uint32_t cf8;             /* CONFIG_ADDRESS, accessed atomically */
	struct pci_window win32, win64;
};

/* opaque: the struct pci_bus. */
extern const struct io_device_ops pci_cf8_ops;      /* 8 ports at 0xCF8 */
extern const struct io_device_ops pci_ecam_ops;     /* LAYOUT_ECAM_SIZE at the ECAM base */
/* One BAR window registered over [start, end) of that window; opaque:
 * &bus->win32 or &bus->win64. */
extern const struct io_device_ops pci_mmio_window_ops;
/* The same with the bus as opaque, one table per window. */
extern const struct io_device_ops pci_window_ops;   /* the 32-bit window */
extern const struct io_device_ops pci_window64_ops; /* the 64-bit window */

/* Windows are [start, end); the 32-bit one must end at or below 4 GiB. */
void pci_bus_init(struct pci_bus *bus, uint64_t win32_start, uint64_t win32_end,
		  uint64_t win64_start, uint64_t win64_end);
void pci_bus_destroy(struct pci_bus *bus);

/* Puts dev in the next free slot and assigns each BAR the next naturally
 * aligned address of its window (32-bit BARs from the 32-bit window,
 * 64-bit BARs from the 64-bit one), as firmware would: Linux keeps them.
 * Then sets memory space enable and reports each BAR through bar_remap.
 * Returns the slot (1-31), or -ENOSPC when no slot or window space is left
 * (nothing changed then). */
int pci_bus_add(struct pci_bus *bus, struct pci_dev *dev);

/* Config access to bus 0, slot and function given (pci_dev.h says which
 * offsets and widths work); what CF8/CFC and ECAM end in. */
uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned int slot, unsigned int fn,
			  unsigned int offset, unsigned int len);
void pci_bus_cfg_write(struct pci_bus *bus, unsigned int slot, unsigned int fn,
		       unsigned int offset, unsigned int len, uint32_t val);

#endif
