/* Recording stand-ins for a device model's pci_dev_ops and for the KVM
 * side of MSI-X, plus a fixture shared by the PCI unit tests: a bus with
 * one device (BAR 0: 16 KiB 64-bit; BAR 2: 4 KiB 32-bit holding the MSI-X
 * table at 0 and the PBA at 0x800 for 3 vectors). */
#ifndef SPLITVM_TEST_PCI_RECORDER_H
#define SPLITVM_TEST_PCI_RECORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "msix.h"
#include "pci_bus.h"
#include "pci_dev.h"

#define REC_MAX_REMAPS  32
#define REC_MAX_VECTORS MSIX_MAX_VECTORS

#define W32_START 0xc1000000ull
#define W32_END   0xd0000000ull
#define W64_START (256ull << 30)
#define W64_END   (512ull << 30)

struct remap_event {
	unsigned int bar;
	bool old_on, new_on;
	uint64_t old_base, new_base;
	bool write_locked;          /* the bus lock was held for writing */
};

struct rec {
	struct pci_bus *bus;        /* to check the lock from bar_remap */
	struct remap_event remap[REC_MAX_REMAPS];
	unsigned int remaps;
	unsigned int reads, writes;
	unsigned int last_bar, last_len;
	uint64_t last_off;
	uint8_t last_written[8];
	uint8_t fill;               /* the byte BAR reads return */
	/* MSI-X */
	int update_ret;             /* what update() returns */
	unsigned int updates[REC_MAX_VECTORS];
	bool on[REC_MAX_VECTORS];
	uint64_t addr[REC_MAX_VECTORS];
	uint32_t data[REC_MAX_VECTORS];
	bool pending[REC_MAX_VECTORS];
	unsigned int delivered[REC_MAX_VECTORS];
};

extern const struct pci_dev_ops rec_pci_ops;
extern const struct msix_ops rec_msix_ops;
extern const struct pci_id rec_virtio_id;

const struct remap_event *rec_last_remap(const struct rec *r);
unsigned int rec_total_updates(const struct rec *r);

struct fixture {
	struct rec rec;
	struct pci_bus bus;
	struct pci_dev dev;
	struct msix msix;
	int slot;
};

/* cmocka setup/teardown for struct fixture. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

uint32_t cfg_rd(struct fixture *f, unsigned int off, unsigned int len);
void cfg_wr(struct fixture *f, unsigned int off, unsigned int len, uint32_t v);

#endif
