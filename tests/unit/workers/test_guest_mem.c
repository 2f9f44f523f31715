// SPDX-License-Identifier: Apache-2.0
/* guest_mem: the only way a worker touches guest memory. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest_mem.h"

static uint8_t ram0[0x4000], ram1[0x2000];

/* Two regions with a hole between them: [0x1000, 0x5000) and
 * [0x10000, 0x12000). */
static void init_two(struct guest_mem *gm)
{
	const struct gm_region r[] = {
		{ 0x1000, sizeof(ram0), ram0 },
		{ 0x10000, sizeof(ram1), ram1 },
	};

	assert_int_equal(gm_init_from_host(gm, r, 2), 0);
}

static void test_ptr_inside(void **state)
{
	struct guest_mem gm;

	(void)state;
	init_two(&gm);
	assert_ptr_equal(gm_ptr(&gm, 0x1000, 1), ram0);
	assert_ptr_equal(gm_ptr(&gm, 0x1000, sizeof(ram0)), ram0);
	assert_ptr_equal(gm_ptr(&gm, 0x4fff, 1), ram0 + 0x3fff);
	assert_ptr_equal(gm_ptr(&gm, 0x10010, 0x10), ram1 + 0x10);
	assert_ptr_equal(gm_ptr(&gm, 0x11ff8, 8), ram1 + 0x1ff8);
}

static void test_ptr_outside(void **state)
{
	struct guest_mem gm;

	(void)state;
	init_two(&gm);
	assert_null(gm_ptr(&gm, 0x0, 1));		/* below the first region */
	assert_null(gm_ptr(&gm, 0xfff, 2));		/* starts below, ends inside */
	assert_null(gm_ptr(&gm, 0x5000, 1));		/* one past the end */
	assert_null(gm_ptr(&gm, 0x4fff, 2));		/* straddles the end */
	assert_null(gm_ptr(&gm, 0x8000, 4));		/* in the hole */
	assert_null(gm_ptr(&gm, 0x4000, 0xc010));	/* spans the hole */
	assert_null(gm_ptr(&gm, 0x12000, 1));
	assert_null(gm_ptr(&gm, 0x1000, 0));		/* empty range */
}

static void test_ptr_overflow(void **state)
{
	struct guest_mem gm;

	(void)state;
	init_two(&gm);
	/* gpa + len wraps to a small address inside the first region. */
	assert_null(gm_ptr(&gm, 0x1010, UINT64_MAX));
	assert_null(gm_ptr(&gm, 0x1010, UINT64_MAX - 0xf));
	assert_null(gm_ptr(&gm, UINT64_MAX, 0x1002));
	assert_null(gm_ptr(&gm, UINT64_MAX - 0x10, 0x20));
}

static void test_adjacent_regions_do_not_merge(void **state)
{
	const struct gm_region r[] = {
		{ 0x0, 0x1000, ram0 },
		{ 0x1000, 0x1000, ram1 },
	};
	struct guest_mem gm;

	(void)state;
	assert_int_equal(gm_init_from_host(&gm, r, 2), 0);
	assert_ptr_equal(gm_ptr(&gm, 0xff0, 0x10), ram0 + 0xff0);
	assert_ptr_equal(gm_ptr(&gm, 0x1000, 0x10), ram1);
	/* Contiguous in the guest, not on the host: one range, one region. */
	assert_null(gm_ptr(&gm, 0xff0, 0x20));
}

static void test_layout_rejected(void **state)
{
	struct guest_mem gm;
	const struct gm_region overlap[] = { { 0x0, 0x2000, ram0 }, { 0x1000, 0x1000, ram1 } };
	const struct gm_region unsorted[] = { { 0x10000, 0x1000, ram0 }, { 0x0, 0x1000, ram1 } };
	const struct gm_region empty[] = { { 0x0, 0, ram0 } };
	const struct gm_region wraps[] = { { UINT64_MAX - 0xfff, 0x2000, ram0 } };

	(void)state;
	assert_int_equal(gm_init_from_host(&gm, overlap, 2), -EINVAL);
	assert_int_equal(gm_init_from_host(&gm, unsorted, 2), -EINVAL);
	assert_int_equal(gm_init_from_host(&gm, empty, 1), -EINVAL);
	assert_int_equal(gm_init_from_host(&gm, wraps, 1), -EINVAL);
	assert_int_equal(gm_init_from_host(&gm, overlap, 0), -EINVAL);
	assert_int_equal(gm_init_from_host(&gm, overlap, GM_MAX_REGIONS + 1), -EINVAL);
	assert_null(gm_ptr(&gm, 0x0, 1));	/* a failed init leaves nothing */
}

static int sealed_memfd(size_t size, bool seal)
{
	int fd = memfd_create("test-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	return fd;
}

static void test_map_memfd(void **state)
{
	const struct gm_region_desc d[] = {
		{ 0x0, 0x2000, 0x1000 },
		{ 0x100000000ULL, 0x1000, 0x0 },
	};
	struct guest_mem gm;
	uint8_t byte = 0;
	int fd = sealed_memfd(0x3000, true);
	uint8_t *p;

	(void)state;
	assert_int_equal(gm_map(&gm, fd, d, 2), 0);
	/* Writes through the mapping land at the region's memfd offset. */
	p = gm_ptr(&gm, 0x10, 1);
	assert_non_null(p);
	*p = 0xa5;
	assert_int_equal(pread(fd, &byte, 1, 0x1010), 1);
	assert_int_equal(byte, 0xa5);
	p = gm_ptr(&gm, 0x100000000ULL + 0xff, 1);
	assert_non_null(p);
	*p = 0x5a;
	assert_int_equal(pread(fd, &byte, 1, 0xff), 1);
	assert_int_equal(byte, 0x5a);
	assert_null(gm_ptr(&gm, 0x2000, 1));
	gm_unmap(&gm);
	assert_null(gm_ptr(&gm, 0x10, 1));
	close(fd);
}

static void test_map_rejects(void **state)
{
	const struct gm_region_desc beyond[] = { { 0x0, 0x2000, 0x2000 } };
	const struct gm_region_desc unaligned[] = { { 0x10, 0x1000, 0x0 } };
	const struct gm_region_desc wraps[] = { { 0x0, 0x1000, UINT64_MAX - 0xfff } };
	const struct gm_region_desc ok[] = { { 0x0, 0x1000, 0x0 } };
	struct guest_mem gm;
	int sealed = sealed_memfd(0x3000, true);
	int unsealed = sealed_memfd(0x3000, false);

	(void)state;
	assert_int_equal(gm_map(&gm, sealed, beyond, 1), -EINVAL);
	assert_int_equal(gm_map(&gm, sealed, unaligned, 1), -EINVAL);
	assert_int_equal(gm_map(&gm, sealed, wraps, 1), -EINVAL);
	/* Could be truncated under the mapping: SIGBUS on the next access. */
	assert_int_equal(gm_map(&gm, unsealed, ok, 1), -EINVAL);
	assert_int_equal(gm_map(&gm, sealed, ok, 1), 0);
	gm_unmap(&gm);
	close(sealed);
	close(unsealed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ptr_inside),
		cmocka_unit_test(test_ptr_outside),
		cmocka_unit_test(test_ptr_overflow),
		cmocka_unit_test(test_adjacent_regions_do_not_merge),
		cmocka_unit_test(test_layout_rejected),
		cmocka_unit_test(test_map_memfd),
		cmocka_unit_test(test_map_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
