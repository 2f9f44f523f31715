#include "table_read.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

const uint8_t *gp(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = guest_memory_ptr(mem, gpa, len);

	assert_non_null(p);
	return p;
}
