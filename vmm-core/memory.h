/* Guest RAM as the core sees it: one memfd, sealed against shrink and grow so
 * that workers can map it without fear of SIGBUS, mapped once here.  Guest
 * RAM is split around the MMIO hole (layout.h): [0, low_size) and, when the
 * guest is larger than the hole's start, [4 GiB, 4 GiB + high_size). */
#ifndef SPLITVM_MEMORY_H
#define SPLITVM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_memory {
	uint8_t *host;       /* mapping of the whole memfd, low part first */
	uint64_t size;       /* total RAM in bytes */
	uint64_t low_size;   /* RAM below LAYOUT_MMIO32_START */
	uint64_t high_size;  /* RAM at LAYOUT_RAM_HIGH_START */
	int memfd;           /* -1 for memory made by unit tests */
};

/* Creates the memfd, sizes, seals and maps it.  huge_2m: back it with 2 MiB
 * hugetlbfs pages (machine-config huge_pages "2M"), all reserved now, so
 * that a host pool too small fails here with -ENOMEM instead of a SIGBUS
 * in the middle of the guest's run; size must then be a multiple of
 * 2 MiB.  Returns 0 or -errno. */
int guest_memory_create(struct guest_memory *mem, uint64_t size, bool huge_2m);
void guest_memory_destroy(struct guest_memory *mem);

/* Host pointer for [gpa, gpa + len), or NULL when any byte of it is not RAM
 * (outside memory, across the MMIO hole, or wrapping). */
void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

/* Copy into / out of guest memory with the same checks; -EFAULT when out of range. */
int guest_memory_write(const struct guest_memory *mem, uint64_t gpa, const void *src, uint64_t len);
int guest_memory_read(const struct guest_memory *mem, uint64_t gpa, void *dst, uint64_t len);

#endif
