/* The KVM system and VM file descriptors: opening /dev/kvm, checking that
 * every capability splitvm relies on is there (naming the missing one),
 * creating the VM with its in-kernel irqchip and PIT, and registering
 * guest RAM as memory slots. */
#ifndef SPLITVM_KVM_H
#define SPLITVM_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "memory.h"

/* The TSS and the real-mode identity page that KVM needs on Intel hosts
 * without unrestricted guest; placed in the MMIO hole, away from every
 * address in layout.h. */
#define KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL
#define KVM_TSS_ADDR          0xfffbd000ULL

struct kvm {
	int sys_fd;               /* /dev/kvm */
	int vm_fd;
	size_t vcpu_mmap_size;    /* size of each vCPU's struct kvm_run mapping */
	unsigned int max_vcpus;
	bool has_tsc_deadline;
};

/* A capability the core needs, for the table and for error messages. */
struct kvm_cap_req {
	int cap;
	const char *name;
};
extern const struct kvm_cap_req kvm_required_caps[];
extern const size_t kvm_n_required_caps;

/* Opens path (normally "/dev/kvm"), checks the API version and every
 * required capability.  On failure returns -errno and a message in err
 * ("KVM lacks KVM_CAP_IRQCHIP", "cannot open /dev/kvm: ..."). */
int kvm_open(struct kvm *kvm, const char *path, char *err, size_t errlen);

/* Creates the VM: TSS and identity map, in-kernel irqchip (PIC, IOAPIC,
 * LAPICs) and PIT.  Same error convention. */
int kvm_create_vm(struct kvm *kvm, char *err, size_t errlen);

/* Registers mem's low part at GPA 0 (slot 0) and its high part at
 * LAYOUT_RAM_HIGH_START (slot 1). */
int kvm_set_memory(struct kvm *kvm, const struct guest_memory *mem, char *err, size_t errlen);

/* Drives an irqchip input pin (GSI) to level. Returns 0 or -errno. */
int kvm_irq_line(struct kvm *kvm, unsigned int gsi, bool level);

/* Attaches (assign) or detaches an eventfd to gsi (KVM_IRQFD).  With
 * resample_fd >= 0 the irqfd is level-triggered: the line stays up until
 * the guest's EOI, which KVM reports on resample_fd. */
int kvm_irqfd(struct kvm *kvm, int fd, unsigned int gsi, int resample_fd, bool assign);

/* Registers (assign) or removes an ioeventfd: a guest write of len bytes
 * (1, 2, 4 or 8) at MMIO address addr signals fd without an exit to the
 * core.  datamatch >= 0: only writes of that value. */
int kvm_ioeventfd(struct kvm *kvm, int fd, uint64_t addr, unsigned int len,
		  int64_t datamatch, bool assign);

void kvm_close(struct kvm *kvm);

#endif
