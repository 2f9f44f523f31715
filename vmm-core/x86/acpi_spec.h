/* Byte layouts of the ACPI structures splitvm writes, as the ACPI 6.5
 * specification defines them (section numbers below).  All fields are
 * little endian; x86 is too, so plain packed structs are exact. */
#ifndef SPLITVM_ACPI_SPEC_H
#define SPLITVM_ACPI_SPEC_H

#include <assert.h>
#include <stdint.h>

/* 5.2.5.3 Root System Description Pointer.  The first 20 bytes are the
 * ACPI 1.0 structure covered by `checksum`; `ext_checksum` covers all
 * `length` bytes. */
struct acpi_rsdp {
	char signature[8];        /* "RSD PTR " */
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;         /* 2: ACPI 2.0 and later, XSDT valid */
	uint32_t rsdt_addr;
	uint32_t length;
	uint64_t xsdt_addr;
	uint8_t ext_checksum;
	uint8_t reserved[3];
} __attribute__((packed));
static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP is 36 bytes");
#define ACPI_RSDP_V1_LEN 20

/* 5.2.6 System Description Table Header */
struct acpi_sdt_header {
	char signature[4];
	uint32_t length;          /* whole table, header included */
	uint8_t revision;
	uint8_t checksum;         /* all `length` bytes sum to zero */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));
static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");

/* 5.2.3.2 Generic Address Structure */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));
static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
#define ACPI_GAS_SYSTEM_IO      1
#define ACPI_GAS_ACCESS_BYTE    1

/* 5.2.9 Fixed ACPI Description Table, revision 6 (ACPI 6.0 and later). */
struct acpi_fadt {
	struct acpi_sdt_header h; /* "FACP" */
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk;
	struct acpi_gas x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk;
	struct acpi_gas x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk;
	struct acpi_gas x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk;
	struct acpi_gas x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	char hypervisor_vendor_id[8];
} __attribute__((packed));
static_assert(sizeof(struct acpi_fadt) == 276, "FADT rev 6 is 276 bytes");
#define ACPI_FADT_REVISION      6
#define ACPI_FADT_MINOR_VERSION 5   /* ACPI 6.5 */

/* 5.2.9.3 IA-PC Boot Architecture Flags */
#define ACPI_IAPC_LEGACY_DEVICES  (1u << 0)
#define ACPI_IAPC_8042            (1u << 1)
#define ACPI_IAPC_VGA_NOT_PRESENT (1u << 2)
#define ACPI_IAPC_MSI_NOT_SUPPORTED (1u << 3)
#define ACPI_IAPC_PCIE_ASPM_CONTROLS (1u << 4)
#define ACPI_IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

/* 5.2.9 Table 5.10 Fixed ACPI Description Table Fixed Feature Flags */
#define ACPI_FADT_PWR_BUTTON      (1u << 4)
#define ACPI_FADT_SLP_BUTTON      (1u << 5)
#define ACPI_FADT_RESET_REG_SUP   (1u << 10)
#define ACPI_FADT_HW_REDUCED_ACPI (1u << 20)

/* 5.2.12 Multiple APIC Description Table, revision 5 (ACPI 6.3+). */
struct acpi_madt {
	struct acpi_sdt_header h; /* "APIC" */
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));
static_assert(sizeof(struct acpi_madt) == 44, "MADT header is 44 bytes");
#define ACPI_MADT_REVISION      5
#define ACPI_MADT_PCAT_COMPAT   (1u << 0)

/* 5.2.12.2 Processor Local APIC Structure */
struct acpi_madt_lapic {
	uint8_t type;             /* 0 */
	uint8_t length;           /* 8 */
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} __attribute__((packed));
static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC is 8 bytes");
#define ACPI_MADT_TYPE_LAPIC    0
#define ACPI_MADT_LAPIC_ENABLED (1u << 0)

/* 5.2.12.3 I/O APIC Structure */
struct acpi_madt_ioapic {
	uint8_t type;             /* 1 */
	uint8_t length;           /* 12 */
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} __attribute__((packed));
static_assert(sizeof(struct acpi_madt_ioapic) == 12, "MADT IOAPIC is 12 bytes");
#define ACPI_MADT_TYPE_IOAPIC   1

/* 5.2.12.7 Local APIC NMI Structure */
struct acpi_madt_lapic_nmi {
	uint8_t type;             /* 4 */
	uint8_t length;           /* 6 */
	uint8_t processor_uid;    /* 0xff: all processors */
	uint16_t flags;           /* MPS INTI flags, 0: conforms to the bus */
	uint8_t lint;
} __attribute__((packed));
static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI is 6 bytes");
#define ACPI_MADT_TYPE_LAPIC_NMI 4

/* PCI Firmware Specification 3.0, 4.1.2: the MCFG table. */
struct acpi_mcfg {
	struct acpi_sdt_header h; /* "MCFG" */
	uint8_t reserved[8];
} __attribute__((packed));
struct acpi_mcfg_alloc {
	uint64_t base;            /* ECAM base for bus 0 of the segment */
	uint16_t segment;
	uint8_t start_bus;
	uint8_t end_bus;
	uint32_t reserved;
} __attribute__((packed));
static_assert(sizeof(struct acpi_mcfg) == 44, "MCFG header is 44 bytes");
static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG allocation is 16 bytes");

#endif
