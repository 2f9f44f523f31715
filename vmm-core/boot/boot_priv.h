/* Helpers shared by the boot loaders; not part of the boot API. */
#ifndef SPLITVM_BOOT_PRIV_H
#define SPLITVM_BOOT_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "bootparam.h"
#include "memory.h"

#define BOOT_PAGE_SIZE 4096ULL

/* The x86 kernel's COMMAND_LINE_SIZE: what an ELF vmlinux, which carries no
 * cmdline_size, accepts including the NUL. */
#define BOOT_ELF_CMDLINE_MAX 2048u

/* Formats a message for the API's fault_message; err may be NULL. */
void boot_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Size of a regular file; what names it in messages ("Kernel image"). */
int boot_file_size(int fd, const char *what, uint64_t *size,
		   char *err, size_t errlen);
/* Reads exactly len bytes at off, retrying EINTR and short reads; -ENODATA
 * when the file ends first, -errno on a read error. */
int boot_file_read(int fd, void *buf, uint64_t len, uint64_t off);
/* The same, straight into guest memory [gpa, gpa + len); -EFAULT when that
 * is not all RAM. */
int boot_file_to_guest(const struct guest_memory *mem, int fd, uint64_t off,
		       uint64_t gpa, uint64_t len);
/* Message for a failed boot_file_read / boot_file_to_guest; returns the
 * errno to hand back (-EIO for a file that ended early). */
int boot_read_failed(int ret, const char *what, uint64_t off,
		     char *err, size_t errlen);

/* -E2BIG with Firecracker-style message unless a command line of len bytes
 * plus its NUL fits both the kernel's limit and LAYOUT_CMDLINE_MAX. */
int cmdline_check_fits(size_t len, uint32_t kernel_max, char *err, size_t errlen);

/* Highest page-aligned address for size bytes that ends at or below
 * min(addr_max + 1, mem->low_size) and starts at or above floor.
 * -ENOMEM when there is no such address. */
int initrd_place(const struct guest_memory *mem, uint64_t size, uint64_t floor,
		 uint64_t addr_max, uint64_t *addr);
/* Places and reads the initrd; fills out->initrd_*. */
int initrd_load(const struct guest_memory *mem, int fd, uint64_t addr_max,
		struct boot_entry *out, char *err, size_t errlen);

/* Zero page for an ELF vmlinux: the few setup-header fields a kernel
 * entered at startup_64 reads, as Firecracker fills them. */
void zeropage_init_elf(struct boot_params *bp);
/* Zero page for a bzImage: its own setup header plus the loader fields. */
void zeropage_init_bzimage(struct boot_params *bp, const struct setup_header *hdr,
			   const struct boot_entry *entry);
/* Fields common to both: command line, initrd, E820, RSDP; then writes the
 * page at LAYOUT_ZERO_PAGE. */
int zeropage_finish(struct boot_params *bp, const struct guest_memory *mem,
		    const struct boot_params_in *in, const struct boot_entry *entry,
		    size_t cmdline_len, char *err, size_t errlen);

#endif
