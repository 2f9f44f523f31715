/* ACPI tables for a hardware-reduced platform (ACPI 6.5 chapter 5): the
 * RSDP at LAYOUT_RSDP_START, inside the BIOS area Linux scans
 * (0xE0000-0xFFFFF, 5.2.5.1), and every other table in
 * [LAYOUT_ACPI_START, LAYOUT_ACPI_END).  Tables are assembled in a host
 * buffer and copied into the guest in one checked write, the RSDP last, so
 * a failure never leaves a discoverable half-built set. */
#include "tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi_priv.h"
#include "checked.h"
#include "layout.h"
#include "log.h"

#define ACPI_AREA_SIZE     ((size_t)(LAYOUT_ACPI_END - LAYOUT_ACPI_START))
#define RSDP_AREA_SIZE     ((size_t)(LAYOUT_ACPI_START - LAYOUT_RSDP_START))
/* No table needs more than 8-byte alignment (only the FACS, which a
 * hardware-reduced platform omits, wants 64); 16 keeps dumps readable. */
#define ACPI_TABLE_ALIGN   16
#define ACPI_MAX_ROOT_ENTRIES 4

/* 5.2.9: the i8042's "pulse reset line" command, written to its command
 * port, is the reset register: the same path as Linux's `reboot=k`. */
#define RESET_PORT         0x64
#define RESET_VALUE        0xfe

/* 5.2.12.2: ACPI Processor UID 0xff in an NMI entry means all processors. */
#define ACPI_ALL_PROCESSORS 0xff
/* KVM's IOAPIC resets its ID register to 0; say the same. */
#define IOAPIC_ID          0

struct acpi_area {
	uint8_t *buf;             /* host copy of [LAYOUT_ACPI_START, END) */
	size_t used;
};

uint8_t acpi_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

void acpi_init_header(struct acpi_sdt_header *h, const char *sig,
		      uint32_t len, uint8_t revision)
{
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = len;
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	/* OEM Table ID: "SVM_" and the signature, unique per table. */
	memcpy(h->oem_table_id, "SVM_", 4);
	memcpy(h->oem_table_id + 4, sig, 4);
	h->oem_revision = ACPI_OEM_REVISION;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = 1;
}

void acpi_finish_table(struct acpi_sdt_header *h)
{
	h->checksum = 0;
	h->checksum = (uint8_t)-acpi_checksum(h, h->length);
}

/* Reserves len bytes of the table area; the bytes are already zero. */
static int area_alloc(struct acpi_area *ar, size_t len, size_t *off)
{
	size_t start = (ar->used + ACPI_TABLE_ALIGN - 1) & ~(size_t)(ACPI_TABLE_ALIGN - 1);

	if (start > ACPI_AREA_SIZE || len > ACPI_AREA_SIZE - start)
		return -ENOSPC;
	*off = start;
	ar->used = start + len;
	return 0;
}

static uint64_t area_gpa(size_t off)
{
	return LAYOUT_ACPI_START + off;
}

static int build_dsdt(struct acpi_area *ar, const struct platform_desc *desc, uint64_t *gpa)
{
	size_t off;
	long len;
	int ret;

	/* Size unknown until built: build into all that is left, then keep
	 * only what was used. */
	ret = area_alloc(ar, 0, &off);
	if (ret)
		return ret;
	len = acpi_dsdt_build(ar->buf + off, ACPI_AREA_SIZE - off, desc);
	if (len < 0)
		return (int)len;
	ar->used = off + (size_t)len;
	*gpa = area_gpa(off);
	return 0;
}

/* A byte-wide register in I/O space. */
static void acpi_gas_io8(struct acpi_gas *g, uint16_t port)
{
	g->space_id = ACPI_GAS_SYSTEM_IO;
	g->bit_width = 8;
	g->access_size = ACPI_GAS_ACCESS_BYTE;
	g->address = port;
}

static int build_fadt(struct acpi_area *ar, const struct platform_desc *desc,
		      uint64_t dsdt, uint64_t *gpa)
{
	struct acpi_fadt *f;
	size_t off;
	int ret;

	ret = area_alloc(ar, sizeof(*f), &off);
	if (ret)
		return ret;
	f = (struct acpi_fadt *)(ar->buf + off);
	acpi_init_header(&f->h, "FACP", sizeof(*f), ACPI_FADT_REVISION);
	f->minor_version = ACPI_FADT_MINOR_VERSION;
	/* 4.1 Hardware-reduced ACPI: no PM1/GPE blocks, no SCI, no FACS
	 * (5.2.9: FIRMWARE_CTRL may be zero then).  Power and sleep
	 * buttons, if any, would be control-method devices. */
	f->flags = ACPI_FADT_HW_REDUCED_ACPI | ACPI_FADT_PWR_BUTTON |
		   ACPI_FADT_SLP_BUTTON | ACPI_FADT_RESET_REG_SUP;
	acpi_gas_io8(&f->reset_reg, RESET_PORT);
	f->reset_value = RESET_VALUE;
	/* 4.8.3.7: poweroff without PM1 blocks.  Linux offers S5 only when
	 * both registers and \_S5 exist. */
	acpi_gas_io8(&f->sleep_control_reg, LAYOUT_ACPI_SLEEP_PORT);
	acpi_gas_io8(&f->sleep_status_reg, LAYOUT_ACPI_SLEEP_PORT + 1);
	/* 5.2.9.3: there is a serial port and an 8042 (Linux leaves its
	 * i8042 driver off without the 8042 flag, and SendCtrlAltDel needs
	 * it), no VGA, no CMOS RTC, and no ASPM to manage.  MSI is there
	 * exactly when PCI is: virtio-mmio has none, and the flag would make
	 * Linux turn MSI off for every PCI device. */
	f->iapc_boot_arch = ACPI_IAPC_LEGACY_DEVICES | ACPI_IAPC_8042 |
			    ACPI_IAPC_VGA_NOT_PRESENT | ACPI_IAPC_PCIE_ASPM_CONTROLS |
			    ACPI_IAPC_CMOS_RTC_NOT_PRESENT;
	if (!desc->pci_enabled)
		f->iapc_boot_arch |= ACPI_IAPC_MSI_NOT_SUPPORTED;
	/* Both DSDT fields, equal, so that no OSPM sees a 32/64 mismatch. */
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	memcpy(f->hypervisor_vendor_id, "SPLITVM ", sizeof(f->hypervisor_vendor_id));
	acpi_finish_table(&f->h);
	*gpa = area_gpa(off);
	return 0;
}

static int build_madt(struct acpi_area *ar, const struct platform_desc *desc, uint64_t *gpa)
{
	struct acpi_madt *m;
	struct acpi_madt_lapic *lapic;
	struct acpi_madt_ioapic *ioapic;
	struct acpi_madt_lapic_nmi *nmi;
	size_t off, len;
	int ret;

	len = sizeof(*m) + desc->vcpu_count * sizeof(*lapic) + sizeof(*ioapic) + sizeof(*nmi);
	ret = area_alloc(ar, len, &off);
	if (ret)
		return ret;
	m = (struct acpi_madt *)(ar->buf + off);
	acpi_init_header(&m->h, "APIC", (uint32_t)len, ACPI_MADT_REVISION);
	m->lapic_addr = (uint32_t)LAYOUT_LAPIC_START;
	/* 5.2.12 Table 5.20: PCAT_COMPAT, the in-kernel irqchip has a dual
	 * 8259.  True, though a hardware-reduced Linux ignores the 8259. */
	m->flags = ACPI_MADT_PCAT_COMPAT;

	lapic = (struct acpi_madt_lapic *)(m + 1);
	for (unsigned int i = 0; i < desc->vcpu_count; i++, lapic++) {
		lapic->type = ACPI_MADT_TYPE_LAPIC;
		lapic->length = sizeof(*lapic);
		lapic->processor_uid = (uint8_t)i;
		lapic->apic_id = (uint8_t)i;
		lapic->flags = ACPI_MADT_LAPIC_ENABLED;
	}
	/* 5.2.12.3: one IOAPIC whose pins are GSIs 0..23.  There is no
	 * Interrupt Source Override: KVM's default routing wires GSI n to
	 * pin n, so ISA IRQ n is GSI n; the PIT's IRQ 0 would need none
	 * either, and a hardware-reduced guest does not use the PIT. */
	ioapic = (struct acpi_madt_ioapic *)lapic;
	ioapic->type = ACPI_MADT_TYPE_IOAPIC;
	ioapic->length = sizeof(*ioapic);
	ioapic->ioapic_id = IOAPIC_ID;
	ioapic->address = (uint32_t)LAYOUT_IOAPIC_START;
	ioapic->gsi_base = 0;
	/* 5.2.12.7: NMI arrives on LINT1 of every local APIC, as in the MP
	 * table's local interrupt entries. */
	nmi = (struct acpi_madt_lapic_nmi *)(ioapic + 1);
	nmi->type = ACPI_MADT_TYPE_LAPIC_NMI;
	nmi->length = sizeof(*nmi);
	nmi->processor_uid = ACPI_ALL_PROCESSORS;
	nmi->flags = 0;
	nmi->lint = 1;
	acpi_finish_table(&m->h);
	*gpa = area_gpa(off);
	return 0;
}

static int build_mcfg(struct acpi_area *ar, uint64_t *gpa)
{
	struct acpi_mcfg *m;
	struct acpi_mcfg_alloc *alloc;
	size_t off, len = sizeof(*m) + sizeof(*alloc);
	int ret;

	ret = area_alloc(ar, len, &off);
	if (ret)
		return ret;
	m = (struct acpi_mcfg *)(ar->buf + off);
	acpi_init_header(&m->h, "MCFG", (uint32_t)len, 1);
	alloc = (struct acpi_mcfg_alloc *)(m + 1);
	alloc->base = LAYOUT_ECAM_START;
	alloc->segment = 0;
	alloc->start_bus = 0;
	alloc->end_bus = (uint8_t)(LAYOUT_ECAM_SIZE / MiB - 1);   /* 1 MiB per bus */
	acpi_finish_table(&m->h);
	*gpa = area_gpa(off);
	return 0;
}

/* 5.2.8 XSDT: 64-bit pointers to every table but the DSDT (the FADT
 * points to that). */
static int build_xsdt(struct acpi_area *ar, const uint64_t *tables, size_t n, uint64_t *gpa)
{
	struct acpi_sdt_header *h;
	size_t off, len = sizeof(*h) + n * sizeof(uint64_t);
	int ret;

	ret = area_alloc(ar, len, &off);
	if (ret)
		return ret;
	h = (struct acpi_sdt_header *)(ar->buf + off);
	acpi_init_header(h, "XSDT", (uint32_t)len, 1);
	memcpy(h + 1, tables, n * sizeof(uint64_t));
	acpi_finish_table(h);
	*gpa = area_gpa(off);
	return 0;
}

/* 5.2.7 RSDT: the same list with 32-bit pointers, for `acpi=rsdt` and
 * ACPI 1.0 readers; every table lies below 1 MiB. */
static int build_rsdt(struct acpi_area *ar, const uint64_t *tables, size_t n, uint64_t *gpa)
{
	struct acpi_sdt_header *h;
	uint32_t *entry;
	size_t off, len = sizeof(*h) + n * sizeof(uint32_t);
	int ret;

	ret = area_alloc(ar, len, &off);
	if (ret)
		return ret;
	h = (struct acpi_sdt_header *)(ar->buf + off);
	acpi_init_header(h, "RSDT", (uint32_t)len, 1);
	entry = (uint32_t *)(h + 1);
	for (size_t i = 0; i < n; i++) {
		uint32_t v = (uint32_t)tables[i];

		memcpy(&entry[i], &v, sizeof(v));
	}
	acpi_finish_table(h);
	*gpa = area_gpa(off);
	return 0;
}

static void build_rsdp(struct acpi_rsdp *r, uint64_t xsdt, uint64_t rsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", sizeof(r->signature));
	memcpy(r->oem_id, ACPI_OEM_ID, sizeof(r->oem_id));
	r->revision = 2;
	r->rsdt_addr = (uint32_t)rsdt;
	r->length = sizeof(*r);
	r->xsdt_addr = xsdt;
	r->checksum = (uint8_t)-acpi_checksum(r, ACPI_RSDP_V1_LEN);
	r->ext_checksum = (uint8_t)-acpi_checksum(r, sizeof(*r));
}

static int build_tables(struct acpi_area *ar, const struct platform_desc *desc,
			struct acpi_rsdp *rsdp)
{
	uint64_t root[ACPI_MAX_ROOT_ENTRIES], dsdt, xsdt, rsdt;
	size_t n = 0;
	int ret;

	ret = build_dsdt(ar, desc, &dsdt);
	if (!ret)
		ret = build_fadt(ar, desc, dsdt, &root[n++]);
	if (!ret)
		ret = build_madt(ar, desc, &root[n++]);
	if (!ret && desc->pci_enabled)
		ret = build_mcfg(ar, &root[n++]);
	if (!ret)
		ret = build_xsdt(ar, root, n, &xsdt);
	if (!ret)
		ret = build_rsdt(ar, root, n, &rsdt);
	if (ret)
		return ret;
	build_rsdp(rsdp, xsdt, rsdt);
	return 0;
}

int acpi_build(struct guest_memory *mem, const struct platform_desc *desc)
{
	struct acpi_area ar = { 0 };
	struct acpi_rsdp rsdp;
	uint8_t *rsdp_area;
	int ret;

	ret = platform_desc_validate(desc, mem);
	if (ret)
		return ret;
	rsdp_area = guest_memory_ptr(mem, LAYOUT_RSDP_START, LAYOUT_ACPI_END - LAYOUT_RSDP_START);
	if (!rsdp_area) {
		log_err("acpi: guest memory (%llu bytes below the hole) does not cover [%#llx, %#llx)",
			(unsigned long long)mem->low_size, LAYOUT_RSDP_START, LAYOUT_ACPI_END);
		return -EFAULT;
	}
	ar.buf = calloc(1, ACPI_AREA_SIZE);
	if (!ar.buf)
		return -ENOMEM;
	ret = build_tables(&ar, desc, &rsdp);
	if (ret) {
		log_err("acpi: tables for %u vCPUs and %u virtio-mmio devices (area of %zu bytes): %s",
			desc->vcpu_count, desc->n_mmio_devs, ACPI_AREA_SIZE, strerror(-ret));
		goto out;
	}
	memset(rsdp_area, 0, RSDP_AREA_SIZE);
	memcpy(rsdp_area + RSDP_AREA_SIZE, ar.buf, ACPI_AREA_SIZE);
	memcpy(rsdp_area, &rsdp, sizeof(rsdp));
	log_debug("acpi: RSDP at %#llx, %zu bytes of tables at %#llx",
		  LAYOUT_RSDP_START, ar.used, LAYOUT_ACPI_START);
out:
	free(ar.buf);
	return ret;
}
