/* The CPUID table each vCPU sees: KVM's supported set, with the topology
 * rewritten for this VM (APIC id, logical count, cores per package, leaves
 * 0xb/0x1f/0x8000001e per vCPU) and the hypervisor bit set.  Pure data
 * manipulation on struct kvm_cpuid2 so that unit tests run it on a
 * synthetic table. */
#ifndef SPLITVM_CPUID_H
#define SPLITVM_CPUID_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_cpuid2;
struct kvm_cpuid_entry2;

enum cpu_vendor {
	CPU_VENDOR_OTHER,
	CPU_VENDOR_INTEL,
	CPU_VENDOR_AMD,
};

struct cpuid_topology {
	unsigned int apic_id;     /* == vCPU index */
	unsigned int vcpu_count;  /* 1..LAYOUT_MAX_VCPUS */
	bool smt;                 /* two threads per core (vcpu_count even) */
	bool tsc_deadline;        /* the in-kernel LAPIC offers the TSC deadline timer */
};

#define CPUID_MAX_ENTRIES 256

/* KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd; *out is malloc'd. */
int cpuid_get_supported(int sys_fd, struct kvm_cpuid2 **out);

/* A copy of src with room for the same entries; NULL on ENOMEM. */
struct kvm_cpuid2 *cpuid_dup(const struct kvm_cpuid2 *src);

enum cpu_vendor cpuid_vendor(const struct kvm_cpuid2 *c);

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index);

/* Rewrites c in place for the vCPU described by t. */
void cpuid_adjust(struct kvm_cpuid2 *c, const struct cpuid_topology *t);

#define CPUID_1_ECX_TSC_DEADLINE (1U << 24)
#define CPUID_1_ECX_HYPERVISOR   (1U << 31)
#define CPUID_1_EDX_HTT          (1U << 28)

#endif
