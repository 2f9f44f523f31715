/* A read-only MC146818 CMOS clock at ports 0x70/0x71.  Without one, a
 * guest booted with acpi=off (which assumes a PC with an RTC) spends
 * seconds in rtc_cmos retrying reads of a floating bus that always says
 * "update in progress".  This one reports the host's UTC time, never an
 * update in progress and no interrupts; writes to the clock are ignored,
 * the rest of the 128-byte CMOS RAM is plain storage. */
#ifndef SPLITVM_RTC_H
#define SPLITVM_RTC_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "io_bus.h"

#define RTC_BASE 0x70
#define RTC_SIZE 2

#define RTC_REG_SECONDS  0x00
#define RTC_REG_MINUTES  0x02
#define RTC_REG_HOURS    0x04
#define RTC_REG_WEEKDAY  0x06
#define RTC_REG_DAY      0x07
#define RTC_REG_MONTH    0x08
#define RTC_REG_YEAR     0x09
#define RTC_REG_A        0x0a
#define RTC_REG_B        0x0b
#define RTC_REG_C        0x0c
#define RTC_REG_D        0x0d
#define RTC_REG_CENTURY  0x32

#define RTC_B_24H     0x02
#define RTC_B_BINARY  0x04
#define RTC_A_UIP     0x80
#define RTC_D_VRT     0x80

struct rtc {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[128];
	time_t (*now)(void);      /* seconds since the epoch; tests replace it */
};

extern const struct io_device_ops rtc_ops;

void rtc_init(struct rtc *r, time_t (*now)(void));
void rtc_destroy(struct rtc *r);

#endif
