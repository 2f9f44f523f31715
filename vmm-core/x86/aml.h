/* A tiny emitter of ACPI Machine Language (ACPI 6.5 chapter 20) for the
 * DSDT: scopes, devices, named integers, strings, EISA ids and resource
 * templates (chapter 6.4).  It writes into a caller's buffer; the first
 * error (no room, a malformed name) sticks, later calls do nothing, and
 * aml_finish() reports it, so builders need not check every call. */
#ifndef SPLITVM_AML_H
#define SPLITVM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 8

struct aml {
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;                  /* 0, or the first -errno */
	unsigned int depth;
	struct {
		size_t start;     /* where the body began: PkgLength goes here */
		bool buffer;      /* a ResourceTemplate: BufferSize follows */
	} open[AML_MAX_DEPTH];
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
/* Bytes written, or -errno: the sticky error, or -EINVAL when a scope,
 * device or template was left open. */
long aml_finish(const struct aml *a);

/* Names are ASL paths: "\\_SB", "PCI0", "_SB.PCI0"; segments shorter than
 * four characters are padded with '_' as ASL does. */
void aml_scope(struct aml *a, const char *path);
void aml_device(struct aml *a, const char *path);
/* Package (n_elements) { ... }: emit the elements (integers, strings),
 * then aml_end(). */
void aml_package(struct aml *a, uint8_t n_elements);
/* Closes the innermost scope, device, package or resource template. */
void aml_end(struct aml *a);

/* Name (path, <data>): the data object must be emitted next. */
void aml_name(struct aml *a, const char *path);
void aml_int(struct aml *a, uint64_t value);
void aml_string(struct aml *a, const char *s);
/* "PNP0A08" as the compressed 32-bit EISA id (ACPI 6.5 19.3.4 EISAID). */
void aml_eisaid(struct aml *a, const char *id);

/* ResourceTemplate () { ... }: a Buffer whose End Tag aml_end() adds. */
void aml_restemplate(struct aml *a);
/* IO (Decode16, base, base, align, len) - 6.4.2.5 */
void aml_res_io(struct aml *a, uint16_t base, uint8_t align, uint8_t len);
/* IRQNoFlags () {irq}: an ISA IRQ, edge triggered, active high - 6.4.2.1 */
void aml_res_irq(struct aml *a, unsigned int irq);
/* Memory32Fixed (ReadWrite, base, len) - 6.4.3.4 */
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);
/* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) {gsi} - 6.4.3.6 */
void aml_res_ext_irq_edge(struct aml *a, uint32_t gsi);
/* WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, ...) - 6.4.3.5.3 */
void aml_res_bus_numbers(struct aml *a, uint16_t first, uint16_t last);
/* DWordMemory / QWordMemory (ResourceProducer, PosDecode, MinFixed,
 * MaxFixed, NonCacheable, ReadWrite) for [start, end) - 6.4.3.5.1/2 */
void aml_res_mem32_window(struct aml *a, uint32_t start, uint64_t end);
void aml_res_mem64_window(struct aml *a, uint64_t start, uint64_t end);

#endif
