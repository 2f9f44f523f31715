/* Kernel loading for x86-64 guests: ELF vmlinux and bzImage (Linux x86 boot
 * protocol), initrd placement, the zero page (struct boot_params), the E820
 * map and the kernel command line.  Everything here works on a
 * struct guest_memory and a file descriptor, so unit tests and fuzzers run
 * it without KVM.  Every image is hostile: all header fields are checked
 * before use and every write into guest memory is bounds checked. */
#ifndef SPLITVM_BOOT_H
#define SPLITVM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory.h"

enum kernel_format {
	KERNEL_FORMAT_ELF,
	KERNEL_FORMAT_BZIMAGE,
};

/* What the vCPU setup needs to enter the kernel in 64-bit mode. */
struct boot_entry {
	enum kernel_format format;
	uint64_t entry;           /* 64-bit entry point (guest physical) */
	uint64_t zero_page;       /* RSI at entry: LAYOUT_ZERO_PAGE */
	uint64_t kernel_start;    /* where the loaded image begins */
	uint64_t kernel_end;      /* first byte after it; for a bzImage this
	                           * covers init_size, the memory the kernel
	                           * decompresses into before it reads E820 */
	uint64_t initrd_start;    /* 0 when there is no initrd */
	uint64_t initrd_size;
	uint32_t cmdline_max;     /* bytes the kernel accepts, NUL included */
};

struct boot_params_in {
	int kernel_fd;
	int initrd_fd;            /* -1: no initrd */
	const char *cmdline;      /* final command line (see cmdline_build) */
	bool pci_enabled;         /* E820 reserves ECAM only then */
	uint64_t acpi_rsdp_addr;  /* zero page acpi_rsdp_addr, as Firecracker
	                           * sets it; 0: the kernel scans for the RSDP */
};

/* Loads kernel and initrd, writes the command line, the zero page and its
 * E820 map.  On failure returns -errno and, when err is not NULL, a message
 * fit for an API fault_message ("Kernel image is not an ELF or bzImage",
 * "Initrd does not fit in guest memory", ...); boot_load logs nothing at
 * error level, the caller reports it.  A failed load may leave part of the
 * kernel in guest memory.  The kernel, initrd, command line and zero page
 * all lie below LAYOUT_MMIO32_START; the kernel at or above 1 MiB. */
int boot_load(struct guest_memory *mem, const struct boot_params_in *in,
	      struct boot_entry *out, char *err, size_t errlen);

/* Lower level pieces, exposed for the unit tests and fuzzers. */
int boot_load_elf(struct guest_memory *mem, int fd, struct boot_entry *out,
		  char *err, size_t errlen);
/* Returns -ENOEXEC when the file is not an ELF at all (so that the caller
 * tries bzImage next), -EINVAL when it is a bad or foreign ELF, -ENOMEM when
 * a segment would fit only in a larger guest. */

struct setup_header;   /* bootparam.h */
/* Loads the protected-mode part of a bzImage and copies its setup header
 * (zero-filled past the end the image declares) to hdr when hdr is not NULL.
 * Returns -ENOEXEC when the file has no "HdrS" setup header at all, -EINVAL
 * for a bzImage this loader cannot boot, -ENOMEM when it does not fit. */
int boot_load_bzimage(struct guest_memory *mem, int fd, struct boot_entry *out,
		      struct setup_header *hdr, char *err, size_t errlen);

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;            /* 1 = RAM, 2 = reserved */
};
#define E820_RAM      1
#define E820_RESERVED 2
#define E820_MAX_ENTRIES 128   /* what fits in the zero page */

/* Fills entries for mem (RAM below the hole, EBDA/BIOS reserved, ECAM
 * reserved when pci_enabled, RAM above 4 GiB); returns the count or -errno.
 * Entries are sorted and never overlap. */
int e820_build(const struct guest_memory *mem, bool pci_enabled,
	       struct e820_entry *entries, size_t max);

/* Firecracker's command-line rules: boot_args NULL → the default
 * "reboot=k panic=1 nomodule 8250.nr_uarts=0 i8042.noaux i8042.nomux
 * i8042.dumbkbd swiotlb=noforce" (CMDLINE_DEFAULT); " pci=off" appended
 * when PCI is disabled and the user did not give it; a user pci=off with
 * PCI enabled is refused (-EINVAL, message in err); extra entries (e.g.
 * virtio_mmio.device=...) are appended.  The result must fit in max bytes
 * including the NUL, else -E2BIG with a message.
 * Arguments are split as the kernel splits them (whitespace outside double
 * quotes): "pci=off" means a pci= parameter with "off" among its comma-
 * separated options; tokens after a lone "--" belong to init, so they are
 * not checked and our additions go before the "--".  An unterminated double
 * quote is refused (-EINVAL): it would swallow what is appended. */
int cmdline_build(const char *boot_args, bool pci_enabled,
		  const char *const *extra, size_t n_extra,
		  char *out, size_t max, char *err, size_t errlen);

#define CMDLINE_DEFAULT "reboot=k panic=1 nomodule 8250.nr_uarts=0 i8042.noaux i8042.nomux i8042.dumbkbd swiotlb=noforce"

#endif
