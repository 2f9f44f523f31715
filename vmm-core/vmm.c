#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "boot_cpu.h"
#include "clock.h"
#include "cpuid.h"
#include "log.h"
#include "metrics.h"
#include "tables.h"

static json_t *vmm_workers(void *opaque)
{
	struct vmm *vmm = opaque;

	return vmm->plane_planned ? device_plane_workers_json(&vmm->plane) : json_array();
}

int vmm_init(struct vmm *vmm, const char *kvm_path, uint64_t start_ns, uint64_t start_cpu_ns,
	     struct metrics *metrics)
{
	int ret;

	memset(vmm, 0, sizeof(*vmm));
	vmm->kvm_path = kvm_path;
	vmm->start_ns = start_ns;
	vmm->start_cpu_ns = start_cpu_ns;
	vmm->metrics = metrics;
	vmm->kvm.sys_fd = vmm->kvm.vm_fd = -1;
	vmm->mem.memfd = -1;
	vmm->serial_fd = -1;
	vmm->state = VM_STATE_NOT_STARTED;
	pthread_mutex_init(&vmm->lock, NULL);
	vmm->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vmm->exit_fd < 0)
		return -errno;
	/* Every metrics line says how the device workers are doing, the
	 * last one (flushed before teardown) included. */
	if (metrics) {
		ret = metrics_add_section(metrics, "workers", vmm_workers, vmm);
		if (ret)
			return ret;
	}
	return vcpu_signals_init();
}

void vmm_set_host(struct vmm *vmm, struct event_base *base,
		  const struct device_plane_opts *plane_opts)
{
	vmm->base = base;
	vmm->plane_opts = *plane_opts;
}

int vmm_exit_fd(const struct vmm *vmm)
{
	return vmm->exit_fd;
}

int vmm_exit_status(struct vmm *vmm)
{
	int status;

	pthread_mutex_lock(&vmm->lock);
	status = vmm->exit_status;
	pthread_mutex_unlock(&vmm->lock);
	return status;
}

/* The one way the VM ends: the first report wins, every vCPU leaves its
 * loop, and the event loop is woken through the eventfd (safe from any
 * thread, unlike touching the event_base). */
static void vmm_request_exit(struct vmm *vmm, int status)
{
	uint64_t one = 1;
	bool first;

	pthread_mutex_lock(&vmm->lock);
	first = !vmm->exit_requested;
	if (first) {
		vmm->exit_requested = true;
		vmm->exit_status = status;
		vmm->state = VM_STATE_HALTED;
	}
	pthread_mutex_unlock(&vmm->lock);
	if (!first)
		return;
	if (vmm->ctl_ready)
		vcpu_control_stop(&vmm->ctl, vmm->vcpus, vmm->n_vcpus);
	if (write(vmm->exit_fd, &one, sizeof(one)) < 0)
		log_err("cannot signal VM exit: %s", strerror(errno));
}

static void on_vcpu_stop(void *opaque, enum vcpu_stop_reason reason)
{
	vmm_request_exit(opaque, reason == VCPU_STOP_SHUTDOWN ? 0 : 1);
}

static void on_i8042_reset(void *opaque)
{
	log_info("guest reset through the i8042 controller");
	vmm_request_exit(opaque, 0);
}

static void on_acpi_poweroff(void *opaque)
{
	log_info("guest powered off through ACPI");
	vmm_request_exit(opaque, 0);
}

static void on_guest_booted(void *opaque, uint64_t us)
{
	struct vmm *vmm = opaque;

	if (vmm->metrics)
		metrics_set_boot_time(vmm->metrics, us);
}

static void irq_set_level(void *opaque, unsigned int gsi, bool level)
{
	struct vmm *vmm = opaque;
	int ret = kvm_irq_line(&vmm->kvm, gsi, level);

	if (ret)
		log_warn("KVM_IRQ_LINE gsi %u level %d: %s", gsi, level, strerror(-ret));
}

static int open_serial_out(struct vmm *vmm, const struct vm_config *cfg, char *err, size_t errlen)
{
	const char *path = cfg->serial.serial_out_path;

	if (!path) {
		vmm->serial_fd = STDOUT_FILENO;
		vmm->serial_fd_owned = false;
		return 0;
	}
	vmm->serial_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY | O_CLOEXEC, 0600);
	if (vmm->serial_fd < 0) {
		int ret = -errno;

		snprintf(err, errlen, "Cannot open serial output '%s': %s", path, strerror(errno));
		return ret;
	}
	vmm->serial_fd_owned = true;
	return 0;
}

static int setup_devices(struct vmm *vmm, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct irq_line serial_irq = { irq_set_level, vmm, LAYOUT_SERIAL_IRQ };
	struct irq_line kbd_irq = { irq_set_level, vmm, I8042_KBD_IRQ };
	int ret;

	ret = open_serial_out(vmm, cfg, err, errlen);
	if (ret)
		return ret;
	io_bus_init(&vmm->pio);
	io_bus_init(&vmm->mmio);
	serial_init(&vmm->serial, vmm->serial_fd, &serial_irq);
	i8042_init(&vmm->i8042, &kbd_irq, on_i8042_reset, vmm);
	boot_timer_init(&vmm->boot_timer, vmm->start_ns, vmm->start_cpu_ns, on_guest_booted, vmm);
	rtc_init(&vmm->rtc, NULL);
	acpi_sleep_init(&vmm->acpi_sleep, on_acpi_poweroff, vmm);
	vmm->devices_ready = true;

	ret = io_bus_register(&vmm->pio, SERIAL_COM1_BASE, SERIAL_NR_PORTS, &serial_ops,
			      &vmm->serial, "serial");
	if (!ret)
		ret = io_bus_register(&vmm->pio, I8042_BASE, I8042_SIZE, &i8042_ops,
				      &vmm->i8042, "i8042");
	if (!ret)
		ret = io_bus_register(&vmm->pio, RTC_BASE, RTC_SIZE, &rtc_ops, &vmm->rtc, "rtc");
	if (!ret)
		ret = io_bus_register(&vmm->pio, ACPI_SLEEP_BASE, ACPI_SLEEP_SIZE, &acpi_sleep_ops,
				      &vmm->acpi_sleep, "acpi-sleep");
	/* Firecracker maps the boot timer only with --boot-timer. */
	if (!ret && cfg->boot_timer)
		ret = io_bus_register(&vmm->mmio, LAYOUT_BOOT_TIMER, LAYOUT_BOOT_TIMER_SIZE,
				      &boot_timer_ops, &vmm->boot_timer, "boot-timer");
	if (ret)
		snprintf(err, errlen, "cannot register legacy devices: %s", strerror(-ret));
	return ret;
}

static int open_input(const char *path, const char *what, int *fd, char *err, size_t errlen)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int ret = -errno;

		snprintf(err, errlen, "Cannot open %s '%s': %s", what, path, strerror(errno));
		return ret;
	}
	return 0;
}

static int load_guest(struct vmm *vmm, const struct vm_config *cfg, char *err, size_t errlen)
{
	char cmdline[LAYOUT_CMDLINE_MAX];
	struct boot_params_in in = {
		.kernel_fd = -1,
		.initrd_fd = -1,
		.cmdline = cmdline,
		.pci_enabled = cfg->enable_pci,
		.acpi_rsdp_addr = ACPI_RSDP_ADDR,
	};
	struct platform_desc desc = {
		.vcpu_count = cfg->machine.vcpu_count,
		.pci_enabled = cfg->enable_pci,
	};
	int ret;

	if (!cfg->boot.kernel_image_path) {
		snprintf(err, errlen, "Cannot start microvm without kernel configuration.");
		return -EINVAL;
	}
	desc.mmio_devs = vmm->plane.mmio_desc;
	desc.n_mmio_devs = vmm->plane.n_mmio_desc;
	ret = cmdline_build(cfg->boot.boot_args, cfg->enable_pci, vmm->plane.cmdline_ptrs,
			    vmm->plane.n_cmdline, cmdline, sizeof(cmdline), err, errlen);
	if (ret)
		return ret;
	ret = open_input(cfg->boot.kernel_image_path, "kernel image", &in.kernel_fd, err, errlen);
	if (!ret && cfg->boot.initrd_path)
		ret = open_input(cfg->boot.initrd_path, "initrd", &in.initrd_fd, err, errlen);
	if (!ret)
		ret = boot_load(&vmm->mem, &in, &vmm->entry, err, errlen);
	if (in.kernel_fd >= 0)
		close(in.kernel_fd);
	if (in.initrd_fd >= 0)
		close(in.initrd_fd);
	if (ret)
		return ret;

	ret = acpi_build(&vmm->mem, &desc);
	if (ret) {
		snprintf(err, errlen, "Cannot build ACPI tables: %s", strerror(-ret));
		return ret;
	}
	ret = mptable_build(&vmm->mem, &desc);
	if (ret) {
		snprintf(err, errlen, "Cannot build MP table: %s", strerror(-ret));
		return ret;
	}
	ret = boot_gdt_write(&vmm->mem);
	if (!ret)
		ret = boot_pagetables_write(&vmm->mem);
	if (ret)
		snprintf(err, errlen, "Cannot write boot page tables: %s", strerror(-ret));
	return ret;
}

static int create_vcpus(struct vmm *vmm, const struct machine_config *mc, char *err, size_t errlen)
{
	struct vcpu_topology topo = { .count = mc->vcpu_count, .smt = mc->smt };
	unsigned int count = mc->vcpu_count;
	struct kvm_cpuid2 *supported = NULL;
	int ret;

	if (count == 0 || count > LAYOUT_MAX_VCPUS || count > vmm->kvm.max_vcpus) {
		snprintf(err, errlen, "Cannot create %u vCPUs (KVM allows %u)", count,
			 vmm->kvm.max_vcpus);
		return -EINVAL;
	}
	ret = cpuid_get_supported(vmm->kvm.sys_fd, &supported);
	if (ret) {
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID failed: %s", strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < count; i++) {
		ret = vcpu_create(&vmm->vcpus[i], &vmm->kvm, i, &topo, supported, &vmm->entry,
				  &vmm->ctl, err, errlen);
		if (ret)
			break;
		vmm->n_vcpus = i + 1;
	}
	free(supported);
	return ret;
}

/* Undoes a partial or complete start; vCPU threads must not be running. */
static void release_vm(struct vmm *vmm)
{
	for (unsigned int i = 0; i < vmm->n_vcpus; i++)
		vcpu_destroy(&vmm->vcpus[i]);
	vmm->n_vcpus = 0;
	if (vmm->ctl_ready) {
		vcpu_control_destroy(&vmm->ctl);
		vmm->ctl_ready = false;
	}
	if (vmm->plane_planned)
		device_plane_stop(&vmm->plane);
	vmm->plane_planned = false;
	if (vmm->devices_ready) {
		serial_destroy(&vmm->serial);
		i8042_destroy(&vmm->i8042);
		rtc_destroy(&vmm->rtc);
		vmm->devices_ready = false;
	}
	if (vmm->serial_fd_owned)
		close(vmm->serial_fd);
	vmm->serial_fd = -1;
	vmm->serial_fd_owned = false;
	kvm_close(&vmm->kvm);
	guest_memory_destroy(&vmm->mem);
}

static bool boots_without_acpi(const struct vm_config *cfg)
{
	return cfg->boot.boot_args && strstr(cfg->boot.boot_args, "acpi=off");
}

static int build_vm(struct vmm *vmm, const struct vm_config *cfg, char *err, size_t errlen)
{
	uint64_t mem_bytes;
	bool huge;
	int ret;

	if (__builtin_mul_overflow(cfg->machine.mem_size_mib, MiB, &mem_bytes)) {
		snprintf(err, errlen, "Memory size %llu MiB is too large",
			 (unsigned long long)cfg->machine.mem_size_mib);
		return -EINVAL;
	}
	huge = machine_config_huge_2m(&cfg->machine);
	ret = guest_memory_create(&vmm->mem, mem_bytes, huge);
	if (ret) {
		snprintf(err, errlen, "Cannot allocate %llu MiB of guest memory%s: %s%s",
			 (unsigned long long)cfg->machine.mem_size_mib,
			 huge ? " in 2 MiB huge pages" : "", strerror(-ret),
			 huge && ret == -ENOMEM ?
			 " (is the host's pool, /sys/kernel/mm/hugepages/hugepages-2048kB/"
			 "nr_hugepages, large enough?)" : "");
		return ret;
	}
	/* Devices are placed before the tables that announce them.  Guests
	 * without ACPI learn of virtio-mmio windows from the command line. */
	ret = device_plane_plan(&vmm->plane, cfg, &vmm->plane_opts, boots_without_acpi(cfg),
				err, errlen);
	vmm->plane_planned = true;
	if (ret)
		return ret;
	/* Kernel and tables first: a bad kernel file is the likeliest error
	 * and needs no KVM to be found. */
	ret = load_guest(vmm, cfg, err, errlen);
	if (ret)
		return ret;
	ret = kvm_open(&vmm->kvm, vmm->kvm_path, err, errlen);
	if (!ret)
		ret = kvm_create_vm(&vmm->kvm, err, errlen);
	if (!ret)
		ret = kvm_set_memory(&vmm->kvm, &vmm->mem, err, errlen);
	if (ret)
		return ret;
	ret = setup_devices(vmm, cfg, err, errlen);
	if (!ret)
		ret = device_plane_start(&vmm->plane, &vmm->kvm, &vmm->mem, &vmm->pio, &vmm->mmio,
					 vmm->base, err, errlen);
	if (ret)
		return ret;
	ret = vcpu_control_init(&vmm->ctl, &vmm->pio, &vmm->mmio, on_vcpu_stop, vmm);
	if (ret) {
		snprintf(err, errlen, "cannot set up vCPU control: %s", strerror(-ret));
		return ret;
	}
	vmm->ctl_ready = true;
	return create_vcpus(vmm, &cfg->machine, err, errlen);
}

static int start_vcpus(struct vmm *vmm, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < vmm->n_vcpus; i++) {
		int ret = vcpu_start(&vmm->vcpus[i]);

		if (ret) {
			snprintf(err, errlen, "cannot start vCPU %u thread: %s", i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void join_vcpus(struct vmm *vmm)
{
	for (unsigned int i = 0; i < vmm->n_vcpus; i++) {
		if (vmm->vcpus[i].thread_started) {
			pthread_join(vmm->vcpus[i].thread, NULL);
			vmm->vcpus[i].thread_started = false;
		}
	}
}

static int vmm_instance_start(void *opaque, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct vmm *vmm = opaque;
	int ret;

	pthread_mutex_lock(&vmm->lock);
	ret = vmm->state == VM_STATE_NOT_STARTED ? 0 : -EALREADY;
	pthread_mutex_unlock(&vmm->lock);
	if (ret) {
		snprintf(err, errlen, "The microVM is already running.");
		return ret;
	}
	vmm->instance_start_ns = monotonic_ns();
	vmm->cfg = cfg;
	ret = build_vm(vmm, cfg, err, errlen);
	if (!ret) {
		pthread_mutex_lock(&vmm->lock);
		vmm->state = VM_STATE_RUNNING;
		pthread_mutex_unlock(&vmm->lock);
		ret = start_vcpus(vmm, err, errlen);
		if (ret) {
			/* Some threads may run: stop them and report. */
			vcpu_control_stop(&vmm->ctl, vmm->vcpus, vmm->n_vcpus);
			join_vcpus(vmm);
		}
	}
	if (ret) {
		/* Reported (and logged) by the caller: the API or main. */
		release_vm(vmm);
		pthread_mutex_lock(&vmm->lock);
		vmm->state = VM_STATE_NOT_STARTED;
		pthread_mutex_unlock(&vmm->lock);
		return ret;
	}
	if (vmm->metrics)
		metrics_attach_vcpus(vmm->metrics, vmm->vcpus, vmm->n_vcpus);
	log_info("microVM started: %u vCPU(s), %llu MiB, %s kernel entry 0x%llx (%.1f ms)",
		 vmm->n_vcpus, (unsigned long long)cfg->machine.mem_size_mib,
		 vmm->entry.format == KERNEL_FORMAT_ELF ? "ELF" : "bzImage",
		 (unsigned long long)vmm->entry.entry,
		 (double)(monotonic_ns() - vmm->instance_start_ns) / 1e6);
	return 0;
}

static enum vm_run_state vmm_state(void *opaque)
{
	struct vmm *vmm = opaque;
	enum vm_run_state s;

	pthread_mutex_lock(&vmm->lock);
	s = vmm->state;
	pthread_mutex_unlock(&vmm->lock);
	return s;
}

static int vmm_pause(void *opaque, char *err, size_t errlen)
{
	struct vmm *vmm = opaque;
	enum vm_run_state s = vmm_state(vmm);
	int ret;

	if (s == VM_STATE_PAUSED)
		return 0;
	if (s != VM_STATE_RUNNING) {
		snprintf(err, errlen, "The microVM is not running.");
		return -EINVAL;
	}
	ret = vcpu_control_pause(&vmm->ctl, vmm->vcpus, vmm->n_vcpus, VMM_PAUSE_TIMEOUT_MS);
	pthread_mutex_lock(&vmm->lock);
	if (vmm->state == VM_STATE_RUNNING)
		vmm->state = VM_STATE_PAUSED;
	pthread_mutex_unlock(&vmm->lock);
	if (ret) {
		/* The request stays: the late vCPU parks as soon as it can. */
		snprintf(err, errlen, "Not every vCPU acknowledged the pause within %u ms.",
			 VMM_PAUSE_TIMEOUT_MS);
		log_warn("%s", err);
		return ret;
	}
	log_info("microVM paused");
	return 0;
}

static int vmm_resume(void *opaque, char *err, size_t errlen)
{
	struct vmm *vmm = opaque;
	enum vm_run_state s = vmm_state(vmm);

	if (s == VM_STATE_RUNNING)
		return 0;
	if (s != VM_STATE_PAUSED) {
		snprintf(err, errlen, "The microVM is not paused.");
		return -EINVAL;
	}
	pthread_mutex_lock(&vmm->lock);
	if (vmm->state == VM_STATE_PAUSED)
		vmm->state = VM_STATE_RUNNING;
	pthread_mutex_unlock(&vmm->lock);
	vcpu_control_resume(&vmm->ctl);
	log_info("microVM resumed");
	return 0;
}

static int vmm_send_ctrl_alt_del(void *opaque, char *err, size_t errlen)
{
	struct vmm *vmm = opaque;
	int ret;

	if (vmm_state(vmm) != VM_STATE_RUNNING) {
		snprintf(err, errlen, "The microVM is not running.");
		return -EINVAL;
	}
	ret = i8042_send_ctrl_alt_del(&vmm->i8042);
	if (ret)
		snprintf(err, errlen, "i8042 internal buffer full.");
	return ret;
}

static int vmm_flush_metrics(void *opaque, char *err, size_t errlen)
{
	struct vmm *vmm = opaque;

	if (!vmm->metrics) {
		snprintf(err, errlen, "Metrics are not available.");
		return -ENOTSUP;
	}
	return metrics_flush(vmm->metrics, err, errlen);
}

const struct vmm_control_ops vmm_control_ops = {
	.instance_start = vmm_instance_start,
	.pause = vmm_pause,
	.resume = vmm_resume,
	.send_ctrl_alt_del = vmm_send_ctrl_alt_del,
	.flush_metrics = vmm_flush_metrics,
	.state = vmm_state,
	.workers = vmm_workers,
};

size_t vmm_serial_input(struct vmm *vmm, const uint8_t *buf, size_t len)
{
	enum vm_run_state s = vmm_state(vmm);

	if (s != VM_STATE_RUNNING && s != VM_STATE_PAUSED)
		return 0;
	return serial_receive(&vmm->serial, buf, len);
}

void vmm_teardown(struct vmm *vmm)
{
	if (vmm->metrics)
		(void)metrics_remove_section(vmm->metrics, "workers");
	if (vmm->ctl_ready) {
		vcpu_control_stop(&vmm->ctl, vmm->vcpus, vmm->n_vcpus);
		join_vcpus(vmm);
	}
	if (vmm->metrics)
		metrics_attach_vcpus(vmm->metrics, NULL, 0);
	release_vm(vmm);
	if (vmm->exit_fd >= 0)
		close(vmm->exit_fd);
	vmm->exit_fd = -1;
	pthread_mutex_destroy(&vmm->lock);
}
