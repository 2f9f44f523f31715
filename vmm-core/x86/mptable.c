/* The Intel MP table (MultiProcessor Specification 1.4), for guests booted
 * with `acpi=off` or without ACPI support.
 *
 * Placement: the floating pointer must sit where the OS searches (MP 1.4
 * 4.1: the first KiB of the EBDA, the last KiB of base memory, or the BIOS
 * ROM at 0xF0000-0xFFFFF).  Linux scans [0, 0x400), then [639 KiB,
 * 640 KiB), then the BIOS ROM, then the EBDA named at 0x40E.  Both the
 * pointer and the configuration table go in [0x9FC00, 0xA0000), the last
 * KiB of base memory, which E820 reserves.  The worst case (32 vCPUs, PCI)
 * is 932 bytes, checked below at compile time:
 *   16 pointer + 44 header + 32 x 20 processors + 2 x 8 buses + 8 IOAPIC
 *   + 24 x 8 I/O interrupts + 2 x 8 local interrupts. */
#include "tables.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "mptable_spec.h"

/* What KVM's in-kernel irqchip reports, so that the table agrees with the
 * registers a guest may read. */
#define MP_LAPIC_VERSION     0x14     /* integrated APIC (xAPIC) */
#define MP_IOAPIC_VERSION    0x11
#define MP_IOAPIC_ID         0        /* KVM resets the IOAPIC ID to 0 */
/* CPUID signature and features for the processor entries (4.3.1): family
 * 6, FPU and on-chip APIC; Linux only prints them. */
#define MP_CPU_SIGNATURE     0x600
#define MP_CPU_FEATURES      ((1u << 0) | (1u << 9))

#define MP_AREA_SIZE         ((size_t)(MPTABLE_END - MPTABLE_START))
#define MP_MAX_SIZE          (sizeof(struct mp_floating_pointer) + \
			      sizeof(struct mp_config_header) + \
			      LAYOUT_MAX_VCPUS * sizeof(struct mp_processor) + \
			      2 * sizeof(struct mp_bus) + sizeof(struct mp_ioapic) + \
			      LAYOUT_IOAPIC_PINS * sizeof(struct mp_interrupt) + \
			      2 * sizeof(struct mp_interrupt))
static_assert(MP_MAX_SIZE <= MP_AREA_SIZE, "the MP table fits the last KiB of base memory");

struct mp_writer {
	uint8_t buf[MP_AREA_SIZE];
	size_t len;
	uint16_t entries;
	int err;
};

static uint8_t mp_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

/* Reserves one zeroed entry of size bytes; NULL (and a sticky -ENOSPC)
 * when the area is full. */
static void *mp_entry(struct mp_writer *w, size_t size)
{
	void *p;

	if (w->err)
		return NULL;
	if (size > MP_AREA_SIZE - w->len) {
		w->err = -ENOSPC;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += size;
	w->entries++;
	return p;
}

static void mp_add_processors(struct mp_writer *w, unsigned int n)
{
	struct mp_processor *cpu;

	for (unsigned int i = 0; i < n; i++) {
		cpu = mp_entry(w, sizeof(*cpu));
		if (!cpu)
			return;
		cpu->type = MP_ENTRY_PROCESSOR;
		cpu->lapic_id = (uint8_t)i;
		cpu->lapic_version = MP_LAPIC_VERSION;
		cpu->flags = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0);
		cpu->signature = MP_CPU_SIGNATURE;
		cpu->features = MP_CPU_FEATURES;
	}
}

static void mp_add_bus(struct mp_writer *w, uint8_t id, const char type[6])
{
	struct mp_bus *bus = mp_entry(w, sizeof(*bus));

	if (!bus)
		return;
	bus->type = MP_ENTRY_BUS;
	bus->bus_id = id;
	memcpy(bus->bus_type, type, sizeof(bus->bus_type));
}

static void mp_add_ioapic(struct mp_writer *w)
{
	struct mp_ioapic *io = mp_entry(w, sizeof(*io));

	if (!io)
		return;
	io->type = MP_ENTRY_IOAPIC;
	io->id = MP_IOAPIC_ID;
	io->version = MP_IOAPIC_VERSION;
	io->flags = MP_IOAPIC_ENABLED;
	io->address = (uint32_t)LAYOUT_IOAPIC_START;
}

static void mp_add_interrupt(struct mp_writer *w, uint8_t entry_type, uint8_t irq_type,
			     uint8_t src_bus, uint8_t src_irq, uint8_t dst, uint8_t pin)
{
	struct mp_interrupt *e = mp_entry(w, sizeof(*e));

	if (!e)
		return;
	e->type = entry_type;
	e->irq_type = irq_type;
	e->flags = 0;             /* polarity and trigger conform to the bus */
	e->src_bus = src_bus;
	e->src_irq = src_irq;
	e->dst_apic = dst;
	e->dst_pin = pin;
}

/* Entries in the ascending type order 4.3 asks for. */
static void mp_add_entries(struct mp_writer *w, const struct platform_desc *desc)
{
	/* With PCI, the PCI bus takes ID 0 so that its bus ID equals its PCI
	 * bus number; ISA follows. */
	uint8_t isa = desc->pci_enabled ? 1 : 0;

	mp_add_processors(w, desc->vcpu_count);
	if (desc->pci_enabled)
		mp_add_bus(w, 0, "PCI   ");
	mp_add_bus(w, isa, "ISA   ");
	mp_add_ioapic(w);
	/* KVM's default routing drives IOAPIC pin n from GSI n, the PIT's
	 * IRQ 0 included, so every ISA IRQ maps to the pin of its number.
	 * Pins 16-23 carry the virtio-mmio devices' interrupts, announced as
	 * ISA IRQs (edge, active high) as Firecracker does, so that
	 * `virtio_mmio.device=...:<irq>` works without ACPI. */
	for (unsigned int pin = 0; pin < LAYOUT_IOAPIC_PINS; pin++)
		mp_add_interrupt(w, MP_ENTRY_IO_INTERRUPT, MP_IRQ_INT, isa, (uint8_t)pin,
				 MP_IOAPIC_ID, (uint8_t)pin);
	/* 5.1 virtual wire mode: the 8259 reaches the CPUs through LINT0 as
	 * ExtINT; NMI comes in on LINT1 (as the MADT's NMI entry says). */
	mp_add_interrupt(w, MP_ENTRY_LOCAL_INTERRUPT, MP_IRQ_EXTINT, isa, 0, MP_ALL_LAPICS, 0);
	mp_add_interrupt(w, MP_ENTRY_LOCAL_INTERRUPT, MP_IRQ_NMI, isa, 0, MP_ALL_LAPICS, 1);
}

static int mp_build(struct mp_writer *w, const struct platform_desc *desc)
{
	struct mp_floating_pointer *mpf = mp_entry(w, sizeof(*mpf));
	struct mp_config_header *hdr = mp_entry(w, sizeof(*hdr));

	if (!mpf || !hdr)
		return w->err;
	w->entries = 0;           /* the count is of base entries only */
	mp_add_entries(w, desc);
	if (w->err)
		return w->err;

	memcpy(hdr->signature, "PCMP", 4);
	hdr->base_length = (uint16_t)(w->len - sizeof(*mpf));
	hdr->spec_rev = MP_SPEC_REV_1_4;
	memcpy(hdr->oem_id, "SPLTVM  ", sizeof(hdr->oem_id));
	memcpy(hdr->product_id, "SPLITVM     ", sizeof(hdr->product_id));
	hdr->entry_count = w->entries;
	hdr->lapic_addr = (uint32_t)LAYOUT_LAPIC_START;
	hdr->checksum = mp_checksum(hdr, hdr->base_length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->config_table = (uint32_t)(MPTABLE_START + sizeof(*mpf));
	mpf->length = 1;
	mpf->spec_rev = MP_SPEC_REV_1_4;
	mpf->checksum = mp_checksum(mpf, sizeof(*mpf));
	return 0;
}

int mptable_build(struct guest_memory *mem, const struct platform_desc *desc)
{
	struct mp_writer w = { .len = 0 };
	uint8_t *area;
	int ret;

	ret = platform_desc_validate(desc, mem);
	if (ret)
		return ret;
	area = guest_memory_ptr(mem, MPTABLE_START, MP_AREA_SIZE);
	if (!area) {
		log_err("mptable: guest memory (%llu bytes below the hole) does not cover [%#llx, %#llx)",
			(unsigned long long)mem->low_size, MPTABLE_START, MPTABLE_END);
		return -EFAULT;
	}
	ret = mp_build(&w, desc);
	if (ret) {
		log_err("mptable: %u vCPUs do not fit in %zu bytes", desc->vcpu_count, MP_AREA_SIZE);
		return ret;
	}
	/* The whole area, zero tail included: no stale "_MP_" survives. */
	memcpy(area, w.buf, MP_AREA_SIZE);
	log_debug("mptable: %zu bytes at %#llx", w.len, MPTABLE_START);
	return 0;
}
