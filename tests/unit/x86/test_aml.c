/* The AML emitter: exact encodings from the ACPI 6.5 grammar (chapter 20)
 * and resource descriptors (6.4), sticky errors and bounds. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aml.h"

#define BUF_SIZE 8192

static uint8_t buf[BUF_SIZE];

/* Emits with fn and compares the result with the expected bytes. */
#define EXPECT_BYTES(a, ...) do {                                        \
		const uint8_t want_[] = { __VA_ARGS__ };                  \
		long n_ = aml_finish(a);                                  \
		assert_int_equal(n_, (long)sizeof(want_));                \
		assert_memory_equal(buf, want_, sizeof(want_));           \
	} while (0)

static void test_integers_use_smallest_encoding(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_int(&a, 0);
	aml_int(&a, 1);
	aml_int(&a, 2);
	aml_int(&a, 0xff);
	aml_int(&a, 0x100);
	aml_int(&a, 0x12345);
	aml_int(&a, 0x100000000ULL);
	EXPECT_BYTES(&a,
		0x00, 0x01, 0x0a, 0x02, 0x0a, 0xff, 0x0b, 0x00, 0x01,
		0x0c, 0x45, 0x23, 0x01, 0x00,
		0x0e, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00);
}

static void test_eisaid_compressed(void **state)
{
	struct aml a;

	(void)state;
	/* Known values: PNP0A03 is 0x030AD041 (Linux's acpi ids agree). */
	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP0A03");
	aml_eisaid(&a, "PNP0A08");
	aml_eisaid(&a, "PNP0501");
	EXPECT_BYTES(&a,
		0x0c, 0x41, 0xd0, 0x0a, 0x03,
		0x0c, 0x41, 0xd0, 0x0a, 0x08,
		0x0c, 0x41, 0xd0, 0x05, 0x01);
}

static void test_eisaid_rejects_malformed(void **state)
{
	static const char *const bad[] = { "pnp0a03", "PNP0A0", "PNP0A033", "PNP0A0G", "P1P0A03", "" };
	struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_eisaid(&a, bad[i]);
		assert_int_equal(aml_finish(&a), -EINVAL);
	}
}

static void test_names(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "\\_SB");
	aml_int(&a, 0);
	aml_name(&a, "_SB.PCI0");
	aml_int(&a, 0);
	aml_name(&a, "A.B.C");
	aml_int(&a, 0);
	EXPECT_BYTES(&a,
		0x08, 0x5c, '_', 'S', 'B', '_', 0x00,
		0x08, 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 0x00,
		0x08, 0x2f, 0x03, 'A', '_', '_', '_', 'B', '_', '_', '_', 'C', '_', '_', '_', 0x00);
}

static void test_names_rejects_malformed(void **state)
{
	static const char *const bad[] = { "", "\\", "1ABC", "ABCDE", "A..B", "a", "AB-C", "A.",
					   "A.B.C.D.E.F.G.H.I" };
	struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name(&a, bad[i]);
		assert_int_equal(aml_finish(&a), -EINVAL);
	}
}

static void test_string(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_string(&a, "LNRO0005");
	EXPECT_BYTES(&a, 0x0d, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00);
	aml_init(&a, buf, sizeof(buf));
	aml_string(&a, "\xc3\xa9");
	assert_int_equal(aml_finish(&a), -EINVAL);
}

/* Name (\_S5, Package (2) { 5, 0 }): 20.2.5.4 DefPackage is PackageOp,
 * PkgLength, NumElements, then the elements. */
static void test_package(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "\\_S5");
	aml_package(&a, 2);
	aml_int(&a, 5);
	aml_int(&a, 0);
	aml_end(&a);
	EXPECT_BYTES(&a, 0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00);
}

/* Decodes a PkgLength the way ACPICA does; returns its byte count. */
static size_t decode_pkglen(const uint8_t *p, size_t *value)
{
	size_t extra = p[0] >> 6;

	if (!extra) {
		*value = p[0] & 0x3f;
		return 1;
	}
	*value = p[0] & 0x0f;
	for (size_t i = 1; i <= extra; i++)
		*value |= (size_t)p[i] << (4 + 8 * (i - 1));
	return 1 + extra;
}

/* For every body size across the 1-, 2- and 3-byte forms, the PkgLength
 * covers exactly the rest of the scope and uses the shortest form. */
static void test_pkglength_all_forms(void **state)
{
	static char filler[BUF_SIZE];
	struct aml a;
	size_t value, n, seen[4] = { 0 };

	(void)state;
	for (size_t k = 0; k < 5000; k++) {
		memset(filler, 'x', k);
		filler[k] = '\0';
		aml_init(&a, buf, sizeof(buf));
		aml_scope(&a, "ABCD");
		aml_string(&a, filler);
		aml_end(&a);
		long len = aml_finish(&a);

		assert_true(len > 0);
		assert_int_equal(buf[0], 0x10);
		n = decode_pkglen(buf + 1, &value);
		assert_int_equal(value, (size_t)len - 1);
		/* Shortest form: a shorter encoding could not hold the value. */
		if (n == 1)
			assert_true(value < 0x40);
		else
			assert_true(value >= (n == 2 ? 0x40u : 1u << (4 + 8 * (n - 2))));
		/* Bits 5-4 of a multi-byte lead are reserved zero. */
		if (n > 1)
			assert_int_equal(buf[1] & 0x30, 0);
		assert_memory_equal(buf + 1 + n, "ABCD", 4);
		seen[n - 1]++;
	}
	assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);
}

static void test_resource_template_bytes(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_restemplate(&a);
	aml_res_irq(&a, 4);
	aml_end(&a);
	/* Buffer, PkgLength 8, BufferSize 5, IRQNoFlags {4}, End Tag. */
	EXPECT_BYTES(&a, 0x11, 0x08, 0x0a, 0x05, 0x22, 0x10, 0x00, 0x79, 0x00);
}

static void test_resource_descriptors(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_res_io(&a, 0x3f8, 1, 8);
	aml_res_mem32_fixed(&a, 0xd0000000, 0x1000);
	aml_res_ext_irq_edge(&a, 21);
	aml_res_bus_numbers(&a, 0, 0);
	EXPECT_BYTES(&a,
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
		0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00,
		0x89, 0x06, 0x00, 0x03, 0x01, 21, 0x00, 0x00, 0x00,
		0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x01, 0x00);
}

static void test_memory_windows(void **state)
{
	struct aml a;
	long n;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_res_mem32_window(&a, 0xc0000000, 0x100000000ULL);
	n = aml_finish(&a);
	assert_int_equal(n, 26);
	assert_int_equal(buf[0], 0x87);
	assert_int_equal(buf[1] | buf[2] << 8, 23);
	/* _MIN at 10, _MAX at 14, _LEN at 22 */
	assert_memory_equal(buf + 10, "\x00\x00\x00\xc0", 4);
	assert_memory_equal(buf + 14, "\xff\xff\xff\xff", 4);
	assert_memory_equal(buf + 22, "\x00\x00\x00\x40", 4);

	aml_init(&a, buf, sizeof(buf));
	aml_res_mem64_window(&a, 256ULL << 30, 512ULL << 30);
	n = aml_finish(&a);
	assert_int_equal(n, 46);
	assert_int_equal(buf[0], 0x8a);
	assert_int_equal(buf[1] | buf[2] << 8, 43);
	/* _MIN at 14, _MAX at 22, _LEN at 38 */
	assert_memory_equal(buf + 14, "\x00\x00\x00\x00\x40\x00\x00\x00", 8);
	assert_memory_equal(buf + 22, "\xff\xff\xff\xff\x7f\x00\x00\x00", 8);
	assert_memory_equal(buf + 38, "\x00\x00\x00\x00\x40\x00\x00\x00", 8);
}

static void test_bad_resources_refused(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_res_irq(&a, 16);              /* IRQNoFlags holds ISA IRQs only */
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_res_mem32_window(&a, 0xc0000000, 0x100000001ULL);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_res_mem64_window(&a, 0x2000, 0x2000);
	assert_int_equal(aml_finish(&a), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_res_bus_numbers(&a, 2, 1);
	assert_int_equal(aml_finish(&a), -EINVAL);
}

static void emit_device(struct aml *a)
{
	aml_device(a, "VR00");
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_res_mem32_fixed(a, 0xd0000000, 0x1000);
	aml_res_ext_irq_edge(a, 5);
	aml_end(a);
	aml_end(a);
}

/* Every capacity below the full size fails with -ENOSPC and never writes
 * past the capacity; the full size succeeds with the same bytes. */
static void test_overflow_is_sticky_and_bounded(void **state)
{
	static uint8_t ref[256], small[256 + 16];
	struct aml a;
	long full;

	(void)state;
	aml_init(&a, ref, sizeof(ref));
	emit_device(&a);
	full = aml_finish(&a);
	assert_true(full > 0);
	for (long cap = 0; cap < full; cap++) {
		memset(small, 0xa5, sizeof(small));
		aml_init(&a, small, (size_t)cap);
		emit_device(&a);
		assert_int_equal(aml_finish(&a), -ENOSPC);
		for (size_t i = (size_t)cap; i < sizeof(small); i++)
			assert_int_equal(small[i], 0xa5);
	}
	aml_init(&a, small, (size_t)full);
	emit_device(&a);
	assert_int_equal(aml_finish(&a), full);
	assert_memory_equal(small, ref, (size_t)full);
}

static void test_unbalanced_refused(void **state)
{
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_device(&a, "DEV0");
	assert_int_equal(aml_finish(&a), -EINVAL);

	aml_init(&a, buf, sizeof(buf));
	aml_end(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);

	aml_init(&a, buf, sizeof(buf));
	for (int i = 0; i <= AML_MAX_DEPTH; i++)
		aml_scope(&a, "DEEP");
	assert_int_equal(aml_finish(&a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_use_smallest_encoding),
		cmocka_unit_test(test_eisaid_compressed),
		cmocka_unit_test(test_eisaid_rejects_malformed),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_names_rejects_malformed),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_package),
		cmocka_unit_test(test_pkglength_all_forms),
		cmocka_unit_test(test_resource_template_bytes),
		cmocka_unit_test(test_resource_descriptors),
		cmocka_unit_test(test_memory_windows),
		cmocka_unit_test(test_bad_resources_refused),
		cmocka_unit_test(test_overflow_is_sticky_and_bounded),
		cmocka_unit_test(test_unbalanced_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
