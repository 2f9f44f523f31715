#include "virtio_proxy.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "channel.h"
#include "layout.h"
#include "checked.h"
#include "log.h"
#include "memory.h"
#include "supervisor.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

/* virtio 1.2, 5.4: one request queue; 256 descriptors as Firecracker. */
const struct virtio_kind virtio_kind_rng = {
	.name = "rng",
	.device_type = CTL__DEVICE_TYPE__DEVICE_RNG,
	.num_queues = 1,
	.queue_max = 256,
	.pci_class = 0xff0000,     /* "unassigned class": no better fit exists */
};

static void close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void on_mbox_fail(void *opaque, const char *why)
{
	virtio_proxy_fail(opaque, why);
}

static void on_worker_exit(void *opaque, struct worker_proc *w)
{
	struct virtio_proxy *p = opaque;

	(void)w;
	virtio_proxy_fail(p, "its worker exited");
}

int virtio_proxy_init(struct virtio_proxy *p, const struct virtio_kind *kind,
		      const char *id, bool pci, unsigned int deadline_ms, unsigned int spin_ns)
{
	struct mbox_client_params params = {
		.deadline_ms = deadline_ms,
		.spin_ns = spin_ns,
		.on_fail = on_mbox_fail,
		.opaque = p,
	};
	unsigned int n_irq;
	int ret;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->pci = pci;
	p->status_offset = pci ? VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_STATUS
			       : VIRTIO_MMIO_STATUS;
	snprintf(p->id, sizeof(p->id), "%s", id);
	for (unsigned int i = 0; i < VIRTIO_PROXY_MAX_QUEUES; i++)
		p->notify_fd[i] = -1;
	for (unsigned int i = 0; i < VIRTIO_PROXY_MAX_VECTORS; i++)
		p->irq_fd[i] = -1;
	if (kind->num_queues == 0 || kind->num_queues > VIRTIO_PROXY_MAX_QUEUES)
		return -EINVAL;
	p->n_vectors = pci ? kind->num_queues + 1u : 1u;
	n_irq = p->n_vectors;
	for (unsigned int i = 0; i < kind->num_queues; i++) {
		p->notify_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->notify_fd[i] < 0)
			goto fail_errno;
	}
	for (unsigned int i = 0; i < n_irq; i++) {
		p->irq_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->irq_fd[i] < 0)
			goto fail_errno;
	}
	ret = mbox_client_init(&p->mbox, p->id, &params);
	if (ret) {
		log_err("device %s: cannot create its mailbox: %s", p->id, strerror(-ret));
		virtio_proxy_destroy(p);
		return ret;
	}
	p->mbox_ready = true;
	return 0;

fail_errno:
	ret = -errno;
	log_err("device %s: cannot create eventfds: %s", p->id, strerror(errno));
	virtio_proxy_destroy(p);
	return ret;
}

void virtio_proxy_destroy(struct virtio_proxy *p)
{
	if (p->mbox_ready)
		mbox_client_destroy(&p->mbox);
	p->mbox_ready = false;
	close_fds(p->notify_fd, VIRTIO_PROXY_MAX_QUEUES);
	close_fds(p->irq_fd, VIRTIO_PROXY_MAX_VECTORS);
}

void virtio_proxy_fail(struct virtio_proxy *p, const char *why)
{
	bool expected = false;

	if (!atomic_compare_exchange_strong(&p->failed, &expected, true))
		return;
	log_err("device %s (%s): %s; the device now reads as DEVICE_NEEDS_RESET, the VM "
		"carries on", p->id, p->kind->name, why);
	if (p->mbox_ready)
		mbox_client_fail(&p->mbox, why);
	if (p->worker)
		worker_proc_kill(p->worker);
}

static int call(struct virtio_proxy *p, unsigned int type, const void *body, const int *fds,
		unsigned int nfds, const char *what, char *err, size_t errlen)
{
	char why[256] = "";
	int ret = worker_proc_call(p->worker, type, body, fds, nfds, why, sizeof(why));

	if (ret)
		snprintf(err, errlen, "Device %s: worker refused %s: %s", p->id, what,
			 why[0] ? why : strerror(-ret));
	return ret;
}

static int send_memory(struct virtio_proxy *p, const struct guest_memory *mem,
		       char *err, size_t errlen)
{
	Ctl__MemoryRegion low = CTL__MEMORY_REGION__INIT, high = CTL__MEMORY_REGION__INIT;
	Ctl__MemoryRegion *regions[2] = { &low, &high };
	Ctl__MemoryMap mm = CTL__MEMORY_MAP__INIT;

	low.guest_phys_addr = 0;
	low.size = mem->low_size;
	low.memfd_offset = 0;
	high.guest_phys_addr = LAYOUT_RAM_HIGH_START;
	high.size = mem->high_size;
	high.memfd_offset = mem->low_size;
	mm.regions = regions;
	mm.n_regions = mem->high_size ? 2 : 1;
	return call(p, CHAN_MSG_MEMORY_MAP, &mm, &mem->memfd, 1, "MemoryMap", err, errlen);
}

static int send_mailbox(struct virtio_proxy *p, char *err, size_t errlen)
{
	Ctl__Mailbox mb = CTL__MAILBOX__INIT;
	int fds[3];

	mbox_client_fds(&p->mbox, fds);
	mb.layout_version = MBOX_LAYOUT_VERSION;
	mb.shm_size = MBOX_SHM_SIZE;
	return call(p, CHAN_MSG_MAILBOX, &mb, fds, 3, "Mailbox", err, errlen);
}

/* PCI: queue q signals MSI-X vector q + 1 and the config change vector 0,
 * the layout Linux asks for first (one vector per queue plus config). */
static int send_interrupts(struct virtio_proxy *p, char *err, size_t errlen)
{
	Ctl__ConfigInterrupt ci = CTL__CONFIG_INTERRUPT__INIT;
	int ret;

	for (uint16_t q = 0; q < p->kind->num_queues; q++) {
		Ctl__QueueSetup qs = CTL__QUEUE_SETUP__INIT;
		int fds[2] = { p->notify_fd[q], p->pci ? p->irq_fd[q + 1] : p->irq_fd[0] };

		qs.index = q;
		qs.max_size = p->kind->queue_max;
		if (p->pci) {
			qs.has_msix_vector = true;
			qs.msix_vector = q + 1u;
		}
		ret = call(p, CHAN_MSG_QUEUE_SETUP, &qs, fds, 2, "QueueSetup", err, errlen);
		if (ret)
			return ret;
	}
	if (p->pci) {
		ci.has_msix_vector = true;
		ci.msix_vector = 0;
	}
	return call(p, CHAN_MSG_CONFIG_INTERRUPT, &ci, &p->irq_fd[0], 1, "ConfigInterrupt",
		    err, errlen);
}

int virtio_proxy_start(struct virtio_proxy *p, struct supervisor *sup,
		       const struct guest_memory *mem, Ctl__Configure *cfg,
		       char *err, size_t errlen)
{
	Ctl__Activate act = CTL__ACTIVATE__INIT;
	int ret;

	p->worker = supervisor_spawn(sup, p->kind->name, p->kind->device_type, p->id,
				     err, errlen);
	if (!p->worker)
		return -ECHILD;
	cfg->transport = p->pci ? CTL__TRANSPORT__TRANSPORT_PCI : CTL__TRANSPORT__TRANSPORT_MMIO;
	cfg->device_id = p->id;
	ret = call(p, CHAN_MSG_CONFIGURE, cfg, NULL, 0, "Configure", err, errlen);
	if (!ret)
		ret = send_memory(p, mem, err, errlen);
	if (!ret)
		ret = send_mailbox(p, err, errlen);
	if (!ret)
		ret = send_interrupts(p, err, errlen);
	if (!ret)
		ret = call(p, CHAN_MSG_ACTIVATE, &act, NULL, 0, "Activate", err, errlen);
	if (ret) {
		worker_proc_kill(p->worker);
		return ret;
	}
	worker_proc_set_on_exit(p->worker, on_worker_exit, p);
	return 0;
}

void virtio_proxy_read(struct virtio_proxy *p, uint64_t offset, void *data, unsigned int len)
{
	uint64_t v = access_all_ones(len);

	if (atomic_load(&p->failed)) {
		atomic_fetch_add(&p->failed_reads, 1);
		if (offset == p->status_offset && atomic_load(&p->reset_after_fail))
			v = 0;
	} else if (mbox_client_read(&p->mbox, 0, offset, len, &v) < 0)
		v = access_all_ones(len);	/* the client already failed the device */
	memcpy(data, &v, len);
}

void virtio_proxy_write(struct virtio_proxy *p, uint64_t offset, const void *data,
			unsigned int len)
{
	uint64_t v = 0;

	memcpy(&v, data, len);
	if (atomic_load(&p->failed)) {
		if (offset == p->status_offset)
			atomic_store(&p->reset_after_fail, v == 0);
		return;
	}
	(void)mbox_client_write(&p->mbox, 0, offset, len, v);
}
