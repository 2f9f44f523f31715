/* The ACPI sleep control register: only SLP_EN with the \_S5 sleep type,
 * written as one byte to the control port, powers the VM off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "acpi_sleep.h"

static unsigned int poweroffs;

static void count_poweroff(void *opaque)
{
	assert_ptr_equal(opaque, &poweroffs);
	poweroffs++;
}

static void wr(struct acpi_sleep *s, uint64_t off, uint32_t v, unsigned int len)
{
	acpi_sleep_ops.write(s, off, &v, len);
}

static void test_s5_powers_off(void **state)
{
	struct acpi_sleep s;

	(void)state;
	poweroffs = 0;
	acpi_sleep_init(&s, count_poweroff, &poweroffs);
	wr(&s, ACPI_SLEEP_CONTROL, ACPI_SLEEP_EN | 5u << ACPI_SLEEP_TYP_SHIFT, 1);
	assert_int_equal(poweroffs, 1);
}

static void test_other_writes_ignored(void **state)
{
	struct acpi_sleep s;
	uint32_t status = 0xffffffff;

	(void)state;
	poweroffs = 0;
	acpi_sleep_init(&s, count_poweroff, &poweroffs);
	wr(&s, ACPI_SLEEP_CONTROL, 5u << ACPI_SLEEP_TYP_SHIFT, 1);          /* no SLP_EN */
	wr(&s, ACPI_SLEEP_CONTROL, ACPI_SLEEP_EN | 3u << ACPI_SLEEP_TYP_SHIFT, 1);   /* S3 */
	wr(&s, ACPI_SLEEP_STATUS, ACPI_SLEEP_EN | 5u << ACPI_SLEEP_TYP_SHIFT, 1);
	wr(&s, ACPI_SLEEP_CONTROL, ACPI_SLEEP_EN | 5u << ACPI_SLEEP_TYP_SHIFT, 2);   /* width */
	assert_int_equal(poweroffs, 0);
	/* WAK_STS never sets. */
	acpi_sleep_ops.read(&s, ACPI_SLEEP_STATUS, &status, 1);
	assert_int_equal(status & 0xff, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_s5_powers_off),
		cmocka_unit_test(test_other_writes_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
