/* x86 platform description tables written into guest memory before boot:
 * ACPI (RSDP, XSDT, FADT, MADT, DSDT and, with PCI, MCFG) and the Intel MP
 * table, so that both the default and `acpi=off` guests find their CPUs,
 * IOAPIC and interrupt routing.  Addresses come from layout.h. */
#ifndef SPLITVM_X86_TABLES_H
#define SPLITVM_X86_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "memory.h"

/* A virtio-mmio window to announce (ACPI DSDT device); kept small so the
 * virtio-mmio issue can fill it in later. */
struct platform_mmio_dev {
	uint64_t base;
	uint64_t size;
	uint32_t irq;             /* IOAPIC pin */
};

struct platform_desc {
	unsigned int vcpu_count;  /* 1..LAYOUT_MAX_VCPUS; APIC ids 0..n-1 */
	bool pci_enabled;         /* DSDT PCI0 host bridge with _CRS + MCFG */
	const struct platform_mmio_dev *mmio_devs;
	unsigned int n_mmio_devs;
};

/* Each returns 0 or -errno (-ENOSPC when the tables do not fit their area). */
int acpi_build(struct guest_memory *mem, const struct platform_desc *desc);
int mptable_build(struct guest_memory *mem, const struct platform_desc *desc);

#endif
