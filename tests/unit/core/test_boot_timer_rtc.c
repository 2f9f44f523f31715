/* The boot timer's magic write and the read-only CMOS clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot_timer.h"
#include "clock.h"
#include "rtc.h"

static int boots;
static uint64_t booted_us;

static void on_boot(void *opaque, uint64_t us)
{
	boots++;
	booted_us = us;
}

static void test_boot_timer_magic(void **state)
{
	struct boot_timer t;
	uint8_t v;
	uint32_t wide = BOOT_TIMER_MAGIC;

	boots = 0;
	/* Pretend the process started 5 ms ago. */
	boot_timer_init(&t, monotonic_ns() - 5000000ULL, process_cpu_ns(), on_boot, NULL);
	v = BOOT_TIMER_MAGIC - 1;
	boot_timer_ops.write(&t, 0, &v, 1);
	v = BOOT_TIMER_MAGIC;
	boot_timer_ops.write(&t, 1, &v, 1);          /* wrong offset */
	boot_timer_ops.write(&t, 0, &wide, 4);       /* wrong width */
	assert_int_equal(boots, 0);
	assert_int_equal(atomic_load(&t.boot_time_us), 0);
	boot_timer_ops.write(&t, 0, &v, 1);
	assert_int_equal(boots, 1);
	assert_true(booted_us >= 5000 && booted_us < 5000000);
	assert_int_equal(atomic_load(&t.boot_time_us), booted_us);
}

static time_t fixed_now(void)
{
	return 1795576139;  /* 2026-11-25T03:08:59Z, a Wednesday */
}

static uint8_t cmos(struct rtc *r, uint8_t reg)
{
	uint8_t v = 0;

	rtc_ops.write(r, 0, &reg, 1);
	rtc_ops.read(r, 1, &v, 1);
	return v;
}

static void cmos_set(struct rtc *r, uint8_t reg, uint8_t v)
{
	rtc_ops.write(r, 0, &reg, 1);
	rtc_ops.write(r, 1, &v, 1);
}

static void test_rtc_bcd_time(void **state)
{
	struct rtc r;

	rtc_init(&r, fixed_now);
	assert_int_equal(cmos(&r, RTC_REG_SECONDS), 0x59);
	assert_int_equal(cmos(&r, RTC_REG_MINUTES), 0x08);
	assert_int_equal(cmos(&r, RTC_REG_HOURS), 0x03);
	assert_int_equal(cmos(&r, RTC_REG_DAY), 0x25);
	assert_int_equal(cmos(&r, RTC_REG_MONTH), 0x11);
	assert_int_equal(cmos(&r, RTC_REG_YEAR), 0x26);
	assert_int_equal(cmos(&r, RTC_REG_CENTURY), 0x20);
	assert_int_equal(cmos(&r, RTC_REG_WEEKDAY), 4);
	/* Never "update in progress", battery good. */
	assert_int_equal(cmos(&r, RTC_REG_A) & RTC_A_UIP, 0);
	assert_int_equal(cmos(&r, RTC_REG_D), RTC_D_VRT);
	/* NMI-mask bit of the index is not part of the register number. */
	assert_int_equal(cmos(&r, 0x80 | RTC_REG_SECONDS), 0x59);
	rtc_destroy(&r);
}

static void test_rtc_binary_and_ram(void **state)
{
	struct rtc r;

	rtc_init(&r, fixed_now);
	cmos_set(&r, RTC_REG_B, RTC_B_24H | RTC_B_BINARY | 0x40 /* PIE */);
	assert_int_equal(cmos(&r, RTC_REG_B), RTC_B_24H | RTC_B_BINARY);
	assert_int_equal(cmos(&r, RTC_REG_SECONDS), 59);
	/* The clock ignores writes; RAM keeps them. */
	cmos_set(&r, RTC_REG_SECONDS, 0);
	assert_int_equal(cmos(&r, RTC_REG_SECONDS), 59);
	cmos_set(&r, 0x40, 0xa5);
	assert_int_equal(cmos(&r, 0x40), 0xa5);
	/* 12-hour mode: 03h is 3 AM. */
	cmos_set(&r, RTC_REG_B, 0);
	assert_int_equal(cmos(&r, RTC_REG_HOURS), 0x03);
	rtc_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_timer_magic),
		cmocka_unit_test(test_rtc_bcd_time),
		cmocka_unit_test(test_rtc_binary_and_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
