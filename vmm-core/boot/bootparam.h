/* The zero page (struct boot_params) and the setup header of the Linux/x86
 * boot protocol, laid out from the protocol's offset tables
 * (Documentation/arch/x86/boot.rst and zero-page.rst).  Only the fields the
 * loaders read or write are named; the rest is padding that stays zero.  The
 * static_asserts pin every named field to its documented offset, so a typo
 * cannot silently shift what the guest kernel reads. */
#ifndef SPLITVM_BOOTPARAM_H
#define SPLITVM_BOOTPARAM_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

/* Offset of the setup header inside both the zero page and the bzImage. */
#define SETUP_HDR_OFFSET        0x1f1
/* "The end of setup header can be calculated as follows:
 *  0x0202 + byte value at offset 0x0201" (64-bit boot protocol). */
#define SETUP_HDR_JUMP_END      0x201

#define SETUP_BOOT_FLAG         0xaa55
#define SETUP_HDR_MAGIC         0x53726448u  /* "HdrS", little endian */
#define SETUP_TYPE_OF_LOADER    0xff         /* "0xFF = undefined" loader id */

/* loadflags */
#define LOADFLAG_LOADED_HIGH    0x01
#define LOADFLAG_KEEP_SEGMENTS  0x40
#define LOADFLAG_CAN_USE_HEAP   0x80

/* xloadflags (protocol 2.12+) */
#define XLF_KERNEL_64           0x0001
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x0002

/* Protocol versions whose fields the loaders depend on. */
#define BOOT_PROTO_2_03         0x0203  /* initrd_addr_max */
#define BOOT_PROTO_2_06         0x0206  /* cmdline_size */
#define BOOT_PROTO_2_10         0x020a  /* pref_address, init_size */
#define BOOT_PROTO_2_12         0x020c  /* xloadflags */

struct setup_header {
	uint8_t setup_sects;            /* 0x1f1 */
	uint16_t root_flags;            /* 0x1f2 */
	uint32_t syssize;               /* 0x1f4 */
	uint16_t ram_size;              /* 0x1f8 */
	uint16_t vid_mode;              /* 0x1fa */
	uint16_t root_dev;              /* 0x1fc */
	uint16_t boot_flag;             /* 0x1fe */
	uint16_t jump;                  /* 0x200 */
	uint32_t header;                /* 0x202 */
	uint16_t version;               /* 0x206 */
	uint32_t realmode_swtch;        /* 0x208 */
	uint16_t start_sys_seg;         /* 0x20c */
	uint16_t kernel_version;        /* 0x20e */
	uint8_t type_of_loader;         /* 0x210 */
	uint8_t loadflags;              /* 0x211 */
	uint16_t setup_move_size;       /* 0x212 */
	uint32_t code32_start;          /* 0x214 */
	uint32_t ramdisk_image;         /* 0x218 */
	uint32_t ramdisk_size;          /* 0x21c */
	uint32_t bootsect_kludge;       /* 0x220 */
	uint16_t heap_end_ptr;          /* 0x224 */
	uint8_t ext_loader_ver;         /* 0x226 */
	uint8_t ext_loader_type;        /* 0x227 */
	uint32_t cmd_line_ptr;          /* 0x228 */
	uint32_t initrd_addr_max;       /* 0x22c */
	uint32_t kernel_alignment;      /* 0x230 */
	uint8_t relocatable_kernel;     /* 0x234 */
	uint8_t min_alignment;          /* 0x235 */
	uint16_t xloadflags;            /* 0x236 */
	uint32_t cmdline_size;          /* 0x238 */
	uint32_t hardware_subarch;      /* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;        /* 0x248 */
	uint32_t payload_length;        /* 0x24c */
	uint64_t setup_data;            /* 0x250 */
	uint64_t pref_address;          /* 0x258 */
	uint32_t init_size;             /* 0x260 */
	uint32_t handover_offset;       /* 0x264 */
	uint32_t kernel_info_offset;    /* 0x268 */
} __attribute__((packed));

/* One E820 entry as the zero page stores it (packed, 20 bytes). */
struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define ZERO_PAGE_E820_MAX      128

struct boot_params {
	uint8_t _pad0[0x070];
	uint64_t acpi_rsdp_addr;        /* 0x070 */
	uint8_t _pad1[0x0c0 - 0x078];
	uint32_t ext_ramdisk_image;     /* 0x0c0 */
	uint32_t ext_ramdisk_size;      /* 0x0c4 */
	uint32_t ext_cmd_line_ptr;      /* 0x0c8 */
	uint8_t _pad2[0x1e8 - 0x0cc];
	uint8_t e820_entries;           /* 0x1e8 */
	uint8_t _pad3[0x1ef - 0x1e9];
	/* "sentinel: used to detect broken bootloaders": it must stay zero,
	 * which it does because only the setup header (from 0x1f1) is copied
	 * out of the image. */
	uint8_t sentinel;               /* 0x1ef */
	uint8_t _pad4;                  /* 0x1f0 */
	struct setup_header hdr;        /* 0x1f1 */
	uint8_t _pad5[0x2d0 - 0x1f1 - sizeof(struct setup_header)];
	struct boot_e820_entry e820_table[ZERO_PAGE_E820_MAX]; /* 0x2d0 */
	uint8_t _pad6[0x1000 - 0x2d0 - ZERO_PAGE_E820_MAX * sizeof(struct boot_e820_entry)];
} __attribute__((packed));

#define HDR_OFF(f) (SETUP_HDR_OFFSET + offsetof(struct setup_header, f))

static_assert(sizeof(struct boot_e820_entry) == 20, "e820 entry is 20 bytes");
static_assert(sizeof(struct setup_header) == 0x26c - 0x1f1, "setup header ends at 0x26c");
static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
static_assert(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "acpi_rsdp_addr");
static_assert(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "ext_ramdisk_image");
static_assert(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0c8, "ext_cmd_line_ptr");
static_assert(offsetof(struct boot_params, e820_entries) == 0x1e8, "e820_entries");
static_assert(offsetof(struct boot_params, sentinel) == 0x1ef, "sentinel");
static_assert(offsetof(struct boot_params, hdr) == SETUP_HDR_OFFSET, "setup header");
static_assert(offsetof(struct boot_params, e820_table) == 0x2d0, "e820_table");
static_assert(HDR_OFF(syssize) == 0x1f4, "syssize");
static_assert(HDR_OFF(boot_flag) == 0x1fe, "boot_flag");
static_assert(HDR_OFF(header) == 0x202, "header");
static_assert(HDR_OFF(version) == 0x206, "version");
static_assert(HDR_OFF(type_of_loader) == 0x210, "type_of_loader");
static_assert(HDR_OFF(loadflags) == 0x211, "loadflags");
static_assert(HDR_OFF(code32_start) == 0x214, "code32_start");
static_assert(HDR_OFF(ramdisk_image) == 0x218, "ramdisk_image");
static_assert(HDR_OFF(ramdisk_size) == 0x21c, "ramdisk_size");
static_assert(HDR_OFF(heap_end_ptr) == 0x224, "heap_end_ptr");
static_assert(HDR_OFF(cmd_line_ptr) == 0x228, "cmd_line_ptr");
static_assert(HDR_OFF(initrd_addr_max) == 0x22c, "initrd_addr_max");
static_assert(HDR_OFF(kernel_alignment) == 0x230, "kernel_alignment");
static_assert(HDR_OFF(relocatable_kernel) == 0x234, "relocatable_kernel");
static_assert(HDR_OFF(xloadflags) == 0x236, "xloadflags");
static_assert(HDR_OFF(cmdline_size) == 0x238, "cmdline_size");
static_assert(HDR_OFF(payload_offset) == 0x248, "payload_offset");
static_assert(HDR_OFF(setup_data) == 0x250, "setup_data");
static_assert(HDR_OFF(pref_address) == 0x258, "pref_address");
static_assert(HDR_OFF(init_size) == 0x260, "init_size");
static_assert(HDR_OFF(kernel_info_offset) == 0x268, "kernel_info_offset");

#endif
