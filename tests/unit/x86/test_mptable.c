/* The MP table as Linux finds it: a floating-pointer scan of the places
 * default_find_smp_config() looks, then the configuration table walked by
 * entry type with the sizes of the MP 1.4 specification. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "layout.h"
#include "memory.h"
#include "table_fixture.h"
#include "table_read.h"
#include "tables.h"

#define MEM_SIZE (64 * MiB)

struct cfg {
	unsigned int vcpus;
	bool pci;
};

static const struct cfg cfgs[] = {
	{ 1, false }, { 2, false }, { 32, false },
	{ 1, true }, { 2, true }, { 32, true },
};

struct fixture {
	struct guest_memory mem;
	const struct cfg *cfg;
};
TABLE_FIXTURE_CHECK(struct fixture);

/* What a walk of the configuration table found. */
struct mp_seen {
	unsigned int cpus, bsps, buses, ioapics, ioints, lints;
	int isa_bus, pci_bus;
	uint8_t ioapic_id;
	uint32_t ioapic_addr;
	int pin_of_isa_irq[16];
	bool extint_lint0, nmi_lint1;
};

static int setup(void **state)
{
	const struct cfg *cfg = *state;
	struct platform_desc d = { .vcpu_count = cfg->vcpus, .pci_enabled = cfg->pci };
	struct fixture *f = table_fixture_new(state, sizeof(*f), MEM_SIZE, mptable_build, &d);

	if (!f)
		return -1;
	f->cfg = cfg;
	return 0;
}

/* Linux's smp_scan_config(): "_MP_" on a 16-byte boundary, length 1
 * paragraph, a zero sum over 16 bytes, specification revision 1 or 4. */
static uint64_t scan_range(const struct guest_memory *mem, uint64_t base, uint64_t len)
{
	for (uint64_t a = base; a < base + len; a += 16) {
		const uint8_t *p = gp(mem, a, 16);

		if (!memcmp(p, "_MP_", 4) && p[8] == 1 && !sum8(p, 16) && (p[9] == 1 || p[9] == 4))
			return a;
	}
	return 0;
}

/* default_find_smp_config(): the bottom KiB, the top KiB of base memory
 * (639 KiB), then the BIOS ROM; the EBDA pointer at 0x40E is zero here. */
static uint64_t find_mpf(const struct guest_memory *mem)
{
	uint64_t a;

	assert_int_equal(rd16(gp(mem, 0x40e, 2)), 0);
	if ((a = scan_range(mem, 0, 0x400)) || (a = scan_range(mem, 639 * 0x400, 0x400)) ||
	    (a = scan_range(mem, 0xf0000, 0x10000)))
		return a;
	return 0;
}

static const uint8_t *config_table(const struct guest_memory *mem, uint16_t *len)
{
	uint64_t mpf = find_mpf(mem);
	uint64_t cfg_addr;
	const uint8_t *c;

	assert_int_equal(mpf, MPTABLE_START);
	cfg_addr = rd32(gp(mem, mpf, 16) + 4);
	assert_true(cfg_addr >= MPTABLE_START && cfg_addr + 44 <= MPTABLE_END);
	c = gp(mem, cfg_addr, 44);
	assert_memory_equal(c, "PCMP", 4);
	*len = rd16(c + 4);
	/* The whole table lies in the last KiB of base memory. */
	assert_true(cfg_addr + *len <= MPTABLE_END);
	c = gp(mem, cfg_addr, *len);
	assert_int_equal(sum8(c, *len), 0);
	return c;
}

static void walk(const uint8_t *c, uint16_t len, struct mp_seen *s)
{
	static const uint8_t size_of[] = { 20, 8, 8, 8, 8 };
	const uint8_t *e = c + 44;
	unsigned int entries = 0;

	memset(s, 0, sizeof(*s));
	s->isa_bus = s->pci_bus = -1;
	for (int i = 0; i < 16; i++)
		s->pin_of_isa_irq[i] = -1;
	while (e < c + len) {
		assert_true(e[0] < sizeof(size_of));
		assert_true(e + size_of[e[0]] <= c + len);
		switch (e[0]) {
		case 0:
			assert_int_equal(e[1], s->cpus);              /* APIC ids 0..n-1 */
			assert_true(e[3] & 1);                        /* enabled */
			s->bsps += !!(e[3] & 2);
			if (e[3] & 2)
				assert_int_equal(e[1], 0);            /* BSP is CPU 0 */
			s->cpus++;
			break;
		case 1:
			if (!memcmp(e + 2, "ISA   ", 6))
				s->isa_bus = e[1];
			else if (!memcmp(e + 2, "PCI   ", 6))
				s->pci_bus = e[1];
			else
				fail_msg("unknown bus type");
			s->buses++;
			break;
		case 2:
			assert_true(e[3] & 1);
			s->ioapic_id = e[1];
			s->ioapic_addr = rd32(e + 4);
			s->ioapics++;
			break;
		case 3:
			assert_int_equal(e[1], 0);                    /* mp_INT */
			assert_int_equal(e[6], s->ioapic_id);
			if (e[4] == s->isa_bus && e[5] < 16) {
				assert_int_equal(s->pin_of_isa_irq[e[5]], -1);
				s->pin_of_isa_irq[e[5]] = e[7];
			}
			s->ioints++;
			break;
		case 4:
			assert_int_equal(e[6], 0xff);                 /* all LAPICs */
			s->extint_lint0 |= e[1] == 3 && e[7] == 0;
			s->nmi_lint1 |= e[1] == 1 && e[7] == 1;
			s->lints++;
			break;
		}
		e += size_of[e[0]];
		entries++;
	}
	assert_ptr_equal(e, c + len);
	assert_int_equal(rd16(c + 34), entries);
}

static void test_floating_pointer_found(void **state)
{
	struct fixture *f = *state;
	const uint8_t *mpf;

	assert_int_equal(find_mpf(&f->mem), MPTABLE_START);
	mpf = gp(&f->mem, MPTABLE_START, 16);
	assert_int_equal(mpf[9], 4);        /* MP 1.4 */
	assert_int_equal(mpf[11], 0);       /* feature 1: a table is present */
	assert_int_equal(mpf[12] & 0x80, 0); /* virtual wire, no IMCR */
}

static void test_config_table(void **state)
{
	struct fixture *f = *state;
	struct mp_seen s;
	uint16_t len;
	const uint8_t *c = config_table(&f->mem, &len);

	assert_int_equal(c[6], 4);                          /* spec revision */
	assert_int_equal(rd32(c + 36), LAYOUT_LAPIC_START);
	assert_int_equal(rd16(c + 40), 0);                  /* no extended table */
	walk(c, len, &s);
	assert_int_equal(s.cpus, f->cfg->vcpus);
	assert_int_equal(s.bsps, 1);
	assert_true(s.isa_bus >= 0);
	assert_int_equal(s.pci_bus >= 0, f->cfg->pci);
	if (f->cfg->pci)
		assert_int_equal(s.pci_bus, 0);                 /* = its PCI bus number */
	assert_int_equal(s.buses, f->cfg->pci ? 2 : 1);
	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.ioapic_addr, LAYOUT_IOAPIC_START);
	/* ISA IRQ n on pin n, for all 16; the virtio-mmio pins too. */
	for (int i = 0; i < 16; i++)
		assert_int_equal(s.pin_of_isa_irq[i], i);
	assert_int_equal(s.ioints, LAYOUT_IOAPIC_PINS);
	assert_true(s.extint_lint0);
	assert_true(s.nmi_lint1);
	assert_int_equal(s.lints, 2);
}

/* Both descriptions agree on the interrupt controllers. */
static void test_agrees_with_madt(void **state)
{
	struct fixture *f = *state;
	struct platform_desc d = { .vcpu_count = f->cfg->vcpus, .pci_enabled = f->cfg->pci };
	const uint8_t *rsdp, *x, *t, *c;
	uint16_t len;
	struct mp_seen s;
	bool found = false;

	assert_int_equal(acpi_build(&f->mem, &d), 0);
	/* Building the ACPI tables did not disturb the MP table. */
	c = config_table(&f->mem, &len);
	walk(c, len, &s);
	rsdp = gp(&f->mem, ACPI_RSDP_ADDR, 36);
	x = gp(&f->mem, rd32(rsdp + 16), 36);                    /* RSDT */
	for (uint32_t i = 36; i < rd32(x + 4); i += 4) {
		t = gp(&f->mem, rd32(x + i), 44);
		if (memcmp(t, "APIC", 4))
			continue;
		t = gp(&f->mem, rd32(x + i), rd32(t + 4));
		for (uint32_t off = 44; off < rd32(t + 4); off += t[off + 1]) {
			if (t[off] == 1) {
				assert_int_equal(t[off + 2], s.ioapic_id);
				assert_int_equal(rd32(t + off + 4), s.ioapic_addr);
				found = true;
			}
		}
	}
	assert_true(found);
}

static void test_bad_vcpu_count_refused(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 0 };
	uint8_t *area;

	(void)state;
	assert_int_equal(guest_memory_create(&mem, MEM_SIZE, false), 0);
	area = guest_memory_ptr(&mem, MPTABLE_START, MPTABLE_END - MPTABLE_START);
	memset(area, 0x5a, MPTABLE_END - MPTABLE_START);
	assert_int_equal(mptable_build(&mem, &d), -EINVAL);
	d.vcpu_count = LAYOUT_MAX_VCPUS + 1;
	assert_int_equal(mptable_build(&mem, &d), -EINVAL);
	assert_int_equal(mptable_build(&mem, NULL), -EINVAL);
	for (size_t i = 0; i < MPTABLE_END - MPTABLE_START; i++)
		assert_int_equal(area[i], 0x5a);
	guest_memory_destroy(&mem);
}

static void test_small_memory_refused(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 1 };

	(void)state;
	assert_int_equal(guest_memory_create(&mem, 512 * KiB, false), 0);
	assert_int_equal(mptable_build(&mem, &d), -EFAULT);
	guest_memory_destroy(&mem);
}

/* A smaller rebuild leaves nothing of the larger table behind it. */
static void test_rebuild_clears_tail(void **state)
{
	struct guest_memory mem;
	struct platform_desc d = { .vcpu_count = 32, .pci_enabled = true };
	const uint8_t *area;
	uint16_t len;

	(void)state;
	assert_int_equal(guest_memory_create(&mem, MEM_SIZE, false), 0);
	assert_int_equal(mptable_build(&mem, &d), 0);
	d.vcpu_count = 1;
	d.pci_enabled = false;
	assert_int_equal(mptable_build(&mem, &d), 0);
	config_table(&mem, &len);
	area = gp(&mem, MPTABLE_START, MPTABLE_END - MPTABLE_START);
	for (size_t i = 16 + len; i < MPTABLE_END - MPTABLE_START; i++)
		assert_int_equal(area[i], 0);
	guest_memory_destroy(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TABLE_TESTS(test_floating_pointer_found, setup, cfgs),
		TABLE_TESTS(test_config_table, setup, cfgs),
		TABLE_TESTS(test_agrees_with_madt, setup, cfgs),
		cmocka_unit_test(test_bad_vcpu_count_refused),
		cmocka_unit_test(test_small_memory_refused),
		cmocka_unit_test(test_rebuild_clears_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
