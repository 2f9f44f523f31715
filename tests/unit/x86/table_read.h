/* Reading firmware tables back out of guest memory the way a guest does:
 * little-endian fields at raw offsets and byte checksums, never through
 * the builders' own structs, so that a wrong struct cannot hide itself. */
#ifndef SPLITVM_TEST_X86_TABLE_READ_H
#define SPLITVM_TEST_X86_TABLE_READ_H

#include <stddef.h>
#include <stdint.h>

#include "memory.h"

uint16_t rd16(const uint8_t *p);
uint32_t rd32(const uint8_t *p);
uint64_t rd64(const uint8_t *p);

/* The 8-bit sum of n bytes: 0 for a table whose checksum holds. */
uint8_t sum8(const uint8_t *p, size_t n);

/* Guest pointer: the host address of [gpa, gpa + len); fails the test
 * when any of it is not RAM. */
const uint8_t *gp(const struct guest_memory *mem, uint64_t gpa, uint64_t len);

#endif
