/* ACPI tables as a guest finds them: everything is read back from guest
 * memory by raw offsets taken from the ACPI 6.5 specification (not from
 * the builder's structs), starting from a scan for the RSDP done the way
 * Linux does it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "acpi_priv.h"
#include "layout.h"
#include "memory.h"
#include "table_fixture.h"
#include "table_read.h"
#include "tables.h"

#define MEM_SIZE    (64 * MiB)
#define MAX_TABLES  8

struct cfg {
	unsigned int vcpus;
	bool pci;
	unsigned int n_mmio;
};

static const struct cfg cfgs[] = {
	{ 1, false, 3 }, { 2, false, 3 }, { 32, false, 3 },
	{ 1, true, 0 }, { 2, true, 1 }, { 32, true, 0 },
};

static const struct platform_mmio_dev mmio_devs[] = {
	{ LAYOUT_VIRTIO_MMIO_START, LAYOUT_VIRTIO_MMIO_SIZE, 5 },
	{ LAYOUT_VIRTIO_MMIO_START + LAYOUT_VIRTIO_MMIO_SIZE, LAYOUT_VIRTIO_MMIO_SIZE, 6 },
	{ LAYOUT_VIRTIO_MMIO_START + 2 * LAYOUT_VIRTIO_MMIO_SIZE, LAYOUT_VIRTIO_MMIO_SIZE, 23 },
};

struct fixture {
	struct guest_memory mem;
	const struct cfg *cfg;
};
TABLE_FIXTURE_CHECK(struct fixture);

struct table {
	char sig[5];
	uint64_t gpa;
	uint32_t len;
	const uint8_t *p;
};

static struct platform_desc desc_for(const struct cfg *cfg)
{
	struct platform_desc d = {
		.vcpu_count = cfg->vcpus,
		.pci_enabled = cfg->pci,
		.mmio_devs = mmio_devs,
		.n_mmio_devs = cfg->n_mmio,
	};

	return d;
}

static int setup(void **state)
{
	const struct cfg *cfg = *state;
	struct platform_desc desc = desc_for(cfg);
	struct fixture *f = table_fixture_new(state, sizeof(*f), MEM_SIZE, acpi_build, &desc);

	if (!f)
		return -1;
	f->cfg = cfg;
	return 0;
}

/* Linux's acpi_find_root_pointer(): "RSD PTR " on a 16-byte boundary of
 * [0xE0000, 0x100000) whose ACPI 1.0 checksum holds (and, for revision 2,
 * the extended one: ACPICA's acpi_tb_validate_rsdp).  Returns the first
 * hit and counts them all. */
static uint64_t scan_rsdp(const struct guest_memory *mem, unsigned int *hits)
{
	uint64_t found = 0;

	*hits = 0;
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
		const uint8_t *p = gp(mem, a, 20);

		if (memcmp(p, "RSD PTR ", 8) || sum8(p, 20))
			continue;
		if (p[15] >= 2 && (rd32(p + 20) < 36 || sum8(gp(mem, a, rd32(p + 20)), rd32(p + 20))))
			continue;
		if (!(*hits)++)
			found = a;
	}
	return found;
}

/* A table whose header is sane, inside the table area, with a zero sum. */
static struct table table_at(const struct guest_memory *mem, uint64_t gpa)
{
	struct table t;

	assert_true(gpa >= LAYOUT_ACPI_START && gpa + 36 <= LAYOUT_ACPI_END);
	t.p = gp(mem, gpa, 36);
	t.len = rd32(t.p + 4);
	assert_true(t.len >= 36);
	assert_true(gpa + t.len <= LAYOUT_ACPI_END);
	t.p = gp(mem, gpa, t.len);
	assert_int_equal(sum8(t.p, t.len), 0);
	assert_memory_equal(t.p + 10, "SPLTVM", 6);
	memcpy(t.sig, t.p, 4);
	t.sig[4] = '\0';
	t.gpa = gpa;
	return t;
}

static const uint8_t *rsdp_of(const struct guest_memory *mem)
{
	return gp(mem, ACPI_RSDP_ADDR, 36);
}

/* The XSDT's entries (the tables an OS enumerates), in order. */
static size_t xsdt_tables(const struct guest_memory *mem, struct table *out)
{
	struct table x = table_at(mem, rd64(rsdp_of(mem) + 24));
	size_t n = (x.len - 36) / 8;

	assert_string_equal(x.sig, "XSDT");
	assert_int_equal((x.len - 36) % 8, 0);
	assert_true(n <= MAX_TABLES);
	for (size_t i = 0; i < n; i++)
		out[i] = table_at(mem, rd64(x.p + 36 + 8 * i));
	return n;
}

/* Looks a table up the way an OS does; DSDT through the FADT's X_DSDT. */
static bool find_table(const struct guest_memory *mem, const char *sig, struct table *t)
{
	struct table all[MAX_TABLES];
	size_t n = xsdt_tables(mem, all);

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(all[i].sig, sig)) {
			*t = all[i];
			return true;
		}
		if (!strcmp(sig, "DSDT") && !strcmp(all[i].sig, "FACP")) {
			*t = table_at(mem, rd64(all[i].p + 140));
			assert_string_equal(t->sig, "DSDT");
			return true;
		}
	}
	return false;
}

static size_t count_bytes(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	size_t c = 0;

	for (size_t i = 0; i + m <= n; i++)
		c += !memcmp(hay + i, needle, m);
	return c;
}

static void test_rsdp_found_by_scan(void **state)
{
	struct fixture *f = *state;
	unsigned int hits;
	const uint8_t *r;

	assert_int_equal(scan_rsdp(&f->mem, &hits), LAYOUT_RSDP_START);
	assert_int_equal(hits, 1);
	r = rsdp_of(&f->mem);
	assert_int_equal(sum8(r, 20), 0);
	assert_int_equal(r[15], 2);                 /* revision: XSDT valid */
	assert_int_equal(rd32(r + 20), 36);         /* length */
	assert_int_equal(sum8(r, 36), 0);           /* extended checksum */
	assert_memory_equal(r + 9, "SPLTVM", 6);
	assert_memory_equal(r + 33, "\0\0\0", 3);   /* reserved */
}

/* Every XSDT entry is a valid table, each signature once, exactly
 * FACP + APIC (+ MCFG with PCI); the RSDT lists the same addresses. */
static void test_root_tables(void **state)
{
	struct fixture *f = *state;
	struct table t[MAX_TABLES], rsdt;
	size_t n = xsdt_tables(&f->mem, t);
	const char *want[] = { "FACP", "APIC", "MCFG" };
	size_t n_want = f->cfg->pci ? 3 : 2;

	assert_int_equal(n, n_want);
	for (size_t w = 0; w < n_want; w++) {
		size_t seen = 0;

		for (size_t i = 0; i < n; i++)
			seen += !strcmp(t[i].sig, want[w]);
		assert_int_equal(seen, 1);
	}
	rsdt = table_at(&f->mem, rd32(rsdp_of(&f->mem) + 16));
	assert_string_equal(rsdt.sig, "RSDT");
	assert_int_equal(rsdt.len, 36 + 4 * n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(rd32(rsdt.p + 36 + 4 * i), t[i].gpa);
}

static void test_fadt(void **state)
{
	struct fixture *f = *state;
	struct table fadt, dsdt;
	uint32_t flags;
	uint16_t iapc;

	assert_true(find_table(&f->mem, "FACP", &fadt));
	assert_int_equal(fadt.len, 276);
	/* Hardware-reduced ACPI needs FADT revision 5 or later (5.2.9). */
	assert_true(fadt.p[8] >= 5);
	flags = rd32(fadt.p + 112);
	assert_true(flags & (1u << 20));            /* HW_REDUCED_ACPI */
	assert_true(flags & (1u << 10));            /* RESET_REG_SUP */
	/* Reset register: byte write of 0xFE to I/O port 0x64 (the i8042). */
	assert_int_equal(fadt.p[116], 1);
	assert_int_equal(fadt.p[117], 8);
	assert_int_equal(rd64(fadt.p + 120), 0x64);
	assert_int_equal(fadt.p[128], 0xfe);
	/* Sleep control and status registers (offsets 244 and 256): byte
	 * ports 0x600 and 0x601, for poweroff without PM1 blocks. */
	assert_int_equal(fadt.p[244], 1);
	assert_int_equal(fadt.p[245], 8);
	assert_int_equal(rd64(fadt.p + 248), 0x600);
	assert_int_equal(fadt.p[256], 1);
	assert_int_equal(fadt.p[257], 8);
	assert_int_equal(rd64(fadt.p + 260), 0x601);
	iapc = rd16(fadt.p + 109);
	assert_true(iapc & (1u << 1));              /* 8042 */
	assert_true(iapc & (1u << 2));              /* VGA not present */
	assert_true(iapc & (1u << 5));              /* CMOS RTC not present */
	/* MSI Not Supported exactly when there is no PCI. */
	assert_int_equal(!!(iapc & (1u << 3)), !f->cfg->pci);
	assert_int_equal(rd16(fadt.p + 46), 0);     /* no SCI */
	assert_true(find_table(&f->mem, "DSDT", &dsdt));
	assert_int_equal(rd64(fadt.p + 140), dsdt.gpa);
	assert_int_equal(rd32(fadt.p + 40), dsdt.gpa);
}

static void test_madt(void **state)
{
	struct fixture *f = *state;
	struct table madt;
	unsigned int lapics = 0, ioapics = 0, nmis = 0;
	size_t off;

	assert_true(find_table(&f->mem, "APIC", &madt));
	assert_int_equal(rd32(madt.p + 36), LAYOUT_LAPIC_START);
	for (off = 44; off + 2 <= madt.len; off += madt.p[off + 1]) {
		const uint8_t *e = madt.p + off;

		assert_true(e[1] >= 2 && off + e[1] <= madt.len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], 8);
			assert_int_equal(e[3], lapics);    /* APIC ids 0..n-1 */
			assert_int_equal(e[2], lapics);    /* processor UID */
			assert_int_equal(rd32(e + 4) & 1, 1);
			lapics++;
			break;
		case 1:
			assert_int_equal(e[1], 12);
			assert_int_equal(rd32(e + 4), LAYOUT_IOAPIC_START);
			assert_int_equal(rd32(e + 8), 0);  /* GSI base */
			ioapics++;
			break;
		case 4:
			assert_int_equal(e[1], 6);
			assert_int_equal(e[5], 1);         /* LINT1 */
			nmis++;
			break;
		default:
			/* No interrupt source override: GSI n is ISA IRQ n. */
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	assert_int_equal(off, madt.len);           /* entries fill the table */
	assert_int_equal(lapics, f->cfg->vcpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(nmis, 1);
}

static void test_mcfg_only_with_pci(void **state)
{
	struct fixture *f = *state;
	struct table mcfg;

	if (!f->cfg->pci) {
		assert_false(find_table(&f->mem, "MCFG", &mcfg));
		return;
	}
	assert_true(find_table(&f->mem, "MCFG", &mcfg));
	assert_int_equal(mcfg.len, 44 + 16);
	assert_int_equal(rd64(mcfg.p + 44), LAYOUT_ECAM_START);
	assert_int_equal(rd16(mcfg.p + 52), 0);     /* segment */
	assert_int_equal(mcfg.p[54], 0);            /* start bus */
	assert_int_equal(mcfg.p[55], 0);            /* end bus: ECAM holds bus 0 only */
}

/* The DSDT is always there (the FADT must name one); the PCI host bridge
 * and ECAM reservation only with PCI; one LNRO0005 device per window. */
static void test_dsdt_devices(void **state)
{
	struct fixture *f = *state;
	static const uint8_t pnp0a08[] = { 0x0c, 0x41, 0xd0, 0x0a, 0x08 };
	static const uint8_t pnp0c02[] = { 0x0c, 0x41, 0xd0, 0x0c, 0x02 };
	static const uint8_t pnp0501[] = { 0x0c, 0x41, 0xd0, 0x05, 0x01 };
	static const uint8_t pnp0303[] = { 0x0c, 0x41, 0xd0, 0x03, 0x03 };
	/* Name (\_S5, Package (2) { 5, 0 }) at the root */
	static const uint8_t s5[] = { 0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x05, 0x02,
				      0x0a, 0x05, 0x00 };
	struct table dsdt;
	const uint8_t *aml;
	size_t n;

	assert_true(find_table(&f->mem, "DSDT", &dsdt));
	assert_true(dsdt.p[8] >= 2);                /* 64-bit integers */
	aml = dsdt.p + 36;
	n = dsdt.len - 36;
	assert_int_equal(aml[0], 0x10);             /* Scope (\_SB) */
	assert_int_equal(count_bytes(aml, n, pnp0a08, sizeof(pnp0a08)), f->cfg->pci);
	assert_int_equal(count_bytes(aml, n, pnp0c02, sizeof(pnp0c02)), f->cfg->pci);
	assert_int_equal(count_bytes(aml, n, pnp0501, sizeof(pnp0501)), 1);
	assert_int_equal(count_bytes(aml, n, pnp0303, sizeof(pnp0303)), 1);
	assert_int_equal(count_bytes(aml, n, s5, sizeof(s5)), 1);
	assert_int_equal(count_bytes(aml, n, "LNRO0005", 8), f->cfg->n_mmio);
	for (unsigned int i = 0; i < f->cfg->n_mmio; i++) {
		const struct platform_mmio_dev *d = &mmio_devs[i];
		uint32_t base = (uint32_t)d->base, size = (uint32_t)d->size;
		/* Memory32Fixed (ReadWrite, base, size), then Interrupt
		 * (ResourceConsumer, Edge, ActiveHigh, Exclusive) {irq}. */
		uint8_t crs[21] = { 0x86, 0x09, 0x00, 0x01 };

		memcpy(crs + 4, &base, 4);
		memcpy(crs + 8, &size, 4);
		memcpy(crs + 12, "\x89\x06\x00\x03\x01", 5);
		memcpy(crs + 17, &d->irq, 4);
		assert_int_equal(count_bytes(aml, n, crs, sizeof(crs)), 1);
	}
}

/* RSDP in its page, every table in the table area, no two overlapping. */
static void test_no_overlap(void **state)
{
	struct fixture *f = *state;
	struct table t[MAX_TABLES + 3];
	uint64_t start[MAX_TABLES + 4], end[MAX_TABLES + 4];
	size_t n = xsdt_tables(&f->mem, t), k;

	t[n++] = table_at(&f->mem, rd64(rsdp_of(&f->mem) + 24));
	t[n++] = table_at(&f->mem, rd32(rsdp_of(&f->mem) + 16));
	assert_true(find_table(&f->mem, "DSDT", &t[n]));
	n++;
	for (k = 0; k < n; k++) {
		start[k] = t[k].gpa;
		end[k] = t[k].gpa + t[k].len;
		assert_true(start[k] >= LAYOUT_ACPI_START && end[k] <= LAYOUT_ACPI_END);
	}
	start[k] = ACPI_RSDP_ADDR;
	end[k] = ACPI_RSDP_ADDR + 36;
	assert_true(end[k] <= LAYOUT_ACPI_START);
	k++;
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < k; j++)
			assert_true(end[i] <= start[j] || end[j] <= start[i]);
}

static void fill_areas(struct guest_memory *mem, uint8_t v)
{
	memset(guest_memory_ptr(mem, LAYOUT_RSDP_START, LAYOUT_ACPI_END - LAYOUT_RSDP_START),
	       v, LAYOUT_ACPI_END - LAYOUT_RSDP_START);
}

static bool areas_are(const struct guest_memory *mem, uint8_t v)
{
	const uint8_t *p = gp(mem, LAYOUT_RSDP_START, LAYOUT_ACPI_END - LAYOUT_RSDP_START);

	for (uint64_t i = 0; i < LAYOUT_ACPI_END - LAYOUT_RSDP_START; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* A refused description writes nothing at all. */
static void test_bad_vcpu_count_refused(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 0 };

	(void)state;
	assert_int_equal(guest_memory_create(&mem, MEM_SIZE, false), 0);
	fill_areas(&mem, 0x5a);
	assert_int_equal(acpi_build(&mem, &d), -EINVAL);
	d.vcpu_count = LAYOUT_MAX_VCPUS + 1;
	assert_int_equal(acpi_build(&mem, &d), -EINVAL);
	d.pci_enabled = true;
	assert_int_equal(acpi_build(&mem, &d), -EINVAL);
	assert_true(areas_are(&mem, 0x5a));
	d.vcpu_count = LAYOUT_MAX_VCPUS;
	assert_int_equal(acpi_build(&mem, &d), 0);
	assert_int_equal(acpi_build(&mem, NULL), -EINVAL);
	guest_memory_destroy(&mem);
}

static void test_bad_mmio_devs_refused(void **state)
{
	static const struct platform_mmio_dev bad[] = {
		{ 0xd0000000, 0x1000, LAYOUT_IOAPIC_PINS },   /* no such pin */
		{ 0xd0000000, 0, 5 },                          /* empty */
		{ 0xfffff000, 0x2000, 5 },                     /* crosses 4 GiB */
		{ 0x100000000ULL, 0x1000, 5 },                 /* above 4 GiB */
		{ UINT64_MAX - 0xfff, 0x2000, 5 },             /* wraps */
	};
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 1, .n_mmio_devs = 1 };

	(void)state;
	assert_int_equal(guest_memory_create(&mem, MEM_SIZE, false), 0);
	fill_areas(&mem, 0x5a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		d.mmio_devs = &bad[i];
		assert_int_equal(acpi_build(&mem, &d), -EINVAL);
		assert_int_equal(mptable_build(&mem, &d), -EINVAL);
	}
	d.mmio_devs = NULL;                        /* a count without devices */
	assert_int_equal(acpi_build(&mem, &d), -EINVAL);
	d.mmio_devs = mmio_devs;
	d.n_mmio_devs = ACPI_MAX_MMIO_DEVS + 1;
	assert_int_equal(acpi_build(&mem, &d), -EINVAL);
	assert_true(areas_are(&mem, 0x5a));
	guest_memory_destroy(&mem);
}

/* Memory that ends before the BIOS area cannot hold the tables. */
static void test_small_memory_refused(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 1 };

	(void)state;
	assert_int_equal(guest_memory_create(&mem, 896 * KiB, false), 0);
	assert_int_equal(acpi_build(&mem, &d), -EFAULT);
	guest_memory_destroy(&mem);
	assert_int_equal(guest_memory_create(&mem, 1 * MiB, false), 0);
	assert_int_equal(acpi_build(&mem, &d), 0);
	guest_memory_destroy(&mem);
}

/* With PCI, RAM must end below the 64-bit BAR window the DSDT announces. */
static void test_ram_into_pci_window_refused(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 1, .pci_enabled = true };

	(void)state;
	/* 3 GiB below the hole, the rest from 4 GiB on: RAM of the window's
	 * start address in size ends 1 GiB into it. */
	if (guest_memory_create(&mem, LAYOUT_PCI_MMIO64_START, false) != 0)
		skip();   /* the host would not map that much address space */
	assert_int_equal(acpi_build(&mem, &d), -EINVAL);
	assert_int_equal(mptable_build(&mem, &d), -EINVAL);
	d.pci_enabled = false;
	assert_int_equal(acpi_build(&mem, &d), 0);
	guest_memory_destroy(&mem);

	/* 1 GiB less ends exactly where the window starts: accepted. */
	d.pci_enabled = true;
	if (guest_memory_create(&mem, LAYOUT_PCI_MMIO64_START - 1 * GiB, false) != 0)
		skip();
	assert_int_equal(acpi_build(&mem, &d), 0);
	guest_memory_destroy(&mem);
}

/* A rebuild with fewer tables leaves none of the old ones findable. */
static void test_rebuild_clears_stale_tables(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 32, .pci_enabled = true };
	struct table t;
	const uint8_t *area;

	(void)state;
	assert_int_equal(guest_memory_create(&mem, MEM_SIZE, false), 0);
	assert_int_equal(acpi_build(&mem, &d), 0);
	assert_true(find_table(&mem, "MCFG", &t));
	d.vcpu_count = 1;
	d.pci_enabled = false;
	assert_int_equal(acpi_build(&mem, &d), 0);
	assert_false(find_table(&mem, "MCFG", &t));
	area = gp(&mem, LAYOUT_RSDP_START, LAYOUT_ACPI_END - LAYOUT_RSDP_START);
	assert_int_equal(count_bytes(area, LAYOUT_ACPI_END - LAYOUT_RSDP_START, "MCFG", 4), 0);
	assert_int_equal(count_bytes(area, LAYOUT_ACPI_END - LAYOUT_RSDP_START, "RSD PTR ", 8), 1);
	guest_memory_destroy(&mem);
}

/* The DSDT builder never writes past its capacity and reports -ENOSPC
 * for every capacity short of the table. */
static void test_dsdt_enospc(void **state)
{
	static uint8_t ref[4096], buf[4096 + 64];
	struct platform_desc d = { .vcpu_count = 1, .pci_enabled = true,
				   .mmio_devs = mmio_devs, .n_mmio_devs = 3 };
	long full;

	(void)state;
	full = acpi_dsdt_build(ref, sizeof(ref), &d);
	assert_true(full > 36);
	for (long cap = 0; cap < full; cap++) {
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(acpi_dsdt_build(buf, (size_t)cap, &d), -ENOSPC);
		for (size_t i = (size_t)cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xa5);
	}
	assert_int_equal(acpi_dsdt_build(buf, (size_t)full, &d), full);
	assert_memory_equal(buf, ref, (size_t)full);
}

/* Optional: ACPICA's disassembler reads every table without complaint
 * and the disassembled DSDT compiles again cleanly. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *s;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return s;
}

static void disassemble(const char *iasl, const char *dir, const struct table *t)
{
	char path[1024];
	char *dsl;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, t->sig);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(t->p, 1, t->len, fp), t->len);
	fclose(fp);
	assert_int_equal(run("'%s' -d '%s' >'%s/%s.log' 2>&1", iasl, path, dir, t->sig), 0);
	snprintf(path, sizeof(path), "%s/%s.dsl", dir, t->sig);
	dsl = slurp(path);
	assert_null(strstr(dsl, "Incorrect checksum"));
	assert_null(strstr(dsl, "**** "));
	if (!strcmp(t->sig, "DSDT")) {
		assert_non_null(strstr(dsl, "EisaId (\"PNP0A08\")"));
		assert_non_null(strstr(dsl, "Name (_HID, \"LNRO0005\")"));
		assert_non_null(strstr(dsl, "QWordMemory (ResourceProducer"));
	}
	free(dsl);
}

static void test_iasl_accepts_tables(void **state)
{
	const char *iasl = getenv("IASL");
	struct platform_desc d = { .vcpu_count = 4, .pci_enabled = true,
				   .mmio_devs = mmio_devs, .n_mmio_devs = 3 };
	const char *tmp = getenv("TMPDIR");
	char dir[512];
	struct guest_memory mem;
	struct table t[MAX_TABLES + 1];
	char path[1024];
	size_t n;
	char *log;

	(void)state;
	if (!iasl || !*iasl || access(iasl, X_OK) != 0)
		skip();   /* acpica-tools is optional */
	snprintf(dir, sizeof(dir), "%s/splitvm-acpi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(guest_memory_create(&mem, MEM_SIZE, false), 0);
	assert_int_equal(acpi_build(&mem, &d), 0);
	n = xsdt_tables(&mem, t);
	assert_true(find_table(&mem, "DSDT", &t[n]));
	n++;
	for (size_t i = 0; i < n; i++)
		disassemble(iasl, dir, &t[i]);
	assert_int_equal(run("'%s' -p '%s/re' '%s/DSDT.dsl' >'%s/re.log' 2>&1",
			     iasl, dir, dir, dir), 0);
	snprintf(path, sizeof(path), "%s/re.log", dir);
	log = slurp(path);
	assert_non_null(strstr(log, "0 Errors, 0 Warnings"));
	free(log);
	assert_int_equal(run("rm -rf '%s'", dir), 0);
	guest_memory_destroy(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TABLE_TESTS(test_rsdp_found_by_scan, setup, cfgs),
		TABLE_TESTS(test_root_tables, setup, cfgs),
		TABLE_TESTS(test_fadt, setup, cfgs),
		TABLE_TESTS(test_madt, setup, cfgs),
		TABLE_TESTS(test_mcfg_only_with_pci, setup, cfgs),
		TABLE_TESTS(test_dsdt_devices, setup, cfgs),
		TABLE_TESTS(test_no_overlap, setup, cfgs),
		cmocka_unit_test(test_bad_vcpu_count_refused),
		cmocka_unit_test(test_bad_mmio_devs_refused),
		cmocka_unit_test(test_small_memory_refused),
		cmocka_unit_test(test_ram_into_pci_window_refused),
		cmocka_unit_test(test_rebuild_clears_stale_tables),
		cmocka_unit_test(test_dsdt_enospc),
		cmocka_unit_test(test_iasl_accepts_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
