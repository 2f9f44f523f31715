#include "acpi_sleep.h"

#include <string.h>

void acpi_sleep_init(struct acpi_sleep *s, void (*poweroff)(void *opaque), void *opaque)
{
	s->poweroff = poweroff;
	s->opaque = opaque;
}

/* The status register's WAK_STS never sets: nothing here ever wakes. */
static void acpi_sleep_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, len);
}

static void acpi_sleep_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct acpi_sleep *s = opaque;
	uint8_t v;

	if (offset != ACPI_SLEEP_CONTROL || len != 1)
		return;
	v = *(const uint8_t *)data;
	if ((v & ACPI_SLEEP_EN) &&
	    (v & ACPI_SLEEP_TYP_MASK) >> ACPI_SLEEP_TYP_SHIFT == ACPI_SLEEP_TYP_S5 && s->poweroff)
		s->poweroff(s->opaque);
}

const struct io_device_ops acpi_sleep_ops = {
	.read = acpi_sleep_read,
	.write = acpi_sleep_write,
};
