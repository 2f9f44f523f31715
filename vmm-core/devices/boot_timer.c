#include "boot_timer.h"

#include <string.h>

#include "clock.h"
#include "log.h"

void boot_timer_init(struct boot_timer *t, uint64_t start_ns, uint64_t start_cpu_ns,
		     void (*on_boot)(void *opaque, uint64_t us), void *opaque)
{
	memset(t, 0, sizeof(*t));
	t->start_ns = start_ns;
	t->start_cpu_ns = start_cpu_ns;
	t->on_boot = on_boot;
	t->opaque = opaque;
}

static void boot_timer_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	memset(data, 0, len);
}

static void boot_timer_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct boot_timer *t = opaque;
	uint64_t us, cpu_us;

	/* Only a byte-sized 123 at offset 0 counts, as in Firecracker; the
	 * guest may write it more than once and every write is logged. */
	if (offset != 0 || len != 1 || *(const uint8_t *)data != BOOT_TIMER_MAGIC)
		return;
	us = (monotonic_ns() - t->start_ns) / 1000;
	cpu_us = (process_cpu_ns() - t->start_cpu_ns) / 1000;
	atomic_store(&t->boot_time_us, us);
	log_info("Guest-boot-time = %6llu us %llu ms, %6llu CPU us %llu CPU ms",
		 (unsigned long long)us, (unsigned long long)(us / 1000),
		 (unsigned long long)cpu_us, (unsigned long long)(cpu_us / 1000));
	if (t->on_boot)
		t->on_boot(t->opaque, us);
}

const struct io_device_ops boot_timer_ops = {
	.read = boot_timer_read,
	.write = boot_timer_write,
};
