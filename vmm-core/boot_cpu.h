/* The state a vCPU enters the kernel with, per the Linux 64-bit boot
 * protocol: a flat GDT, identity-mapped page tables for the first 1 GiB
 * (2 MiB pages: enough for the kernel, zero page, command line and the
 * decompressor, which builds its own tables for the rest), long mode on,
 * RIP at the 64-bit entry, RSI at the zero page.  Plus the MSRs, FPU and
 * LAPIC LINT setup every vCPU gets, as Firecracker does.  Everything here
 * writes into guest memory or fills KVM structs, so it is unit tested
 * without KVM. */
#ifndef SPLITVM_BOOT_CPU_H
#define SPLITVM_BOOT_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "memory.h"

struct kvm_sregs;
struct kvm_regs;
struct kvm_fpu;
struct kvm_msr_entry;
struct kvm_lapic_state;
struct kvm_segment;

/* GDT selectors (index * 8). */
#define BOOT_GDT_CODE 1
#define BOOT_GDT_DATA 2
#define BOOT_GDT_TSS  3
#define BOOT_GDT_ENTRIES 4

#define BOOT_IDENTITY_MAP_SIZE (1ULL << 30)

/* Encodes a segment descriptor from 16 flag bits (type/S/DPL/P in the
 * low byte, AVL/L/DB/G in bits 12-15), a base and a 20-bit limit. */
uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit);
/* The reverse, as KVM wants it. */
void gdt_to_kvm_segment(uint64_t entry, unsigned int index, struct kvm_segment *seg);

/* Writes the GDT and an empty IDT; returns 0 or -EFAULT. */
int boot_gdt_write(const struct guest_memory *mem);
/* Writes PML4, PDPT and PD mapping [0, 1 GiB) 1:1 with 2 MiB pages. */
int boot_pagetables_write(const struct guest_memory *mem);

/* Fills long-mode segment, control and descriptor-table registers into s,
 * which should hold what KVM_GET_SREGS returned (APIC base etc. are kept). */
void boot_sregs_fill(struct kvm_sregs *s);
void boot_regs_fill(struct kvm_regs *r, const struct boot_entry *entry);
void boot_fpu_fill(struct kvm_fpu *f);

/* Fills the boot MSRs into e (at most max); returns how many. */
size_t boot_msrs_fill(struct kvm_msr_entry *e, size_t max);
#define BOOT_MAX_MSRS 16

/* LINT0 as ExtINT (the PIC's output), LINT1 as NMI: what the MP spec's
 * virtual-wire mode expects and what Linux assumes at boot. */
void boot_lapic_lint_fill(struct kvm_lapic_state *l);

#define X86_CR0_PE  (1ULL << 0)
#define X86_CR0_ET  (1ULL << 4)
#define X86_CR0_NW  (1ULL << 29)
#define X86_CR0_CD  (1ULL << 30)
#define X86_CR0_PG  (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define EFER_LME    (1ULL << 8)
#define EFER_LMA    (1ULL << 10)

#define MSR_IA32_TSC            0x10
#define MSR_IA32_SYSENTER_CS    0x174
#define MSR_IA32_SYSENTER_ESP   0x175
#define MSR_IA32_SYSENTER_EIP   0x176
#define MSR_IA32_MISC_ENABLE    0x1a0
#define MSR_MTRR_DEF_TYPE       0x2ff
#define MSR_STAR                0xc0000081
#define MSR_LSTAR               0xc0000082
#define MSR_CSTAR               0xc0000083
#define MSR_SYSCALL_MASK        0xc0000084
#define MSR_KERNEL_GS_BASE      0xc0000102

#define MISC_ENABLE_FAST_STRING 1ULL
#define MTRR_ENABLE             (1ULL << 11)
#define MTRR_TYPE_WRBACK        6ULL

#define APIC_LVT0        0x350
#define APIC_LVT1        0x360
#define APIC_MODE_NMI    0x4
#define APIC_MODE_EXTINT 0x7

#endif
