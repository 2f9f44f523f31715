#include "table_fixture.h"

#include <stdbool.h>
#include <stdlib.h>

void *table_fixture_new(void **state, size_t fixture_size, uint64_t mem_size,
			table_builder build, const struct platform_desc *desc)
{
	struct guest_memory *mem = calloc(1, fixture_size);

	if (!mem)
		return NULL;
	if (guest_memory_create(mem, mem_size, false) != 0) {
		free(mem);
		return NULL;
	}
	if (build(mem, desc) != 0) {
		guest_memory_destroy(mem);
		free(mem);
		return NULL;
	}
	*state = mem;
	return mem;
}

int table_fixture_teardown(void **state)
{
	struct guest_memory *mem = *state;

	guest_memory_destroy(mem);
	free(mem);
	return 0;
}
