/* CPUID shaping on synthetic "supported" tables, Intel and AMD: per-vCPU
 * APIC ids everywhere the topology shows, the hypervisor bit, counts. */
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cpuid.h"

#define N_ENTRIES 12

static struct kvm_cpuid2 *make_table(const char vendor[12])
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + N_ENTRIES * sizeof(c->entries[0]));
	struct kvm_cpuid_entry2 *e;
	unsigned int n = 0;

	assert_non_null(c);
	e = &c->entries[n++];
	e->function = 0;
	e->eax = 0x1f;
	memcpy(&e->ebx, vendor, 4);
	memcpy(&e->edx, vendor + 4, 4);
	memcpy(&e->ecx, vendor + 8, 4);
	/* Host values that must not leak: APIC id 0x2a, 64 logical CPUs. */
	e = &c->entries[n++];
	e->function = 1;
	e->eax = 0x00800f12;
	e->ebx = 0x2a400800 | 0x07;
	e->ecx = 0x7ed8320b;
	e->edx = 0x178bfbff;
	for (uint32_t i = 0; i < 3; i++) {
		e = &c->entries[n++];
		e->function = 4;
		e->index = i;
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		/* type data/instruction/unified, level 1, 2, 3; host shares 63 ways */
		e->eax = (63U << 26) | (15U << 14) | ((i + 1) << 5) | (i == 0 ? 1 : 3);
		e->ebx = 0x01c0003f;
	}
	for (uint32_t i = 0; i < 2; i++) {
		e = &c->entries[n++];
		e->function = 0xb;
		e->index = i;
		e->flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
		e->eax = i ? 7 : 1;
		e->ebx = i ? 64 : 2;
		e->ecx = ((i + 1) << 8) | i;
		e->edx = 0x2a;
	}
	e = &c->entries[n++];
	e->function = 0x80000008;
	e->eax = 0x3030;
	e->ecx = 0x703f;  /* 64 cores, 7 APIC id bits */
	e = &c->entries[n++];
	e->function = 0x8000001e;
	e->eax = 0x2a;
	e->ebx = 0x0115;
	e->ecx = 0x0300;
	e = &c->entries[n++];
	e->function = 0x40000000;
	e->eax = 0x40000001;
	c->nent = n;
	return c;
}

static struct kvm_cpuid_entry2 *get(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(c, fn, idx);

	assert_non_null(e);
	return e;
}

static void test_vendor(void **state)
{
	struct kvm_cpuid2 *i = make_table("GenuineIntel"), *a = make_table("AuthenticAMD");

	assert_int_equal(cpuid_vendor(i), CPU_VENDOR_INTEL);
	assert_int_equal(cpuid_vendor(a), CPU_VENDOR_AMD);
	free(i);
	free(a);
}

static void test_leaf1_per_vcpu(void **state)
{
	for (unsigned int id = 0; id < 4; id++) {
		struct kvm_cpuid2 *c = make_table("GenuineIntel");
		struct cpuid_topology t = { .apic_id = id, .vcpu_count = 4 };
		struct kvm_cpuid_entry2 *e;

		cpuid_adjust(c, &t);
		e = get(c, 1, 0);
		assert_int_equal(e->ebx >> 24, id);
		assert_int_equal((e->ebx >> 16) & 0xff, 4);
		assert_int_equal((e->ebx >> 8) & 0xff, 8);
		assert_int_equal(e->ebx & 0xff, 0x07);  /* brand index kept */
		assert_true(e->ecx & CPUID_1_ECX_HYPERVISOR);
		assert_true(e->edx & CPUID_1_EDX_HTT);
		assert_int_equal(e->eax, 0x00800f12);   /* signature untouched */
		free(c);
	}
}

static void test_single_vcpu_no_htt(void **state)
{
	struct kvm_cpuid2 *c = make_table("GenuineIntel");
	struct cpuid_topology t = { .apic_id = 0, .vcpu_count = 1, .tsc_deadline = true };
	struct kvm_cpuid_entry2 *e;

	cpuid_adjust(c, &t);
	e = get(c, 1, 0);
	assert_false(e->edx & CPUID_1_EDX_HTT);
	assert_true(e->ecx & CPUID_1_ECX_TSC_DEADLINE);
	assert_int_equal((e->ebx >> 16) & 0xff, 1);
	free(c);
}

static void test_ext_topology(void **state)
{
	struct kvm_cpuid2 *c = make_table("GenuineIntel");
	struct cpuid_topology t = { .apic_id = 5, .vcpu_count = 6 };
	struct kvm_cpuid_entry2 *smt, *core;

	cpuid_adjust(c, &t);
	smt = get(c, 0xb, 0);
	core = get(c, 0xb, 1);
	assert_int_equal(smt->eax, 0);
	assert_int_equal(smt->ebx, 1);
	assert_int_equal(smt->ecx, (1U << 8) | 0);
	assert_int_equal(smt->edx, 5);
	assert_int_equal(core->eax, 3);    /* 6 ids need 3 bits */
	assert_int_equal(core->ebx, 6);
	assert_int_equal(core->ecx, (2U << 8) | 1);
	assert_int_equal(core->edx, 5);
	free(c);
}

static void test_smt_topology(void **state)
{
	struct kvm_cpuid2 *c = make_table("GenuineIntel");
	struct cpuid_topology t = { .apic_id = 3, .vcpu_count = 4, .smt = true };
	struct kvm_cpuid_entry2 *e;

	cpuid_adjust(c, &t);
	e = get(c, 0xb, 0);
	assert_int_equal(e->eax, 1);
	assert_int_equal(e->ebx, 2);
	e = get(c, 4, 0);
	assert_int_equal(e->eax >> 26, 1);             /* 2 cores - 1 */
	assert_int_equal((e->eax >> 14) & 0xfff, 1);   /* L1 shared by 2 threads */
	free(c);
}

static void test_intel_leaf4(void **state)
{
	struct kvm_cpuid2 *c = make_table("GenuineIntel");
	struct cpuid_topology t = { .apic_id = 1, .vcpu_count = 4 };
	struct kvm_cpuid_entry2 *l1, *l3;

	cpuid_adjust(c, &t);
	l1 = get(c, 4, 0);
	l3 = get(c, 4, 2);
	assert_int_equal(l1->eax >> 26, 3);             /* 4 cores */
	assert_int_equal((l1->eax >> 14) & 0xfff, 0);   /* L1 private */
	assert_int_equal((l3->eax >> 14) & 0xfff, 3);   /* L3 shared by all 4 */
	assert_int_equal(l3->eax & 0x3fff, (3U << 5) | 3);  /* type and level kept */
	free(c);
}

static void test_amd_topology(void **state)
{
	struct kvm_cpuid2 *c = make_table("AuthenticAMD");
	struct cpuid_topology t = { .apic_id = 2, .vcpu_count = 4 };
	struct kvm_cpuid_entry2 *e;

	cpuid_adjust(c, &t);
	e = get(c, 0x80000008, 0);
	assert_int_equal(e->ecx & 0xff, 3);
	assert_int_equal((e->ecx >> 12) & 0xf, 2);
	assert_int_equal(e->eax, 0x3030);
	e = get(c, 0x8000001e, 0);
	assert_int_equal(e->eax, 2);
	assert_int_equal(e->ebx & 0xff, 2);
	assert_int_equal((e->ebx >> 8) & 0xff, 0);
	/* Leaf 4 is Intel's: left alone on AMD. */
	e = get(c, 4, 0);
	assert_int_equal(e->eax >> 26, 63);
	free(c);
}

static void test_dup(void **state)
{
	struct kvm_cpuid2 *c = make_table("GenuineIntel"), *d = cpuid_dup(c);
	struct cpuid_topology t = { .apic_id = 1, .vcpu_count = 2 };

	assert_non_null(d);
	cpuid_adjust(d, &t);
	/* The original is untouched: every vCPU starts from the same table. */
	assert_int_equal(get(c, 1, 0)->ebx >> 24, 0x2a);
	assert_int_equal(get(d, 1, 0)->ebx >> 24, 1);
	assert_null(cpuid_find(c, 0xb, 7));
	free(c);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vendor),
		cmocka_unit_test(test_leaf1_per_vcpu),
		cmocka_unit_test(test_single_vcpu_no_htt),
		cmocka_unit_test(test_ext_topology),
		cmocka_unit_test(test_smt_topology),
		cmocka_unit_test(test_intel_leaf4),
		cmocka_unit_test(test_amd_topology),
		cmocka_unit_test(test_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
