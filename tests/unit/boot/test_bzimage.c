/* bzImage loader on synthetic images: placement (pref_address or 1 MiB),
 * entry, footprint, header copy, and a clear refusal for every header field
 * that can make the image unbootable. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "boot.h"
#include "bootparam.h"
#include "images.h"
#include "layout.h"
#include "loader_fixture.h"
#include "memory.h"

#define MEM_SIZE (32 * MiB)

struct fixture {
	struct guest_memory mem;
	struct test_bz bz;
	struct boot_entry out;
	struct setup_header hdr;
	char err[256];
};
LOADER_FIXTURE_CHECK(struct fixture);

static int setup(void **state)
{
	struct fixture *f = loader_fixture_new(state, sizeof(*f), MEM_SIZE);

	test_bz_build(&f->bz);
	return 0;
}

static int load_bytes(struct fixture *f, const void *bytes, size_t len)
{
	int fd = test_memfd(bytes, len);
	int ret;

	f->err[0] = '\0';
	memset(&f->hdr, 0xee, sizeof(f->hdr));
	ret = boot_load_bzimage(&f->mem, fd, &f->out, &f->hdr, f->err, sizeof(f->err));
	close(fd);
	return ret;
}

static int load(struct fixture *f)
{
	return load_bytes(f, f->bz.bytes, sizeof(f->bz.bytes));
}

static void test_relocatable_loads_at_pref_address(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load(f), 0);
	assert_int_equal(f->out.format, KERNEL_FORMAT_BZIMAGE);
	assert_int_equal(f->out.kernel_start, TEST_BZ_PREF_ADDRESS);
	assert_int_equal(f->out.entry, TEST_BZ_PREF_ADDRESS + 0x200);
	assert_int_equal(f->out.kernel_end, TEST_BZ_PREF_ADDRESS + TEST_BZ_INIT_SIZE);
	assert_int_equal(f->out.zero_page, LAYOUT_ZERO_PAGE);
	assert_int_equal(f->out.cmdline_max, TEST_BZ_CMDLINE_SIZE + 1);
	assert_memory_equal(f->mem.host + TEST_BZ_PREF_ADDRESS,
			    f->bz.bytes + TEST_BZ_PM_OFFSET, TEST_BZ_PM_SIZE);
	/* The setup sectors are not loaded. */
	assert_int_equal(f->mem.host[LAYOUT_HIMEM_START], 0);
	assert_memory_equal(&f->hdr, test_bz_hdr(&f->bz), sizeof(f->hdr));
}

static void test_non_relocatable_loads_at_1mib(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->relocatable_kernel = 0;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->out.kernel_start, LAYOUT_HIMEM_START);
	assert_int_equal(f->out.entry, LAYOUT_HIMEM_START + 0x200);
	/* It moves itself to pref_address and needs init_size there. */
	assert_int_equal(f->out.kernel_end, TEST_BZ_PREF_ADDRESS + TEST_BZ_INIT_SIZE);
	assert_memory_equal(f->mem.host + LAYOUT_HIMEM_START,
			    f->bz.bytes + TEST_BZ_PM_OFFSET, TEST_BZ_PM_SIZE);
}

static void test_unaligned_pref_address_falls_back(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->pref_address = TEST_BZ_PREF_ADDRESS + 0x1000;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->out.kernel_start, LAYOUT_HIMEM_START);
	/* The decompressor runs at align_up(load, kernel_alignment) but never
	 * below pref_address. */
	assert_int_equal(f->out.kernel_end, TEST_BZ_PREF_ADDRESS + 0x1000 + TEST_BZ_INIT_SIZE);
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->setup_sects = 0;
	assert_int_equal(load(f), 0);
	assert_memory_equal(f->mem.host + TEST_BZ_PREF_ADDRESS,
			    f->bz.bytes + 5 * 512, TEST_BZ_PM_SIZE);
}

static void test_trailing_bytes_ignored(void **state)
{
	struct fixture *f = *state;
	static uint8_t signed_image[TEST_BZ_SIZE + 1472];

	memcpy(signed_image, f->bz.bytes, TEST_BZ_SIZE);
	memset(signed_image + TEST_BZ_SIZE, 0x5a, sizeof(signed_image) - TEST_BZ_SIZE);
	assert_int_equal(load_bytes(f, signed_image, sizeof(signed_image)), 0);
	assert_int_equal(f->mem.host[TEST_BZ_PREF_ADDRESS + TEST_BZ_PM_SIZE], 0);
}

static void test_header_copy_stops_at_declared_end(void **state)
{
	struct fixture *f = *state;
	struct setup_header *h = test_bz_hdr(&f->bz);

	/* A 2.12-sized header ends after init_size/handover_offset (0x268);
	 * whatever follows in the file is not header. */
	h->jump = 0x66eb;
	h->version = 0x020c;
	h->kernel_info_offset = 0xdeadbeef;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->hdr.kernel_info_offset, 0);
	assert_int_equal(f->hdr.init_size, TEST_BZ_INIT_SIZE);
}

static void test_bad_magic(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->header = 0x53726449;
	assert_int_equal(load(f), -ENOEXEC);
	test_bz_build(&f->bz);
	test_bz_hdr(&f->bz)->boot_flag = 0x55ab;
	assert_int_equal(load(f), -ENOEXEC);
}

static void test_old_protocol(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->version = 0x0205;
	assert_int_equal(load(f), -EINVAL);
	assert_string_equal(f->err, "bzImage boot protocol 2.05 is too old (need 2.06 or later)");
}

static void test_protocol_without_64bit_entry(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->version = 0x020b;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "protocol 2.11) has no 64-bit entry point");
	test_bz_build(&f->bz);
	test_bz_hdr(&f->bz)->xloadflags = XLF_CAN_BE_LOADED_ABOVE_4G;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "XLF_KERNEL_64");
}

static void test_zimage(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->loadflags = 0;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "zImage");
}

static void test_bad_kernel_alignment(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->kernel_alignment = 0x300000;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "kernel_alignment");
	test_bz_hdr(&f->bz)->kernel_alignment = 0;
	assert_int_equal(load(f), -EINVAL);
}

static void test_truncated_kernel(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_bytes(f, f->bz.bytes, TEST_BZ_SIZE - 1), -EINVAL);
	assert_err_contains(f->err, "bzImage is truncated");
	assert_int_equal(load_bytes(f, f->bz.bytes, TEST_BZ_PM_OFFSET), -EINVAL);
	assert_err_contains(f->err, "bzImage is truncated");
}

static void test_truncated_setup_header(void **state)
{
	struct fixture *f = *state;

	/* The magic is there, cmdline_size (0x238) is not. */
	assert_int_equal(load_bytes(f, f->bz.bytes, 0x230), -EINVAL);
	assert_err_contains(f->err, "setup header is truncated");
	/* The file is long enough but the header says it ends at 0x222. */
	test_bz_hdr(&f->bz)->jump = 0x20eb;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "setup header is truncated");
}

static void test_tiny_files(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_bytes(f, f->bz.bytes, 0x205), -ENOEXEC);
	assert_int_equal(load_bytes(f, "x", 1), -ENOEXEC);
}

static void test_syssize_beyond_file(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->syssize = UINT32_MAX;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "truncated");
}

static void test_syssize_too_small(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->syssize = 0;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "syssize 0");
}

static void test_init_size_larger_than_ram(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->init_size = (uint32_t)(MEM_SIZE - TEST_BZ_PREF_ADDRESS + 0x1000);
	assert_int_equal(load(f), -ENOMEM);
	assert_err_contains(f->err, "too small for the kernel");
	test_bz_hdr(&f->bz)->init_size = UINT32_MAX;
	assert_int_equal(load(f), -ENOMEM);
}

static void test_huge_pref_address(void **state)
{
	struct fixture *f = *state;

	/* Not usable for loading, and as the decompressor's floor it puts the
	 * kernel beyond RAM. */
	test_bz_hdr(&f->bz)->pref_address = UINT64_MAX & ~0x1fffffULL;
	assert_int_equal(load(f), -ENOMEM);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, loader_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_relocatable_loads_at_pref_address),
		T(test_non_relocatable_loads_at_1mib),
		T(test_unaligned_pref_address_falls_back),
		T(test_setup_sects_zero_means_four),
		T(test_trailing_bytes_ignored),
		T(test_header_copy_stops_at_declared_end),
		T(test_bad_magic),
		T(test_old_protocol),
		T(test_protocol_without_64bit_entry),
		T(test_zimage),
		T(test_bad_kernel_alignment),
		T(test_truncated_kernel),
		T(test_truncated_setup_header),
		T(test_tiny_files),
		T(test_syssize_beyond_file),
		T(test_syssize_too_small),
		T(test_init_size_larger_than_ram),
		T(test_huge_pref_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
