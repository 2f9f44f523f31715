/* The I/O bus: sorted, non-overlapping ranges; exact boundaries; accesses
 * that are not wholly inside one device are unclaimed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "io_bus.h"

struct dev {
	uint64_t last_off;
	unsigned int last_len;
	uint8_t last_byte;
	int reads, writes;
};

static void dev_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct dev *d = opaque;

	d->reads++;
	d->last_off = offset;
	d->last_len = len;
	memset(data, 0x42, len);
}

static void dev_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct dev *d = opaque;

	d->writes++;
	d->last_off = offset;
	d->last_len = len;
	d->last_byte = *(const uint8_t *)data;
}

static const struct io_device_ops dev_ops = { dev_read, dev_write };

static void test_overlaps_refused(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 };

	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x100, 0x10, &dev_ops, &a, "a"), 0);
	/* Same start, inside, straddling either end, covering. */
	assert_int_equal(io_bus_register(&bus, 0x100, 1, &dev_ops, &a, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x108, 4, &dev_ops, &a, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0xf8, 9, &dev_ops, &a, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x10f, 4, &dev_ops, &a, "x"), -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x0, 0x1000, &dev_ops, &a, "x"), -EEXIST);
	/* Adjacent on both sides is fine. */
	assert_int_equal(io_bus_register(&bus, 0xf0, 0x10, &dev_ops, &a, "lo"), 0);
	assert_int_equal(io_bus_register(&bus, 0x110, 0x10, &dev_ops, &a, "hi"), 0);
	assert_int_equal(bus.n, 3);
	/* Sorted regardless of registration order. */
	assert_int_equal(bus.ranges[0].base, 0xf0);
	assert_int_equal(bus.ranges[1].base, 0x100);
	assert_int_equal(bus.ranges[2].base, 0x110);
}

static void test_bad_ranges(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 };

	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x100, 0, &dev_ops, &a, "empty"), -EINVAL);
	assert_int_equal(io_bus_register(&bus, UINT64_MAX, 2, &dev_ops, &a, "wrap"), -EINVAL);
	assert_int_equal(io_bus_register(&bus, 0x100, 1, NULL, &a, "noops"), -EINVAL);
	/* The very last address is a valid one-byte range. */
	assert_int_equal(io_bus_register(&bus, UINT64_MAX, 1, &dev_ops, &a, "top"), 0);
	assert_non_null(io_bus_find(&bus, UINT64_MAX));
}

static void test_full(void **state)
{
	static struct io_bus bus;
	struct dev a = { 0 };

	io_bus_init(&bus);
	for (unsigned int i = 0; i < IO_BUS_MAX_RANGES; i++)
		assert_int_equal(io_bus_register(&bus, i * 16ULL, 8, &dev_ops, &a, "d"), 0);
	assert_int_equal(io_bus_register(&bus, 0x100000, 8, &dev_ops, &a, "d"), -ENOSPC);
}

static void test_lookup_boundaries(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 }, b = { 0 };

	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &dev_ops, &a, "serial"), 0);
	assert_int_equal(io_bus_register(&bus, 0x60, 5, &dev_ops, &b, "i8042"), 0);
	assert_null(io_bus_find(&bus, 0x3f7));
	assert_ptr_equal(io_bus_find(&bus, 0x3f8)->opaque, &a);
	assert_ptr_equal(io_bus_find(&bus, 0x3ff)->opaque, &a);
	assert_null(io_bus_find(&bus, 0x400));
	assert_null(io_bus_find(&bus, 0x5f));
	assert_ptr_equal(io_bus_find(&bus, 0x64)->opaque, &b);
	assert_null(io_bus_find(&bus, 0x65));
}

static void test_dispatch(void **state)
{
	struct io_bus bus;
	struct dev a = { 0 };
	uint8_t v = 7;
	uint32_t w = 0;

	io_bus_init(&bus);
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, &dev_ops, &a, "serial"), 0);
	assert_int_equal(io_bus_write(&bus, 0x3fb, &v, 1), 0);
	assert_int_equal(a.writes, 1);
	assert_int_equal(a.last_off, 3);
	assert_int_equal(a.last_byte, 7);
	assert_int_equal(io_bus_read(&bus, 0x3fc, &w, 4), 0);
	assert_int_equal(a.last_off, 4);
	assert_int_equal(w, 0x42424242);
	/* Straddling the end of the device: unclaimed, reads float high. */
	assert_int_equal(io_bus_read(&bus, 0x3fe, &w, 4), -ENODEV);
	assert_int_equal(w, 0xffffffff);
	assert_int_equal(a.reads, 1);
	/* Nobody there. */
	assert_int_equal(io_bus_write(&bus, 0x80, &v, 1), -ENODEV);
	assert_int_equal(io_bus_read(&bus, 0x80, &v, 1), -ENODEV);
	assert_int_equal(v, 0xff);
	assert_int_equal(a.writes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_lookup_boundaries),
		cmocka_unit_test(test_dispatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
