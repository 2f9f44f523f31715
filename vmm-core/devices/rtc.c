#include "rtc.h"

#include <stdbool.h>
#include <string.h>

static time_t host_now(void)
{
	return time(NULL);
}

void rtc_init(struct rtc *r, time_t (*now)(void))
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	r->now = now ? now : host_now;
	r->ram[RTC_REG_A] = 0x26;          /* 32.768 kHz time base, 1.024 kHz rate */
	r->ram[RTC_REG_B] = RTC_B_24H;     /* BCD, 24-hour, no interrupts */
	r->ram[RTC_REG_D] = RTC_D_VRT;     /* battery good */
}

void rtc_destroy(struct rtc *r)
{
	pthread_mutex_destroy(&r->lock);
}

static uint8_t encode(const struct rtc *r, unsigned int v)
{
	if (r->ram[RTC_REG_B] & RTC_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t read_clock(const struct rtc *r, uint8_t reg)
{
	time_t t = r->now();
	struct tm tm;
	unsigned int hour;

	gmtime_r(&t, &tm);
	switch (reg) {
	case RTC_REG_SECONDS:
		return encode(r, (unsigned int)tm.tm_sec);
	case RTC_REG_MINUTES:
		return encode(r, (unsigned int)tm.tm_min);
	case RTC_REG_HOURS:
		if (r->ram[RTC_REG_B] & RTC_B_24H)
			return encode(r, (unsigned int)tm.tm_hour);
		/* 12-hour mode: 1..12 with bit 7 for PM. */
		hour = (unsigned int)tm.tm_hour % 12;
		return (uint8_t)(encode(r, hour ? hour : 12) | (tm.tm_hour >= 12 ? 0x80 : 0));
	case RTC_REG_WEEKDAY:
		return encode(r, (unsigned int)tm.tm_wday + 1);
	case RTC_REG_DAY:
		return encode(r, (unsigned int)tm.tm_mday);
	case RTC_REG_MONTH:
		return encode(r, (unsigned int)tm.tm_mon + 1);
	case RTC_REG_YEAR:
		return encode(r, (unsigned int)(tm.tm_year % 100));
	case RTC_REG_CENTURY:
		return encode(r, (unsigned int)(1900 + tm.tm_year) / 100);
	}
	return 0;
}

/* The registers that show the host's clock rather than the RAM. */
static bool is_clock_reg(uint8_t reg)
{
	switch (reg) {
	case RTC_REG_SECONDS:
	case RTC_REG_MINUTES:
	case RTC_REG_HOURS:
	case RTC_REG_WEEKDAY:
	case RTC_REG_DAY:
	case RTC_REG_MONTH:
	case RTC_REG_YEAR:
	case RTC_REG_CENTURY:
		return true;
	default:
		return false;
	}
}

static uint8_t reg_read(struct rtc *r, uint8_t reg)
{
	if (is_clock_reg(reg))
		return read_clock(r, reg);
	switch (reg) {
	case RTC_REG_A:
		/* Never "update in progress": reads are always consistent. */
		return r->ram[RTC_REG_A] & (uint8_t)~RTC_A_UIP;
	case RTC_REG_C:
		return 0;  /* no interrupt flags, ever */
	default:
		return r->ram[reg];
	}
}

static void reg_write(struct rtc *r, uint8_t reg, uint8_t v)
{
	if (is_clock_reg(reg))
		return;  /* the guest cannot set the host's clock */
	switch (reg) {
	case RTC_REG_C:
	case RTC_REG_D:
		break;  /* read-only: interrupt flags and battery status */
	case RTC_REG_A:
		r->ram[reg] = v & (uint8_t)~RTC_A_UIP;
		break;
	case RTC_REG_B:
		/* Keep interrupts (PIE/AIE/UIE) off: there is no IRQ 8. */
		r->ram[reg] = v & (uint8_t)~0x70;
		break;
	default:
		r->ram[reg] = v;
		break;
	}
}

static void rtc_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct rtc *r = opaque;
	uint8_t *out = data;

	memset(data, 0xff, len);
	if (offset != 1)
		return;  /* the index port is write-only */
	pthread_mutex_lock(&r->lock);
	out[0] = reg_read(r, r->index);
	pthread_mutex_unlock(&r->lock);
}

static void rtc_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct rtc *r = opaque;
	uint8_t v = *(const uint8_t *)data;

	if (len == 0)
		return;
	pthread_mutex_lock(&r->lock);
	if (offset == 0)
		r->index = v & 0x7f;  /* bit 7 is the NMI mask, not part of the index */
	else
		reg_write(r, r->index, v);
	pthread_mutex_unlock(&r->lock);
}

const struct io_device_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};
