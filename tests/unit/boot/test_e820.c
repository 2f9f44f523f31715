/* E820 maps for guests below, at and above the MMIO hole: sorted, disjoint,
 * covering exactly the guest's RAM, never claiming the hole as RAM, and
 * reserving ECAM only with PCI. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "boot.h"
#include "layout.h"
#include "memory.h"

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Bytes of [addr, addr + size) that are guest RAM. */
static uint64_t ram_bytes_in(const struct guest_memory *mem, uint64_t addr, uint64_t size)
{
	uint64_t total = 0, s, e;

	s = addr;
	e = addr + size < mem->low_size ? addr + size : mem->low_size;
	if (e > s)
		total += e - s;
	s = addr > LAYOUT_RAM_HIGH_START ? addr : LAYOUT_RAM_HIGH_START;
	e = addr + size < LAYOUT_RAM_HIGH_START + mem->high_size ?
	    addr + size : LAYOUT_RAM_HIGH_START + mem->high_size;
	if (e > s)
		total += e - s;
	return total;
}

static void check_map(uint64_t size, bool pci)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct guest_memory mem;
	uint64_t ram = 0, covered = 0;
	bool ecam = false;
	int n;

	assert_int_equal(guest_memory_create(&mem, size, false), 0);
	n = e820_build(&mem, pci, map, E820_MAX_ENTRIES);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		assert_true(map[i].size > 0);
		assert_true(map[i].type == E820_RAM || map[i].type == E820_RESERVED);
		if (i > 0)  /* sorted, and no overlap with the previous entry */
			assert_true(map[i - 1].addr + map[i - 1].size <= map[i].addr);
		if (map[i].type == E820_RAM) {
			/* RAM entries are RAM, every byte of them. */
			assert_int_equal(ram_bytes_in(&mem, map[i].addr, map[i].size), map[i].size);
			assert_false(overlaps(map[i].addr, map[i].size, LAYOUT_MMIO32_START,
					      LAYOUT_MMIO32_END - LAYOUT_MMIO32_START));
			ram += map[i].size;
		}
		covered += ram_bytes_in(&mem, map[i].addr, map[i].size);
		if (map[i].addr == LAYOUT_ECAM_START && map[i].size == LAYOUT_ECAM_SIZE &&
		    map[i].type == E820_RESERVED)
			ecam = true;
	}
	/* Every byte of guest memory is described exactly once: as RAM, or
	 * as the reserved EBDA/BIOS area below 1 MiB. */
	assert_int_equal(covered, size);
	assert_int_equal(ram, size - (LAYOUT_HIMEM_START - LAYOUT_EBDA_START));
	assert_int_equal(ecam, pci);

	assert_int_equal(map[0].addr, 0);
	assert_int_equal(map[0].size, LAYOUT_EBDA_START);
	assert_int_equal(map[1].addr, LAYOUT_EBDA_START);
	assert_int_equal(map[1].type, E820_RESERVED);
	assert_int_equal(map[2].addr, LAYOUT_HIMEM_START);
	assert_int_equal(map[2].type, E820_RAM);
	assert_int_equal(n, 3 + (pci ? 1 : 0) + (mem.high_size ? 1 : 0));
	guest_memory_destroy(&mem);
}

static void test_128m(void **state)
{
	check_map(128 * MiB, false);
	check_map(128 * MiB, true);
}

static void test_3g(void **state)
{
	check_map(3 * GiB, false);
	check_map(3 * GiB, true);
}

static void test_4g(void **state)
{
	check_map(4 * GiB, false);
	check_map(4 * GiB, true);
}

static void test_6g(void **state)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct guest_memory mem;
	int n;

	check_map(6 * GiB, false);
	check_map(6 * GiB, true);
	assert_int_equal(guest_memory_create(&mem, 6 * GiB, false), 0);
	n = e820_build(&mem, true, map, E820_MAX_ENTRIES);
	assert_int_equal(n, 5);
	assert_int_equal(map[2].addr + map[2].size, LAYOUT_MMIO32_START);
	assert_int_equal(map[3].addr, LAYOUT_ECAM_START);
	assert_int_equal(map[4].addr, LAYOUT_RAM_HIGH_START);
	assert_int_equal(map[4].size, 3 * GiB);
	guest_memory_destroy(&mem);
}

static void test_too_few_slots(void **state)
{
	struct e820_entry map[3];
	struct guest_memory mem;

	assert_int_equal(guest_memory_create(&mem, 128 * MiB, false), 0);
	assert_int_equal(e820_build(&mem, false, map, 3), 3);
	assert_int_equal(e820_build(&mem, true, map, 3), -ENOSPC);
	assert_int_equal(e820_build(&mem, false, map, 0), -ENOSPC);
	guest_memory_destroy(&mem);
}

static void test_tiny_memory(void **state)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct guest_memory mem = { .size = 512 * KiB, .low_size = 512 * KiB, .memfd = -1 };
	struct guest_memory mem2 = { .size = 0xa0000, .low_size = 0xa0000, .memfd = -1 };

	/* Below the EBDA: one RAM entry, clipped. */
	assert_int_equal(e820_build(&mem, false, map, E820_MAX_ENTRIES), 1);
	assert_int_equal(map[0].size, 512 * KiB);
	/* Inside the EBDA: the reserved part is clipped too. */
	assert_int_equal(e820_build(&mem2, false, map, E820_MAX_ENTRIES), 2);
	assert_int_equal(map[1].addr + map[1].size, 0xa0000);
}

static void test_inconsistent_memory(void **state)
{
	struct e820_entry map[E820_MAX_ENTRIES];
	struct guest_memory hole = { .size = 4 * GiB, .low_size = 4 * GiB, .memfd = -1 };
	struct guest_memory split = { .size = 2 * GiB, .low_size = 1 * GiB,
				      .high_size = 1 * GiB, .memfd = -1 };

	assert_int_equal(e820_build(&hole, false, map, E820_MAX_ENTRIES), -EINVAL);
	assert_int_equal(e820_build(&split, false, map, E820_MAX_ENTRIES), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_128m),
		cmocka_unit_test(test_3g),
		cmocka_unit_test(test_4g),
		cmocka_unit_test(test_6g),
		cmocka_unit_test(test_too_few_slots),
		cmocka_unit_test(test_tiny_memory),
		cmocka_unit_test(test_inconsistent_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
