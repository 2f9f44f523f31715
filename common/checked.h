/* Overflow-safe arithmetic for every size and address that crosses a trust
 * boundary (guest memory, worker messages, API bodies). */
#ifndef SPLITVM_CHECKED_H
#define SPLITVM_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when [off, off + len) lies inside [0, size) without wrapping. */
static inline bool range_within(uint64_t off, uint64_t len, uint64_t size)
{
	uint64_t end;

	if (__builtin_add_overflow(off, len, &end))
		return false;
	return end <= size;
}

/* Saturating add: a sum that would wrap becomes UINT64_MAX, which every
 * bounds check then rejects. */
static inline uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The value of an access of len bytes (1..8) with every bit set: what a
 * read of nothing, or of a failed device, returns on a PCI-like bus. */
static inline uint64_t access_all_ones(unsigned int len)
{
	return len >= 8 ? UINT64_MAX : (1ull << (len * 8)) - 1;
}

#endif
