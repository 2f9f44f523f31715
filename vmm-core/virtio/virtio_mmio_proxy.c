#include "virtio_mmio_proxy.h"

#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kvm.h"
#include "layout.h"
#include "log.h"

static void mmio_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct virtio_mmio_proxy *m = opaque;

	virtio_proxy_read(m->proxy, offset, data, len);
}

static void mmio_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct virtio_mmio_proxy *m = opaque;

	virtio_proxy_write(m->proxy, offset, data, len);
}

const struct io_device_ops virtio_mmio_proxy_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

static void on_resample(evutil_socket_t fd, short what, void *opaque)
{
	struct virtio_mmio_proxy *m = opaque;
	uint32_t status = 0;
	eventfd_t count;

	(void)what;
	if (eventfd_read(fd, &count) < 0 || atomic_load(&m->proxy->failed))
		return;
	virtio_proxy_read(m->proxy, VIRTIO_MMIO_INTERRUPT_STATUS, &status, sizeof(status));
	if (status != 0 && status != UINT32_MAX &&
	    eventfd_write(m->proxy->irq_fd[0], 1) < 0)
		log_err("device %s: re-raising its interrupt: %s", m->proxy->id, strerror(errno));
}

int virtio_mmio_proxy_attach(struct virtio_mmio_proxy *m, struct virtio_proxy *p,
			     struct kvm *kvm, struct io_bus *mmio, struct event_base *base,
			     uint64_t addr, unsigned int gsi, char *err, size_t errlen)
{
	const char *what;
	int ret;

	memset(m, 0, sizeof(*m));
	m->proxy = p;
	m->kvm = kvm;
	m->base = addr;
	m->gsi = gsi;
	m->resample_fd = -1;

	what = "register its window";
	ret = io_bus_register(mmio, addr, LAYOUT_VIRTIO_MMIO_SIZE, &virtio_mmio_proxy_ops, m,
			      p->id);
	for (uint16_t q = 0; !ret && q < p->kind->num_queues; q++) {
		what = "register a QueueNotify ioeventfd";
		ret = kvm_ioeventfd(kvm, p->notify_fd[q], addr + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
				    true);
		if (!ret)
			m->n_ioeventfds++;
	}
	if (!ret) {
		what = "create its resample eventfd";
		m->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = m->resample_fd < 0 ? -errno : 0;
	}
	if (!ret) {
		what = "attach its irqfd";
		ret = kvm_irqfd(kvm, p->irq_fd[0], gsi, m->resample_fd, true);
		m->irqfd_assigned = !ret;
	}
	if (!ret) {
		what = "watch its resample eventfd";
		m->resample_ev = event_new(base, m->resample_fd, EV_READ | EV_PERSIST,
					   on_resample, m);
		ret = (!m->resample_ev || event_add(m->resample_ev, NULL) < 0) ? -ENOMEM : 0;
	}
	if (ret)
		snprintf(err, errlen, "Device %s: cannot %s: %s", p->id, what, strerror(-ret));
	return ret;
}

void virtio_mmio_proxy_detach(struct virtio_mmio_proxy *m)
{
	if (m->resample_ev)
		event_free(m->resample_ev);
	m->resample_ev = NULL;
	if (m->irqfd_assigned)
		(void)kvm_irqfd(m->kvm, m->proxy->irq_fd[0], m->gsi, -1, false);
	m->irqfd_assigned = false;
	for (uint16_t q = 0; q < m->n_ioeventfds; q++)
		(void)kvm_ioeventfd(m->kvm, m->proxy->notify_fd[q],
				    m->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q, false);
	m->n_ioeventfds = 0;
	if (m->resample_fd >= 0)
		close(m->resample_fd);
	m->resample_fd = -1;
}

int virtio_mmio_proxy_cmdline(const struct virtio_mmio_proxy *m, char *buf, size_t len)
{
	return snprintf(buf, len, "virtio_mmio.device=4K@0x%llx:%u",
			(unsigned long long)m->base, m->gsi);
}
