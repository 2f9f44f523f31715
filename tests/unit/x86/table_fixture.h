/* Setup and teardown shared by the table tests: guest memory with one set
 * of tables built into it.  Each test keeps its own fixture struct, but
 * every one starts with that guest memory, which is what lets one teardown
 * release them all (each test checks it with TABLE_FIXTURE_CHECK). */
#ifndef SPLITVM_TEST_X86_TABLE_FIXTURE_H
#define SPLITVM_TEST_X86_TABLE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "memory.h"
#include "tables.h"

#define TABLE_FIXTURE_CHECK(type) \
	_Static_assert(offsetof(type, mem) == 0, #type " must start with its guest memory")

typedef int (*table_builder)(struct guest_memory *mem, const struct platform_desc *desc);

/* A zeroed fixture of fixture_size bytes whose leading guest memory holds
 * mem_size bytes with build(desc)'s tables in it, stored into *state.
 * NULL, and *state untouched, when any of that fails: cmocka then reports
 * the setup as failed. */
void *table_fixture_new(void **state, size_t fixture_size, uint64_t mem_size,
			table_builder build, const struct platform_desc *desc);
/* cmocka teardown for a fixture from table_fixture_new(). */
int table_fixture_teardown(void **state);

/* fn as six cmocka tests, one per entry of cfgs (each test's own
 * description of the same six platforms: 1, 2 and 32 vCPUs, first without
 * PCI, then with it), each on a fresh fixture from setup. */
#define TABLE_TESTS(fn, setup, cfgs) \
	TABLE_TEST(fn, setup, cfgs, 0, "1cpu"), TABLE_TEST(fn, setup, cfgs, 1, "2cpu"), \
	TABLE_TEST(fn, setup, cfgs, 2, "32cpu"), TABLE_TEST(fn, setup, cfgs, 3, "1cpu-pci"), \
	TABLE_TEST(fn, setup, cfgs, 4, "2cpu-pci"), TABLE_TEST(fn, setup, cfgs, 5, "32cpu-pci")
#define TABLE_TEST(fn, setup, cfgs, i, label) \
	{ #fn "/" label, fn, setup, table_fixture_teardown, (void *)&(cfgs)[i] }

#endif
