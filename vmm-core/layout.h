/* The guest-physical memory map of an x86-64 splitvm guest.  Everything that
 * places data in guest memory (loaders, tables, devices, E820) takes its
 * addresses from here, so that no two writers can overlap. */
#ifndef SPLITVM_LAYOUT_H
#define SPLITVM_LAYOUT_H

#define KiB (1024ULL)
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)

/* Low memory, below 1 MiB. */
#define LAYOUT_GDT_START        0x500ULL
#define LAYOUT_IDT_START        0x520ULL
#define LAYOUT_ZERO_PAGE        0x7000ULL   /* struct boot_params */
#define LAYOUT_PML4_START       0x9000ULL   /* identity map of the first 1 GiB */
#define LAYOUT_PDPTE_START      0xa000ULL
#define LAYOUT_PDE_START        0xb000ULL
#define LAYOUT_BOOT_STACK       0x8ff0ULL
#define LAYOUT_CMDLINE_START    0x20000ULL
#define LAYOUT_CMDLINE_MAX      4096ULL     /* our own limit; the kernel's may be lower */
#define LAYOUT_EBDA_START       0x9fc00ULL  /* MP table lives here */
#define LAYOUT_MPTABLE_START    LAYOUT_EBDA_START
#define LAYOUT_RSDP_START       0xe0000ULL  /* inside the BIOS area the kernel scans */
#define LAYOUT_ACPI_START       0xe1000ULL  /* XSDT, FADT, MADT, DSDT, MCFG follow */
#define LAYOUT_ACPI_END         0x100000ULL
#define LAYOUT_HIMEM_START      0x100000ULL /* 1 MiB: where the kernel may go */

/* The 32-bit MMIO hole, [3 GiB, 4 GiB): never RAM. */
#define LAYOUT_MMIO32_START     (3ULL * GiB)
#define LAYOUT_MMIO32_END       (4ULL * GiB)
#define LAYOUT_BOOT_TIMER       0xc0000000ULL  /* Firecracker's boot timer device */
#define LAYOUT_BOOT_TIMER_SIZE  0x1000ULL
#define LAYOUT_VIRTIO_MMIO_START 0xd0000000ULL /* 4 KiB virtio-mmio windows */
#define LAYOUT_VIRTIO_MMIO_SIZE 0x1000ULL
#define LAYOUT_ECAM_START       0xe0000000ULL  /* PCI MMCONFIG, bus 0 only */
#define LAYOUT_ECAM_SIZE        (1ULL * MiB)
#define LAYOUT_IOAPIC_START     0xfec00000ULL
#define LAYOUT_LAPIC_START      0xfee00000ULL

/* PCI BAR windows, announced to the guest in the DSDT's PCI0 _CRS: the BAR
 * allocator must take addresses from these and nowhere else.  The 32-bit
 * window is the part of the hole between the fixed devices at its bottom
 * (boot timer; room is kept up to 16 MiB for more) and the virtio-mmio
 * windows.  The 64-bit window is Firecracker's: [256 GiB, 512 GiB), which
 * stays below 2^39 for hosts with 39 physical address bits and requires
 * RAM to end at or below its start. */
#define LAYOUT_PCI_MMIO32_START 0xc1000000ULL
#define LAYOUT_PCI_MMIO32_END   LAYOUT_VIRTIO_MMIO_START
#define LAYOUT_PCI_MMIO64_START (256ULL * GiB)
#define LAYOUT_PCI_MMIO64_SIZE  (256ULL * GiB)

/* RAM above 4 GiB holds whatever did not fit below the hole. */
#define LAYOUT_RAM_HIGH_START   (4ULL * GiB)

#define LAYOUT_MAX_VCPUS        32
#define LAYOUT_IOAPIC_PINS      24
#define LAYOUT_SERIAL_IRQ       4
/* The hardware-reduced ACPI sleep control and status registers: two
 * byte-wide I/O ports (devices/acpi_sleep.h), announced in the FADT. */
#define LAYOUT_ACPI_SLEEP_PORT  0x600
#define LAYOUT_ACPI_SLP_TYP_S5  5       /* the SLP_TYP \_S5 names */

#endif
