/* x86 platform description tables written into guest memory before boot:
 * ACPI (RSDP, XSDT, RSDT, FADT, MADT, DSDT and, with PCI, MCFG) and the
 * Intel MP table, so that both the default and `acpi=off` guests find their
 * CPUs, IOAPIC and interrupt routing.  Addresses come from layout.h.
 *
 * What the tables promise about the rest of the VMM (keep them true):
 *  - KVM_CREATE_IRQCHIP (dual 8259 + one IOAPIC at LAYOUT_IOAPIC_START with
 *    LAYOUT_IOAPIC_PINS pins, IOAPIC ID 0 as KVM resets it) and KVM's
 *    default GSI routing: GSI n drives IOAPIC pin n (and 8259 input n for
 *    n < 16).  ISA IRQ n is therefore GSI n, with no interrupt source
 *    override.  That matters to MP-table guests only: a hardware-reduced
 *    ACPI guest uses neither the 8259 nor the PIT (Linux's
 *    acpi_reduced_hw_init()) and maps its IOAPIC pins dynamically, taking
 *    every device's GSI from the DSDT.  So with ACPI, virtio-mmio devices
 *    reach the guest through the DSDT, not `virtio_mmio.device=`.  A VMM
 *    that re-routes GSI 0 to pin 2 must add an override and fix the MP
 *    table's IRQ 0 entry.
 *  - Every ISA IRQ and every virtio-mmio IRQ is edge triggered, active high.
 *  - vCPU i has local APIC ID i; vCPU 0 is the bootstrap processor.
 *  - An i8042 at ports 0x60/0x64 whose command 0xFE resets the machine
 *    (FADT reset register), a 16550 at 0x3f8 on IRQ 4, no CMOS RTC, no VGA.
 *  - With PCI: config mechanism #1 at 0xCF8, ECAM at LAYOUT_ECAM_START for
 *    bus 0, and BARs only inside the LAYOUT_PCI_MMIO32/64 windows. */
#ifndef SPLITVM_X86_TABLES_H
#define SPLITVM_X86_TABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"
#include "memory.h"

/* Where the RSDP goes: for the zero page's acpi_rsdp_addr. */
#define ACPI_RSDP_ADDR          LAYOUT_RSDP_START

/* The MP table (floating pointer and configuration table) fills at most
 * the last KiB of base memory, one of the places Linux scans. */
#define MPTABLE_START           LAYOUT_MPTABLE_START
#define MPTABLE_END             (LAYOUT_EBDA_START + 1 * KiB)

/* Most virtio-mmio devices the DSDT can name (VR00..VRFF). */
#define ACPI_MAX_MMIO_DEVS      256

/* A virtio-mmio window to announce (ACPI DSDT device); kept small so the
 * virtio-mmio issue can fill it in later. */
struct platform_mmio_dev {
	uint64_t base;            /* must lie below 4 GiB */
	uint64_t size;
	uint32_t irq;             /* IOAPIC pin, < LAYOUT_IOAPIC_PINS */
};

struct platform_desc {
	unsigned int vcpu_count;  /* 1..LAYOUT_MAX_VCPUS; APIC ids 0..n-1 */
	bool pci_enabled;         /* DSDT PCI0 host bridge with _CRS + MCFG */
	const struct platform_mmio_dev *mmio_devs;
	unsigned int n_mmio_devs; /* 0..ACPI_MAX_MMIO_DEVS */
};

/* 0 when desc can be described; else -EINVAL, logging the bad value:
 * vcpu_count outside 1..LAYOUT_MAX_VCPUS, a virtio-mmio device that is
 * empty, not below 4 GiB or on a pin the IOAPIC lacks, or (with PCI) RAM
 * reaching into the 64-bit PCI window.  Both builders call it first. */
int platform_desc_validate(const struct platform_desc *desc, const struct guest_memory *mem);

/* Each returns 0 or -errno: -EINVAL for a bad description (vcpu_count out
 * of range, a malformed mmio device, RAM reaching into the 64-bit PCI
 * window), -EFAULT when guest memory does not cover the table area,
 * -ENOSPC when the tables do not fit their area, -ENOMEM.  Each table area
 * is cleared first, so a rebuild leaves no stale signature behind. */
int acpi_build(struct guest_memory *mem, const struct platform_desc *desc);
int mptable_build(struct guest_memory *mem, const struct platform_desc *desc);

#endif
