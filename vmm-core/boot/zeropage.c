/* The zero page (struct boot_params) at LAYOUT_ZERO_PAGE, whose address the
 * vCPU passes in RSI.  64-bit boot protocol: "the memory for struct
 * boot_params ... initialized to all zero.  Then, the setup header at offset
 * 0x01f1 of kernel image on should be loaded into struct boot_params and
 * examined", then the loader fills its own fields and the E820 map. */
#include <errno.h>
#include <string.h>

#include "boot_priv.h"
#include "checked.h"
#include "layout.h"

/* Firecracker's value for vmlinux; a vmlinux has no header to take it from. */
#define ELF_KERNEL_ALIGNMENT    0x01000000u

/* heap_end_ptr: "the offset (from the beginning of the real-mode code) of
 * the end of the setup stack/heap, minus 0x0200".  The real-mode setup code
 * never runs on the 64-bit entry path, so no heap exists; the value is the
 * one the protocol's sample layout gives a modern kernel (heap end 0xe000),
 * so that a header read back by anyone describes a sane setup area. */
#define SETUP_HEAP_END          0xe000u

void zeropage_init_elf(struct boot_params *bp)
{
	memset(bp, 0, sizeof(*bp));
	bp->hdr.boot_flag = SETUP_BOOT_FLAG;
	bp->hdr.header = SETUP_HDR_MAGIC;
	bp->hdr.type_of_loader = SETUP_TYPE_OF_LOADER;
	bp->hdr.kernel_alignment = ELF_KERNEL_ALIGNMENT;
}

void zeropage_init_bzimage(struct boot_params *bp, const struct setup_header *hdr,
			   const struct boot_entry *entry)
{
	memset(bp, 0, sizeof(*bp));
	bp->hdr = *hdr;
	bp->hdr.type_of_loader = SETUP_TYPE_OF_LOADER;
	bp->hdr.ext_loader_ver = 0;
	bp->hdr.ext_loader_type = 0;
	bp->hdr.loadflags &= (uint8_t)~LOADFLAG_KEEP_SEGMENTS;
	bp->hdr.loadflags |= LOADFLAG_CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = SETUP_HEAP_END - 0x200;
	/* "if a bootloader ... loads a relocatable kernel at a nonstandard
	 * address it will have to modify this field to point to the load
	 * address." */
	bp->hdr.code32_start = (uint32_t)entry->kernel_start;
	/* Loader-written fields a crafted image could have preset: we pass no
	 * setup_data list and run on a plain PC, whatever the image says. */
	bp->hdr.setup_data = 0;
	bp->hdr.hardware_subarch = 0;
	bp->hdr.hardware_subarch_data = 0;
}

static int zeropage_fill_e820(struct boot_params *bp, const struct guest_memory *mem,
			      bool pci_enabled)
{
	struct e820_entry map[ZERO_PAGE_E820_MAX];
	int n, i;

	n = e820_build(mem, pci_enabled, map, ARRAY_SIZE(map));
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		bp->e820_table[i].addr = map[i].addr;
		bp->e820_table[i].size = map[i].size;
		bp->e820_table[i].type = map[i].type;
	}
	bp->e820_entries = (uint8_t)n;
	return 0;
}

int zeropage_finish(struct boot_params *bp, const struct guest_memory *mem,
		    const struct boot_params_in *in, const struct boot_entry *entry,
		    size_t cmdline_len, char *err, size_t errlen)
{
	int ret;

	bp->hdr.cmd_line_ptr = (uint32_t)LAYOUT_CMDLINE_START;
	bp->ext_cmd_line_ptr = (uint32_t)(LAYOUT_CMDLINE_START >> 32);
	/* A bzImage's cmdline_size is the kernel's limit (read-only); a
	 * vmlinux has none, and Firecracker stores the line's size there. */
	if (entry->format == KERNEL_FORMAT_ELF)
		bp->hdr.cmdline_size = (uint32_t)(cmdline_len + 1);
	bp->hdr.ramdisk_image = (uint32_t)entry->initrd_start;
	bp->hdr.ramdisk_size = (uint32_t)entry->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(entry->initrd_start >> 32);
	bp->ext_ramdisk_size = (uint32_t)(entry->initrd_size >> 32);
	bp->acpi_rsdp_addr = in->acpi_rsdp_addr;

	ret = zeropage_fill_e820(bp, mem, in->pci_enabled);
	if (ret < 0) {
		boot_errf(err, errlen, "Cannot build the E820 map: %s", strerror(-ret));
		return ret;
	}
	ret = guest_memory_write(mem, LAYOUT_ZERO_PAGE, bp, sizeof(*bp));
	if (ret < 0)
		boot_errf(err, errlen, "Guest memory has no room for the zero page");
	return ret;
}
