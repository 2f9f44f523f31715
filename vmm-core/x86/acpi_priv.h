/* Helpers shared by the ACPI table builders (acpi.c, dsdt.c). */
#ifndef SPLITVM_ACPI_PRIV_H
#define SPLITVM_ACPI_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "acpi_spec.h"
#include "tables.h"

/* OEMID of every table and of the RSDP (ACPI 6.5 5.2.6). */
#define ACPI_OEM_ID        "SPLTVM"
#define ACPI_CREATOR_ID    "SPLT"
#define ACPI_OEM_REVISION  1

/* Sum of len bytes, modulo 256: zero for a valid table. */
uint8_t acpi_checksum(const void *p, size_t len);

/* Fills a header (signature, length, revision, OEM and creator fields);
 * the checksum is left zero for acpi_finish_table(). */
void acpi_init_header(struct acpi_sdt_header *h, const char *sig,
		      uint32_t len, uint8_t revision);
/* Sets the header's checksum over the table's `length` bytes. */
void acpi_finish_table(struct acpi_sdt_header *h);

/* Writes the DSDT (header and AML) into buf; returns its length or
 * -errno (-ENOSPC when cap is too small). */
long acpi_dsdt_build(uint8_t *buf, size_t cap, const struct platform_desc *desc);

#endif
