#include "vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "boot_cpu.h"
#include "cpuid.h"
#include "kvm.h"
#include "log.h"

/* The kick only has to interrupt KVM_RUN; its handler does nothing. */
#define SIG_VCPU_KICK (SIGRTMIN + 1)

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: KVM_RUN must return EINTR. */
	if (sigaction(SIG_VCPU_KICK, &sa, NULL) < 0)
		return -errno;
	return 0;
}

int vcpu_control_init(struct vcpu_control *ctl, const struct io_bus *pio,
		      const struct io_bus *mmio,
		      void (*on_stop)(void *opaque, enum vcpu_stop_reason reason), void *opaque)
{
	pthread_condattr_t attr;
	int ret;

	memset(ctl, 0, sizeof(*ctl));
	pthread_mutex_init(&ctl->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	ret = pthread_cond_init(&ctl->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (ret)
		return -ret;
	ctl->pio = pio;
	ctl->mmio = mmio;
	ctl->on_stop = on_stop;
	ctl->opaque = opaque;
	return 0;
}

void vcpu_control_destroy(struct vcpu_control *ctl)
{
	pthread_cond_destroy(&ctl->cond);
	pthread_mutex_destroy(&ctl->lock);
}

static int vcpu_ioctl(struct vcpu *v, unsigned long req, void *arg, const char *what,
		      char *err, size_t errlen)
{
	if (ioctl(v->fd, req, arg) < 0) {
		int ret = -errno;

		snprintf(err, errlen, "vCPU %u: %s failed: %s", v->index, what, strerror(errno));
		return ret;
	}
	return 0;
}

static int setup_cpuid(struct vcpu *v, struct kvm *kvm, const struct vcpu_topology *t,
		       const struct kvm_cpuid2 *supported, char *err, size_t errlen)
{
	struct cpuid_topology topo = {
		.apic_id = v->index,
		.vcpu_count = t->count,
		.smt = t->smt && t->count > 1,
		.tsc_deadline = kvm->has_tsc_deadline,
	};
	struct kvm_cpuid2 *c = cpuid_dup(supported);
	int ret;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cpuid_adjust(c, &topo);
	ret = vcpu_ioctl(v, KVM_SET_CPUID2, c, "KVM_SET_CPUID2", err, errlen);
	free(c);
	return ret;
}

static int setup_msrs(struct vcpu *v, char *err, size_t errlen)
{
	/* struct kvm_msrs ends in a flexible array: allocate it with its entries
	 * rather than embedding it in a struct (a GNU extension clang rejects). */
	struct kvm_msrs *m = calloc(1, sizeof(*m) + BOOT_MAX_MSRS * sizeof(m->entries[0]));
	int n, ret = 0;

	if (!m) {
		snprintf(err, errlen, "vCPU %u: out of memory for MSRs", v->index);
		return -ENOMEM;
	}
	m->nmsrs = (uint32_t)boot_msrs_fill(m->entries, BOOT_MAX_MSRS);
	n = ioctl(v->fd, KVM_SET_MSRS, m);
	/* KVM_SET_MSRS returns how many it set, stopping at the first refusal. */
	if (n < 0 || (uint32_t)n != m->nmsrs) {
		snprintf(err, errlen, "vCPU %u: KVM_SET_MSRS refused MSR 0x%x",
			 v->index, n >= 0 && (uint32_t)n < m->nmsrs ? m->entries[n].index : 0);
		ret = -EINVAL;
	}
	free(m);
	return ret;
}

static int setup_lapic(struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_lapic_state l;
	int ret;

	ret = vcpu_ioctl(v, KVM_GET_LAPIC, &l, "KVM_GET_LAPIC", err, errlen);
	if (ret)
		return ret;
	boot_lapic_lint_fill(&l);
	return vcpu_ioctl(v, KVM_SET_LAPIC, &l, "KVM_SET_LAPIC", err, errlen);
}

static int setup_boot_regs(struct vcpu *v, const struct boot_entry *entry,
			   char *err, size_t errlen)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	ret = vcpu_ioctl(v, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS", err, errlen);
	if (ret)
		return ret;
	boot_sregs_fill(&sregs);
	ret = vcpu_ioctl(v, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS", err, errlen);
	if (ret)
		return ret;
	boot_regs_fill(&regs, entry);
	return vcpu_ioctl(v, KVM_SET_REGS, &regs, "KVM_SET_REGS", err, errlen);
}

int vcpu_create(struct vcpu *v, struct kvm *kvm, unsigned int index,
		const struct vcpu_topology *topo, const struct kvm_cpuid2 *supported,
		const struct boot_entry *entry, struct vcpu_control *ctl,
		char *err, size_t errlen)
{
	struct kvm_fpu fpu;
	void *run;
	int ret;

	memset(v, 0, sizeof(*v));
	v->index = index;
	v->ctl = ctl;
	v->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (v->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "KVM_CREATE_VCPU %u failed: %s", index, strerror(errno));
		v->fd = -1;
		return ret;
	}
	run = mmap(NULL, kvm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		snprintf(err, errlen, "vCPU %u: mmap of kvm_run failed: %s", index, strerror(errno));
		goto err_close;
	}
	v->run = run;
	v->run_size = kvm->vcpu_mmap_size;

	ret = setup_cpuid(v, kvm, topo, supported, err, errlen);
	if (!ret)
		ret = setup_msrs(v, err, errlen);
	if (!ret) {
		boot_fpu_fill(&fpu);
		ret = vcpu_ioctl(v, KVM_SET_FPU, &fpu, "KVM_SET_FPU", err, errlen);
	}
	if (!ret)
		ret = setup_lapic(v, err, errlen);
	/* Application processors stay in wait-for-SIPI (KVM's default
	 * with an in-kernel LAPIC); the kernel starts them itself. */
	if (!ret && index == 0)
		ret = setup_boot_regs(v, entry, err, errlen);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(v->run, v->run_size);
	v->run = NULL;
err_close:
	close(v->fd);
	v->fd = -1;
	return ret;
}

void vcpu_destroy(struct vcpu *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	v->run = NULL;
	v->fd = -1;
}

static void report_stop(struct vcpu *v, enum vcpu_stop_reason reason)
{
	struct vcpu_control *ctl = v->ctl;

	if (ctl->on_stop)
		ctl->on_stop(ctl->opaque, reason);
}

/* Port I/O: string instructions arrive as count back-to-back items. */
static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size;

	if (run->io.direction == KVM_EXIT_IO_OUT)
		atomic_fetch_add_explicit(&v->stats.exit_io_out, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&v->stats.exit_io_in, 1, memory_order_relaxed);
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			io_bus_write(v->ctl->pio, run->io.port, data, size);
		else
			io_bus_read(v->ctl->pio, run->io.port, data, size);
	}
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned int len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data))
		return;
	if (run->mmio.is_write) {
		atomic_fetch_add_explicit(&v->stats.exit_mmio_write, 1, memory_order_relaxed);
		io_bus_write(v->ctl->mmio, run->mmio.phys_addr, run->mmio.data, len);
	} else {
		atomic_fetch_add_explicit(&v->stats.exit_mmio_read, 1, memory_order_relaxed);
		io_bus_read(v->ctl->mmio, run->mmio.phys_addr, run->mmio.data, len);
	}
}

static void log_internal_error(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char buf[256];
	size_t n = 0;
	uint32_t nd = run->internal.ndata;

	if (nd > sizeof(run->internal.data) / sizeof(run->internal.data[0]))
		nd = sizeof(run->internal.data) / sizeof(run->internal.data[0]);
	buf[0] = '\0';
	for (uint32_t i = 0; i < nd && n < sizeof(buf) - 20; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " 0x%llx",
				      (unsigned long long)run->internal.data[i]);
	log_err("vCPU %u: KVM internal error, suberror %u (%s), data:%s", v->index,
		run->internal.suberror,
		run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? "emulation failure" :
		run->internal.suberror == KVM_INTERNAL_ERROR_SIMUL_EX ? "exception while delivering exception" :
		run->internal.suberror == KVM_INTERNAL_ERROR_DELIVERY_EV ? "event delivery failed" : "other",
		buf);
}

/* Returns true when the loop must end. */
static bool handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		return false;
	case KVM_EXIT_MMIO:
		handle_mmio(v);
		return false;
	case KVM_EXIT_INTR:
		atomic_fetch_add_explicit(&v->stats.exit_intr, 1, memory_order_relaxed);
		return false;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; a halted guest is a stopped one. */
		log_info("vCPU %u halted", v->index);
		report_stop(v, VCPU_STOP_SHUTDOWN);
		return true;
	case KVM_EXIT_SHUTDOWN:
		/* Triple fault: Linux's last-resort reboot method. */
		atomic_fetch_add_explicit(&v->stats.exit_shutdown, 1, memory_order_relaxed);
		log_info("vCPU %u: guest shutdown (triple fault or reset)", v->index);
		report_stop(v, VCPU_STOP_SHUTDOWN);
		return true;
	case KVM_EXIT_SYSTEM_EVENT:
		atomic_fetch_add_explicit(&v->stats.exit_shutdown, 1, memory_order_relaxed);
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ||
		    run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
			log_info("vCPU %u: guest %s", v->index,
				 run->system_event.type == KVM_SYSTEM_EVENT_RESET ? "reset" : "power off");
			report_stop(v, VCPU_STOP_SHUTDOWN);
		} else {
			log_err("vCPU %u: guest system event %u", v->index, run->system_event.type);
			report_stop(v, VCPU_STOP_ERROR);
		}
		return true;
	case KVM_EXIT_FAIL_ENTRY:
		atomic_fetch_add_explicit(&v->stats.failures, 1, memory_order_relaxed);
		log_err("vCPU %u: KVM_RUN entry failed, hardware reason 0x%llx", v->index,
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		report_stop(v, VCPU_STOP_ERROR);
		return true;
	case KVM_EXIT_INTERNAL_ERROR:
		atomic_fetch_add_explicit(&v->stats.failures, 1, memory_order_relaxed);
		log_internal_error(v);
		report_stop(v, VCPU_STOP_ERROR);
		return true;
	default:
		atomic_fetch_add_explicit(&v->stats.exit_other, 1, memory_order_relaxed);
		log_err("vCPU %u: unexpected KVM exit reason %u", v->index, run->exit_reason);
		report_stop(v, VCPU_STOP_ERROR);
		return true;
	}
}

/* Honours pause and stop requests; returns true when the thread must end.
 * immediate_exit is only cleared here, under the lock, so a kick that the
 * requester armed after our last check can never be lost. */
static bool check_control(struct vcpu *v)
{
	struct vcpu_control *ctl = v->ctl;
	bool stop;

	pthread_mutex_lock(&ctl->lock);
	if (ctl->pause_requested && !ctl->stop_requested) {
		ctl->n_paused++;
		pthread_cond_broadcast(&ctl->cond);
		while (ctl->pause_requested && !ctl->stop_requested)
			pthread_cond_wait(&ctl->cond, &ctl->lock);
		ctl->n_paused--;
	}
	stop = ctl->stop_requested;
	if (!stop)
		v->run->immediate_exit = 0;
	pthread_mutex_unlock(&ctl->lock);
	return stop;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vcpu_control *ctl = v->ctl;
	char name[16];
	sigset_t set;

	snprintf(name, sizeof(name), "vcpu%u", v->index);
	pthread_setname_np(pthread_self(), name);
	/* Process signals (SIGINT, SIGTERM, ...) belong to the main thread. */
	sigfillset(&set);
	sigdelset(&set, SIG_VCPU_KICK);
	pthread_sigmask(SIG_SETMASK, &set, NULL);

	while (!check_control(v)) {
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			atomic_fetch_add_explicit(&v->stats.failures, 1, memory_order_relaxed);
			log_err("vCPU %u: KVM_RUN failed: %s", v->index, strerror(errno));
			report_stop(v, VCPU_STOP_ERROR);
			break;
		}
		if (handle_exit(v))
			break;
	}

	pthread_mutex_lock(&ctl->lock);
	ctl->n_live--;
	pthread_cond_broadcast(&ctl->cond);
	pthread_mutex_unlock(&ctl->lock);
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	struct vcpu_control *ctl = v->ctl;
	int ret;

	pthread_mutex_lock(&ctl->lock);
	ctl->n_live++;
	pthread_mutex_unlock(&ctl->lock);
	ret = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (ret) {
		pthread_mutex_lock(&ctl->lock);
		ctl->n_live--;
		pthread_mutex_unlock(&ctl->lock);
		return -ret;
	}
	v->thread_started = true;
	return 0;
}

/* Call with ctl->lock held. */
static void kick_all(struct vcpu *vcpus, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!vcpus[i].thread_started || !vcpus[i].run)
			continue;
		/* Armed before the signal: if the thread is between its check
		 * and KVM_RUN, KVM_RUN returns at once instead. */
		vcpus[i].run->immediate_exit = 1;
		pthread_kill(vcpus[i].thread, SIG_VCPU_KICK);
	}
}

static void deadline_after(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int vcpu_control_pause(struct vcpu_control *ctl, struct vcpu *vcpus, unsigned int n,
		       unsigned int timeout_ms)
{
	struct timespec deadline;
	int ret = 0;

	deadline_after(&deadline, timeout_ms);
	pthread_mutex_lock(&ctl->lock);
	ctl->pause_requested = true;
	kick_all(vcpus, n);
	while (ctl->n_paused < ctl->n_live && !ctl->stop_requested) {
		if (pthread_cond_timedwait(&ctl->cond, &ctl->lock, &deadline) == ETIMEDOUT) {
			ret = ctl->n_paused < ctl->n_live ? -ETIMEDOUT : 0;
			break;
		}
	}
	pthread_mutex_unlock(&ctl->lock);
	return ret;
}

void vcpu_control_resume(struct vcpu_control *ctl)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->pause_requested = false;
	pthread_cond_broadcast(&ctl->cond);
	pthread_mutex_unlock(&ctl->lock);
}

void vcpu_control_stop(struct vcpu_control *ctl, struct vcpu *vcpus, unsigned int n)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->stop_requested = true;
	kick_all(vcpus, n);
	pthread_cond_broadcast(&ctl->cond);
	pthread_mutex_unlock(&ctl->lock);
}
