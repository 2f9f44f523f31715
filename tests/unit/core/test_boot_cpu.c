/* The 64-bit entry state: GDT and page tables in a memfd guest memory,
 * the segment/control registers, MSRs, FPU and LAPIC LINT setup. */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "boot_cpu.h"
#include "layout.h"
#include "memory.h"

static int setup(void **state)
{
	static struct guest_memory mem;

	assert_int_equal(guest_memory_create(&mem, 64 * MiB, false), 0);
	*state = &mem;
	return 0;
}

static int teardown(void **state)
{
	guest_memory_destroy(*state);
	return 0;
}

static void test_gdt_contents(void **state)
{
	struct guest_memory *mem = *state;
	uint64_t gdt[BOOT_GDT_ENTRIES], idt = 1;

	memset(mem->host + LAYOUT_IDT_START, 0xaa, 8);
	assert_int_equal(boot_gdt_write(mem), 0);
	assert_int_equal(guest_memory_read(mem, LAYOUT_GDT_START, gdt, sizeof(gdt)), 0);
	assert_int_equal(gdt[0], 0);
	/* The encodings every Linux boot loader uses for a flat 64-bit GDT. */
	assert_int_equal(gdt[BOOT_GDT_CODE], 0x00af9b000000ffffULL);
	assert_int_equal(gdt[BOOT_GDT_DATA], 0x00cf93000000ffffULL);
	assert_int_equal(gdt[BOOT_GDT_TSS], 0x008f8b000000ffffULL);
	assert_int_equal(guest_memory_read(mem, LAYOUT_IDT_START, &idt, 8), 0);
	assert_int_equal(idt, 0);
}

static void test_gdt_entry_roundtrip(void **state)
{
	struct kvm_segment s;
	uint64_t e = gdt_entry(0xc093, 0x12345678, 0xabcde);

	gdt_to_kvm_segment(e, 5, &s);
	assert_int_equal(s.base, 0x12345678);
	assert_int_equal(s.limit, 0xabcdefff);  /* G: 4 KiB granularity */
	assert_int_equal(s.selector, 5 * 8);
	assert_int_equal(s.type, 3);
	assert_int_equal(s.present, 1);
	assert_int_equal(s.s, 1);
	assert_int_equal(s.db, 1);
	assert_int_equal(s.l, 0);
	assert_int_equal(s.g, 1);
	assert_int_equal(s.unusable, 0);
}

static void test_page_tables(void **state)
{
	struct guest_memory *mem = *state;
	uint64_t pml4[512], pdpt[512], pd[512];

	memset(mem->host + LAYOUT_PML4_START, 0xff, 3 * 4096);
	assert_int_equal(boot_pagetables_write(mem), 0);
	guest_memory_read(mem, LAYOUT_PML4_START, pml4, sizeof(pml4));
	guest_memory_read(mem, LAYOUT_PDPTE_START, pdpt, sizeof(pdpt));
	guest_memory_read(mem, LAYOUT_PDE_START, pd, sizeof(pd));
	assert_int_equal(pml4[0], LAYOUT_PDPTE_START | 0x3);
	assert_int_equal(pdpt[0], LAYOUT_PDE_START | 0x3);
	for (int i = 1; i < 512; i++) {
		assert_int_equal(pml4[i], 0);
		assert_int_equal(pdpt[i], 0);
	}
	/* 512 present, writable 2 MiB pages: [0, 1 GiB) maps to itself. */
	for (uint64_t i = 0; i < 512; i++)
		assert_int_equal(pd[i], (i << 21) | 0x83);
	/* Covers where Debian's bzImage decompresses (16 MiB + init_size). */
	assert_true(BOOT_IDENTITY_MAP_SIZE >= 16 * MiB + 64 * MiB);
}

static void test_page_tables_need_memory(void **state)
{
	struct guest_memory tiny;

	/* 32 KiB of RAM cannot hold the tables at 0x9000: refused, not written. */
	assert_int_equal(guest_memory_create(&tiny, 32 * KiB, false), 0);
	assert_int_equal(boot_pagetables_write(&tiny), -EFAULT);
	guest_memory_destroy(&tiny);
}

static void test_sregs_long_mode(void **state)
{
	struct kvm_sregs s;

	memset(&s, 0, sizeof(s));
	s.cr0 = 0x60000010;  /* KVM's reset value: CD NW ET */
	s.apic_base = 0xfee00900;
	boot_sregs_fill(&s);
	assert_true(s.cr0 & X86_CR0_PE);
	assert_true(s.cr0 & X86_CR0_PG);
	assert_false(s.cr0 & (X86_CR0_CD | X86_CR0_NW));
	assert_int_equal(s.cr3, LAYOUT_PML4_START);
	assert_true(s.cr4 & X86_CR4_PAE);
	assert_int_equal(s.efer & (EFER_LME | EFER_LMA), EFER_LME | EFER_LMA);
	assert_int_equal(s.cs.selector, 0x8);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.type, 0xb);
	assert_int_equal(s.ds.selector, 0x10);
	assert_int_equal(s.ss.selector, 0x10);
	assert_int_equal(s.tr.selector, 0x18);
	assert_int_equal(s.tr.s, 0);
	assert_int_equal(s.gdt.base, LAYOUT_GDT_START);
	assert_int_equal(s.gdt.limit, BOOT_GDT_ENTRIES * 8 - 1);
	assert_int_equal(s.idt.base, LAYOUT_IDT_START);
	assert_int_equal(s.apic_base, 0xfee00900);  /* kept */
}

static void test_regs(void **state)
{
	struct boot_entry e = { .entry = 0x1000200, .zero_page = LAYOUT_ZERO_PAGE };
	struct kvm_regs r;

	memset(&r, 0xff, sizeof(r));
	boot_regs_fill(&r, &e);
	assert_int_equal(r.rip, 0x1000200);
	assert_int_equal(r.rsi, LAYOUT_ZERO_PAGE);
	assert_int_equal(r.rsp, LAYOUT_BOOT_STACK);
	assert_int_equal(r.rflags, 2);
	assert_int_equal(r.rax, 0);
}

static void test_msrs_and_fpu(void **state)
{
	struct kvm_msr_entry m[BOOT_MAX_MSRS];
	struct kvm_fpu f;
	size_t n = boot_msrs_fill(m, BOOT_MAX_MSRS);
	bool misc = false, lstar = false, mtrr = false;

	assert_true(n >= 10 && n <= BOOT_MAX_MSRS);
	for (size_t i = 0; i < n; i++) {
		if (m[i].index == MSR_IA32_MISC_ENABLE) {
			misc = true;
			assert_int_equal(m[i].data, MISC_ENABLE_FAST_STRING);
		} else if (m[i].index == MSR_LSTAR) {
			lstar = true;
		} else if (m[i].index == MSR_MTRR_DEF_TYPE) {
			mtrr = true;
			assert_int_equal(m[i].data, MTRR_ENABLE | MTRR_TYPE_WRBACK);
		}
	}
	assert_true(misc && lstar && mtrr);
	assert_int_equal(boot_msrs_fill(m, 3), 3);
	boot_fpu_fill(&f);
	assert_int_equal(f.fcw, 0x37f);
	assert_int_equal(f.mxcsr, 0x1f80);
}

static void test_lapic_lint(void **state)
{
	struct kvm_lapic_state l;
	uint32_t lvt0, lvt1;

	memset(&l, 0, sizeof(l));
	lvt0 = 0x00010700;  /* masked, some other mode */
	memcpy(&l.regs[APIC_LVT0], &lvt0, 4);
	boot_lapic_lint_fill(&l);
	memcpy(&lvt0, &l.regs[APIC_LVT0], 4);
	memcpy(&lvt1, &l.regs[APIC_LVT1], 4);
	assert_int_equal((lvt0 >> 8) & 7, APIC_MODE_EXTINT);
	assert_int_equal(lvt0 & 0x10000, 0x10000);  /* other bits kept */
	assert_int_equal((lvt1 >> 8) & 7, APIC_MODE_NMI);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_gdt_contents, setup, teardown),
		cmocka_unit_test(test_gdt_entry_roundtrip),
		cmocka_unit_test_setup_teardown(test_page_tables, setup, teardown),
		cmocka_unit_test(test_page_tables_need_memory),
		cmocka_unit_test(test_sregs_long_mode),
		cmocka_unit_test(test_regs),
		cmocka_unit_test(test_msrs_and_fpu),
		cmocka_unit_test(test_lapic_lint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
