#include "boot_cpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>

#include "layout.h"

uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000U) << 32) |
	       ((uint64_t)(flags & 0xf0ffU) << 40) |
	       ((uint64_t)(limit & 0x000f0000U) << 32) |
	       ((uint64_t)(base & 0x00ffffffU) << 16) |
	       (uint64_t)(limit & 0x0000ffffU);
}

void gdt_to_kvm_segment(uint64_t entry, unsigned int index, struct kvm_segment *seg)
{
	uint32_t limit = (uint32_t)((entry & 0xffff) | ((entry >> 32) & 0xf0000));
	uint8_t g = (entry >> 55) & 1;

	memset(seg, 0, sizeof(*seg));
	seg->base = ((entry >> 16) & 0xffffff) | (((entry >> 56) & 0xff) << 24);
	/* KVM wants the limit in bytes: with G set it counts 4 KiB pages. */
	seg->limit = g ? (limit << 12) | 0xfff : limit;
	seg->selector = (uint16_t)(index * 8);
	seg->type = (entry >> 40) & 0xf;
	seg->s = (entry >> 44) & 1;
	seg->dpl = (entry >> 45) & 3;
	seg->present = (entry >> 47) & 1;
	seg->avl = (entry >> 52) & 1;
	seg->l = (entry >> 53) & 1;
	seg->db = (entry >> 54) & 1;
	seg->g = g;
	seg->unusable = seg->present ? 0 : 1;
}

/* Flat 64-bit code, flat data, and a TSS that Intel requires to be valid
 * when entering with paging on (it is never used). */
static void boot_gdt(uint64_t gdt[BOOT_GDT_ENTRIES])
{
	gdt[0] = 0;
	gdt[BOOT_GDT_CODE] = gdt_entry(0xa09b, 0, 0xfffff);
	gdt[BOOT_GDT_DATA] = gdt_entry(0xc093, 0, 0xfffff);
	gdt[BOOT_GDT_TSS] = gdt_entry(0x808b, 0, 0xfffff);
}

int boot_gdt_write(const struct guest_memory *mem)
{
	uint64_t gdt[BOOT_GDT_ENTRIES], idt = 0;
	int ret;

	boot_gdt(gdt);
	ret = guest_memory_write(mem, LAYOUT_GDT_START, gdt, sizeof(gdt));
	if (!ret)
		ret = guest_memory_write(mem, LAYOUT_IDT_START, &idt, sizeof(idt));
	return ret;
}

#define PTE_PRESENT 0x1ULL
#define PTE_RW      0x2ULL
#define PTE_PS      0x80ULL

int boot_pagetables_write(const struct guest_memory *mem)
{
	uint64_t *pml4 = guest_memory_ptr(mem, LAYOUT_PML4_START, 4096);
	uint64_t *pdpt = guest_memory_ptr(mem, LAYOUT_PDPTE_START, 4096);
	uint64_t *pd = guest_memory_ptr(mem, LAYOUT_PDE_START, 4096);

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = LAYOUT_PDPTE_START | PTE_PRESENT | PTE_RW;
	pdpt[0] = LAYOUT_PDE_START | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_RW | PTE_PS;
	return 0;
}

void boot_sregs_fill(struct kvm_sregs *s)
{
	uint64_t gdt[BOOT_GDT_ENTRIES];
	struct kvm_segment code, data, tss;

	boot_gdt(gdt);
	gdt_to_kvm_segment(gdt[BOOT_GDT_CODE], BOOT_GDT_CODE, &code);
	gdt_to_kvm_segment(gdt[BOOT_GDT_DATA], BOOT_GDT_DATA, &data);
	gdt_to_kvm_segment(gdt[BOOT_GDT_TSS], BOOT_GDT_TSS, &tss);

	s->gdt.base = LAYOUT_GDT_START;
	s->gdt.limit = sizeof(gdt) - 1;
	s->idt.base = LAYOUT_IDT_START;
	s->idt.limit = sizeof(uint64_t) - 1;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = tss;

	/* Caching on (KVM resets with CD|NW set), protection and paging on. */
	s->cr0 = (s->cr0 | X86_CR0_PE | X86_CR0_ET | X86_CR0_PG) & ~(X86_CR0_CD | X86_CR0_NW);
	s->cr3 = LAYOUT_PML4_START;
	s->cr4 |= X86_CR4_PAE;
	s->efer |= EFER_LME | EFER_LMA;
}

void boot_regs_fill(struct kvm_regs *r, const struct boot_entry *entry)
{
	memset(r, 0, sizeof(*r));
	r->rflags = 0x2;  /* bit 1 is reserved and always set */
	r->rip = entry->entry;
	r->rsp = LAYOUT_BOOT_STACK;
	r->rbp = LAYOUT_BOOT_STACK;
	r->rsi = entry->zero_page;
}

void boot_fpu_fill(struct kvm_fpu *f)
{
	memset(f, 0, sizeof(*f));
	f->fcw = 0x37f;      /* x87 default: all exceptions masked, extended precision */
	f->mxcsr = 0x1f80;   /* SSE default: all exceptions masked */
}

size_t boot_msrs_fill(struct kvm_msr_entry *e, size_t max)
{
	static const struct {
		uint32_t index;
		uint64_t data;
	} msrs[] = {
		{ MSR_IA32_SYSENTER_CS, 0 },
		{ MSR_IA32_SYSENTER_ESP, 0 },
		{ MSR_IA32_SYSENTER_EIP, 0 },
		{ MSR_STAR, 0 },
		{ MSR_CSTAR, 0 },
		{ MSR_KERNEL_GS_BASE, 0 },
		{ MSR_SYSCALL_MASK, 0 },
		{ MSR_LSTAR, 0 },
		{ MSR_IA32_TSC, 0 },
		{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING },
		/* No firmware programs MTRRs: default everything to write-back
		 * or Linux may map RAM uncached. */
		{ MSR_MTRR_DEF_TYPE, MTRR_ENABLE | MTRR_TYPE_WRBACK },
	};
	size_t n = sizeof(msrs) / sizeof(msrs[0]);

	if (n > max)
		n = max;
	for (size_t i = 0; i < n; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].index = msrs[i].index;
		e[i].data = msrs[i].data;
	}
	return n;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned int off)
{
	uint32_t v;

	memcpy(&v, &l->regs[off], sizeof(v));
	return v;
}

static void lapic_reg_set(struct kvm_lapic_state *l, unsigned int off, uint32_t v)
{
	memcpy(&l->regs[off], &v, sizeof(v));
}

/* The delivery mode lives in LVT bits 8-10. */
static uint32_t lvt_with_mode(uint32_t lvt, uint32_t mode)
{
	return (lvt & ~0x700U) | (mode << 8);
}

void boot_lapic_lint_fill(struct kvm_lapic_state *l)
{
	lapic_reg_set(l, APIC_LVT0, lvt_with_mode(lapic_reg(l, APIC_LVT0), APIC_MODE_EXTINT));
	lapic_reg_set(l, APIC_LVT1, lvt_with_mode(lapic_reg(l, APIC_LVT1), APIC_MODE_NMI));
}
