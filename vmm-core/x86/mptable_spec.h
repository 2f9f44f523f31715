/* Byte layouts of the Intel MultiProcessor Specification 1.4 structures
 * (chapter 4), little endian and packed as the spec draws them. */
#ifndef SPLITVM_MPTABLE_SPEC_H
#define SPLITVM_MPTABLE_SPEC_H

#include <assert.h>
#include <stdint.h>

#define MP_SPEC_REV_1_4         4

/* 4.1 MP Floating Pointer Structure: on a 16-byte boundary, 16 bytes. */
struct mp_floating_pointer {
	char signature[4];        /* "_MP_" */
	uint32_t config_table;    /* physical address of the configuration table */
	uint8_t length;           /* in 16-byte paragraphs: 1 */
	uint8_t spec_rev;
	uint8_t checksum;         /* all 16 bytes sum to zero */
	uint8_t feature1;         /* 0: a configuration table is present */
	uint8_t feature2;         /* bit 7 IMCRP clear: virtual wire mode */
	uint8_t feature3[3];
} __attribute__((packed));
static_assert(sizeof(struct mp_floating_pointer) == 16, "MP floating pointer is 16 bytes");

/* 4.2 MP Configuration Table Header */
struct mp_config_header {
	char signature[4];        /* "PCMP" */
	uint16_t base_length;     /* header and base entries */
	uint8_t spec_rev;
	uint8_t checksum;         /* base_length bytes sum to zero */
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));
static_assert(sizeof(struct mp_config_header) == 44, "MP config header is 44 bytes");

/* 4.3 Base MP Configuration Table Entries, in ascending type order. */
enum mp_entry_type {
	MP_ENTRY_PROCESSOR = 0,
	MP_ENTRY_BUS = 1,
	MP_ENTRY_IOAPIC = 2,
	MP_ENTRY_IO_INTERRUPT = 3,
	MP_ENTRY_LOCAL_INTERRUPT = 4,
};

/* 4.3.1 Processor Entries */
struct mp_processor {
	uint8_t type;
	uint8_t lapic_id;
	uint8_t lapic_version;
	uint8_t flags;
	uint32_t signature;       /* CPUID family/model/stepping */
	uint32_t features;        /* CPUID.1:EDX */
	uint8_t reserved[8];
} __attribute__((packed));
static_assert(sizeof(struct mp_processor) == 20, "MP processor entry is 20 bytes");
#define MP_CPU_ENABLED          0x01
#define MP_CPU_BSP              0x02

/* 4.3.2 Bus Entries */
struct mp_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6];         /* "ISA   ", "PCI   " (Table 4-8) */
} __attribute__((packed));
static_assert(sizeof(struct mp_bus) == 8, "MP bus entry is 8 bytes");

/* 4.3.3 I/O APIC Entries */
struct mp_ioapic {
	uint8_t type;
	uint8_t id;
	uint8_t version;
	uint8_t flags;
	uint32_t address;
} __attribute__((packed));
static_assert(sizeof(struct mp_ioapic) == 8, "MP IOAPIC entry is 8 bytes");
#define MP_IOAPIC_ENABLED       0x01

/* 4.3.4 I/O Interrupt Assignment Entries and 4.3.5 Local Interrupt
 * Assignment Entries share one layout. */
struct mp_interrupt {
	uint8_t type;
	uint8_t irq_type;         /* Table 4-11 */
	uint16_t flags;           /* polarity bits 1:0, trigger bits 3:2; 0: conforms to the bus */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;         /* IOAPIC id, or local APIC id (0xff: all) */
	uint8_t dst_pin;          /* IOAPIC INTIN# or LINTIN# */
} __attribute__((packed));
static_assert(sizeof(struct mp_interrupt) == 8, "MP interrupt entry is 8 bytes");
#define MP_IRQ_INT              0
#define MP_IRQ_NMI              1
#define MP_IRQ_EXTINT           3
#define MP_ALL_LAPICS           0xff

#endif
