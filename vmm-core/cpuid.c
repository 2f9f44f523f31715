#include "cpuid.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

int cpuid_get_supported(int sys_fd, struct kvm_cpuid2 **out)
{
	unsigned int n = 64;

	/* KVM says E2BIG until the buffer is large enough. */
	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));

		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			*out = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG || n >= CPUID_MAX_ENTRIES * 4)
			return -errno;
		n *= 2;
	}
}

struct kvm_cpuid2 *cpuid_dup(const struct kvm_cpuid2 *src)
{
	size_t sz = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);

	if (c)
		memcpy(c, src, sz);
	return c;
}

enum cpu_vendor cpuid_vendor(const struct kvm_cpuid2 *c)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];
		char v[12];

		if (e->function != 0)
			continue;
		memcpy(v, &e->ebx, 4);
		memcpy(v + 4, &e->edx, 4);
		memcpy(v + 8, &e->ecx, 4);
		if (!memcmp(v, "GenuineIntel", 12))
			return CPU_VENDOR_INTEL;
		if (!memcmp(v, "AuthenticAMD", 12) || !memcmp(v, "HygonGenuine", 12))
			return CPU_VENDOR_AMD;
		return CPU_VENDOR_OTHER;
	}
	return CPU_VENDOR_OTHER;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}

/* Bits needed to number n things: 1 → 0, 2 → 1, 3..4 → 2, 5..8 → 3 ... */
static unsigned int order_of(unsigned int n)
{
	unsigned int bits = 0;

	while ((1U << bits) < n)
		bits++;
	return bits;
}

static unsigned int threads_per_core(const struct cpuid_topology *t)
{
	return t->smt ? 2 : 1;
}

static void fix_leaf1(struct kvm_cpuid_entry2 *e, const struct cpuid_topology *t)
{
	/* EBX: [31:24] initial APIC id, [23:16] addressable logical
	 * processors, [15:8] CLFLUSH line size in 8-byte units. */
	e->ebx = (e->ebx & 0xffU) | (8U << 8) | ((t->vcpu_count & 0xffU) << 16) |
		 ((t->apic_id & 0xffU) << 24);
	e->ecx |= CPUID_1_ECX_HYPERVISOR;
	if (t->tsc_deadline)
		e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
	if (t->vcpu_count > 1)
		e->edx |= CPUID_1_EDX_HTT;
	else
		e->edx &= ~CPUID_1_EDX_HTT;
}

/* Intel deterministic cache parameters: who shares each cache. */
static void fix_leaf4(struct kvm_cpuid_entry2 *e, const struct cpuid_topology *t)
{
	unsigned int cores = t->vcpu_count / threads_per_core(t);
	unsigned int level = (e->eax >> 5) & 0x7;
	unsigned int sharing;

	if ((e->eax & 0x1f) == 0)
		return;  /* no more caches */
	sharing = level >= 3 ? t->vcpu_count : threads_per_core(t);
	e->eax &= 0x3fffU;
	e->eax |= ((sharing - 1) & 0xfffU) << 14;
	e->eax |= ((cores - 1) & 0x3fU) << 26;
}

/* Extended topology (0xb, and 0x1f with the same two levels): SMT, then
 * core; every vCPU reports its own x2APIC id in EDX. */
static void fix_ext_topology(struct kvm_cpuid_entry2 *e, const struct cpuid_topology *t)
{
	unsigned int smt_shift = order_of(threads_per_core(t));
	unsigned int core_shift = order_of(t->vcpu_count);

	if (core_shift < smt_shift)
		core_shift = smt_shift;
	switch (e->index) {
	case 0:
		e->eax = smt_shift;
		e->ebx = threads_per_core(t);
		e->ecx = (1U << 8) | 0;
		break;
	case 1:
		e->eax = core_shift;
		e->ebx = t->vcpu_count;
		e->ecx = (2U << 8) | 1;
		break;
	default:
		e->eax = 0;
		e->ebx = 0;
		e->ecx = e->index & 0xffU;
		break;
	}
	e->edx = t->apic_id;
}

/* AMD: number of cores in the package and how many APIC id bits they use. */
static void fix_amd_80000008(struct kvm_cpuid_entry2 *e, const struct cpuid_topology *t)
{
	e->ecx &= ~0xf0ffU;
	e->ecx |= (t->vcpu_count - 1) & 0xffU;
	e->ecx |= (order_of(t->vcpu_count) & 0xfU) << 12;
}

/* AMD extended APIC id / compute unit / node. */
static void fix_amd_8000001e(struct kvm_cpuid_entry2 *e, const struct cpuid_topology *t)
{
	unsigned int tpc = threads_per_core(t);

	e->eax = t->apic_id;
	e->ebx = ((tpc - 1) << 8) | ((t->apic_id / tpc) & 0xffU);
	e->ecx = 0;  /* node 0, one node per package */
	e->edx = 0;
}

void cpuid_adjust(struct kvm_cpuid2 *c, const struct cpuid_topology *t)
{
	enum cpu_vendor vendor = cpuid_vendor(c);

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 0x1:
			fix_leaf1(e, t);
			break;
		case 0x4:
			if (vendor == CPU_VENDOR_INTEL)
				fix_leaf4(e, t);
			break;
		case 0xb:
		case 0x1f:
			fix_ext_topology(e, t);
			break;
		case 0x80000008:
			if (vendor == CPU_VENDOR_AMD)
				fix_amd_80000008(e, t);
			break;
		case 0x8000001e:
			if (vendor == CPU_VENDOR_AMD)
				fix_amd_8000001e(e, t);
			break;
		default:
			break;
		}
	}
}
