#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "checked.h"
#include "layout.h"

#define CAP(c) { c, #c }
const struct kvm_cap_req kvm_required_caps[] = {
	CAP(KVM_CAP_IRQCHIP),
	CAP(KVM_CAP_HLT),
	CAP(KVM_CAP_USER_MEMORY),
	CAP(KVM_CAP_SET_TSS_ADDR),
	CAP(KVM_CAP_SET_IDENTITY_MAP_ADDR),
	CAP(KVM_CAP_PIT2),
	CAP(KVM_CAP_IOEVENTFD),
	CAP(KVM_CAP_IRQFD),
	CAP(KVM_CAP_IRQ_ROUTING),
	CAP(KVM_CAP_IRQFD_RESAMPLE),
	CAP(KVM_CAP_EXT_CPUID),
	CAP(KVM_CAP_MP_STATE),
	CAP(KVM_CAP_IMMEDIATE_EXIT),
};
#undef CAP
const size_t kvm_n_required_caps = ARRAY_SIZE(kvm_required_caps);

int kvm_open(struct kvm *kvm, const char *path, char *err, size_t errlen)
{
	int fd, ret, v;

	memset(kvm, 0, sizeof(*kvm));
	kvm->sys_fd = kvm->vm_fd = -1;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return ret;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(err, errlen, "KVM API version %d, need %d", v, KVM_API_VERSION);
		close(fd);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < kvm_n_required_caps; i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <= 0) {
			snprintf(err, errlen, "KVM lacks %s", kvm_required_caps[i].name);
			close(fd);
			return -ENOTSUP;
		}
	}
	ret = ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct kvm_run)) {
		snprintf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE returned %d", ret);
		close(fd);
		return -ENOTSUP;
	}
	kvm->vcpu_mmap_size = (size_t)ret;
	ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (ret <= 0)
		ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	kvm->max_vcpus = ret > 0 ? (unsigned int)ret : 4;
	kvm->has_tsc_deadline = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	kvm->sys_fd = fd;
	return 0;
}

static int vm_ioctl(struct kvm *kvm, unsigned long req, unsigned long arg,
		    const char *what, char *err, size_t errlen)
{
	if (ioctl(kvm->vm_fd, req, arg) < 0) {
		int ret = -errno;

		snprintf(err, errlen, "%s failed: %s", what, strerror(errno));
		return ret;
	}
	return 0;
}

int kvm_create_vm(struct kvm *kvm, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t ident = KVM_IDENTITY_MAP_ADDR;
	int ret;

	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (kvm->vm_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "KVM_CREATE_VM failed: %s", strerror(errno));
		kvm->vm_fd = -1;
		return ret;
	}
	/* Both must precede vCPU creation. */
	ret = vm_ioctl(kvm, KVM_SET_IDENTITY_MAP_ADDR, (unsigned long)&ident,
		       "KVM_SET_IDENTITY_MAP_ADDR", err, errlen);
	if (!ret)
		ret = vm_ioctl(kvm, KVM_SET_TSS_ADDR, KVM_TSS_ADDR, "KVM_SET_TSS_ADDR", err, errlen);
	if (!ret)
		ret = vm_ioctl(kvm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP", err, errlen);
	/* The PIT is the kernel's calibration clock; the dummy speaker port
	 * (0x61) is handled in the kernel too. */
	if (!ret)
		ret = vm_ioctl(kvm, KVM_CREATE_PIT2, (unsigned long)&pit, "KVM_CREATE_PIT2", err, errlen);
	return ret;
}

static int set_slot(struct kvm *kvm, uint32_t slot, uint64_t gpa, uint64_t size, void *host,
		    char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int ret = -errno;

		snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION slot %u (0x%llx+0x%llx): %s",
			 slot, (unsigned long long)gpa, (unsigned long long)size, strerror(errno));
		return ret;
	}
	return 0;
}

int kvm_set_memory(struct kvm *kvm, const struct guest_memory *mem, char *err, size_t errlen)
{
	int ret;

	ret = set_slot(kvm, 0, 0, mem->low_size, mem->host, err, errlen);
	if (!ret && mem->high_size)
		ret = set_slot(kvm, 1, LAYOUT_RAM_HIGH_START, mem->high_size,
			       mem->host + mem->low_size, err, errlen);
	return ret;
}

int kvm_irq_line(struct kvm *kvm, unsigned int gsi, bool level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level ? 1 : 0 };

	if (ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		return -errno;
	return 0;
}

int kvm_irqfd(struct kvm *kvm, int fd, unsigned int gsi, int resample_fd, bool assign)
{
	struct kvm_irqfd req = { .fd = (uint32_t)fd, .gsi = gsi };

	if (!assign)
		req.flags = KVM_IRQFD_FLAG_DEASSIGN;
	else if (resample_fd >= 0) {
		req.flags = KVM_IRQFD_FLAG_RESAMPLE;
		req.resamplefd = (uint32_t)resample_fd;
	}
	return ioctl(kvm->vm_fd, KVM_IRQFD, &req) < 0 ? -errno : 0;
}

int kvm_ioeventfd(struct kvm *kvm, int fd, uint64_t addr, unsigned int len,
		  int64_t datamatch, bool assign)
{
	struct kvm_ioeventfd req = { .addr = addr, .len = len, .fd = fd };

	if (datamatch >= 0) {
		req.flags |= KVM_IOEVENTFD_FLAG_DATAMATCH;
		req.datamatch = (uint64_t)datamatch;
	}
	if (!assign)
		req.flags |= KVM_IOEVENTFD_FLAG_DEASSIGN;
	return ioctl(kvm->vm_fd, KVM_IOEVENTFD, &req) < 0 ? -errno : 0;
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	kvm->vm_fd = kvm->sys_fd = -1;
}
