#include "loader_fixture.h"

#include <stdbool.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "memory.h"

void *loader_fixture_new(void **state, size_t fixture_size, uint64_t mem_size)
{
	struct guest_memory *mem = test_calloc(1, fixture_size);

	assert_int_equal(guest_memory_create(mem, mem_size, false), 0);
	*state = mem;
	return mem;
}

int loader_fixture_teardown(void **state)
{
	struct guest_memory *mem = *state;

	guest_memory_destroy(mem);
	test_free(mem);
	return 0;
}

void assert_err_contains(const char *err, const char *needle)
{
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
}
