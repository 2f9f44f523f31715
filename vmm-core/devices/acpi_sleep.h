/* The hardware-reduced ACPI sleep registers (ACPI 6.5 4.8.3.7 and 5.2.9's
 * SLEEP_CONTROL_REG / SLEEP_STATUS_REG): how a guest without PM1 blocks
 * powers off.  The FADT points at two byte-wide I/O ports here and the
 * DSDT's \_S5 names the sleep type; Linux's `poweroff` writes
 * SLP_TYPx << 2 | SLP_EN to the control register, and the VM then stops
 * with status 0, as after a reboot.  Other sleep states are not offered
 * (no \_S1-\_S4), so their writes are ignored. */
#ifndef SPLITVM_ACPI_SLEEP_H
#define SPLITVM_ACPI_SLEEP_H

#include <stdint.h>

#include "io_bus.h"
#include "layout.h"

#define ACPI_SLEEP_BASE       LAYOUT_ACPI_SLEEP_PORT
#define ACPI_SLEEP_SIZE       2          /* control, then status */
#define ACPI_SLEEP_CONTROL    0
#define ACPI_SLEEP_STATUS     1
/* 4.8.3.7 Sleep Control Register fields */
#define ACPI_SLEEP_TYP_SHIFT  2
#define ACPI_SLEEP_TYP_MASK   (7u << ACPI_SLEEP_TYP_SHIFT)
#define ACPI_SLEEP_EN         (1u << 5)
#define ACPI_SLEEP_TYP_S5     LAYOUT_ACPI_SLP_TYP_S5

struct acpi_sleep {
	void (*poweroff)(void *opaque);
	void *opaque;
};

extern const struct io_device_ops acpi_sleep_ops;

/* poweroff is called on the vCPU thread that wrote the S5 request. */
void acpi_sleep_init(struct acpi_sleep *s, void (*poweroff)(void *opaque), void *opaque);

#endif
