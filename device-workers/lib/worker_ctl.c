// SPDX-License-Identifier: Apache-2.0
/* One handler per control message from the core (proto/control.proto).
 * The channel library has already checked framing, fd counts and the
 * per-type rules; what depends on the worker's state (order of setup,
 * queue indices of this device, transport) is checked here.  Every request
 * gets exactly one answer. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"
#include "worker_priv.h"

#define MAX_STATS 32

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return errno;
	return 0;
}

static bool config_matches(const struct worker *w, const Ctl__Configure *m)
{
	switch (w->wd->device_type) {
	case CTL__DEVICE_TYPE__DEVICE_RNG: return m->device_case == CTL__CONFIGURE__DEVICE_RNG;
	case CTL__DEVICE_TYPE__DEVICE_BLK: return m->device_case == CTL__CONFIGURE__DEVICE_BLK;
	case CTL__DEVICE_TYPE__DEVICE_NET: return m->device_case == CTL__CONFIGURE__DEVICE_NET;
	case CTL__DEVICE_TYPE__DEVICE_VSOCK: return m->device_case == CTL__CONFIGURE__DEVICE_VSOCK;
	default: return false;
	}
}

static void on_needs_reset(struct virtio_dev *dev, int err, void *opaque)
{
	struct worker *w = opaque;
	Ctl__Event ev = CTL__EVENT__INIT;
	enum chan_err cerr;

	(void)dev;
	w->needs_reset_events++;
	ev.kind = CTL__EVENT_KIND__EVENT_NEEDS_RESET;
	ev.detail = (char *)strerror(-err);
	cerr = chan_send(w->ctl_fd, CHAN_SIDE_WORKER, CHAN_MSG_EVENT, 0, &ev.base, NULL, 0);
	if (cerr != CHAN_OK)
		log_err("worker: sending NEEDS_RESET event: %s", chan_strerror(cerr));
}

/* Turns a kick that came as a register write into one on the queue's
 * notify eventfd, which the loop serves after the mailbox batch. */
static void defer_kick(struct virtio_dev *dev, uint16_t qidx, void *opaque)
{
	struct worker *w = opaque;

	(void)dev;
	if (w->queues[qidx].notify_fd >= 0 &&
	    eventfd_write(w->queues[qidx].notify_fd, 1) < 0)
		log_err("worker: deferring a kick of queue %u: %s", qidx, strerror(errno));
}

static int handle_configure(struct worker *w, const Ctl__Configure *m)
{
	void *priv;
	int err = 0, ret;

	if (w->configured)
		return EBUSY;
	if (!config_matches(w, m)) {
		log_err("worker: Configure for another device (case %d)", (int)m->device_case);
		return EINVAL;
	}
	w->transport = m->transport == CTL__TRANSPORT__TRANSPORT_MMIO ?
		       VIRTIO_TRANSPORT_MMIO : VIRTIO_TRANSPORT_PCI;
	priv = w->wd->configure(m, &err);
	if (!priv)
		return err ? -err : EINVAL;
	ret = virtio_dev_init(&w->dev, w->wd->ops, priv, w->transport, &w->gm);
	if (ret) {
		if (w->wd->destroy)
			w->wd->destroy(priv);
		return -ret;
	}
	w->priv = priv;
	w->dev.on_needs_reset = on_needs_reset;
	w->dev.on_needs_reset_opaque = w;
	w->dev.defer_kick = defer_kick;
	w->dev.defer_kick_opaque = w;
	w->configured = true;
	log_info("worker: configured %s on %s%s%s", w->wd->ops->name,
		 w->transport == VIRTIO_TRANSPORT_MMIO ? "virtio-mmio" : "virtio-pci",
		 m->device_id ? " as " : "", m->device_id ? m->device_id : "");
	return 0;
}

static int handle_memory_map(struct worker *w, struct chan_msg *msg)
{
	const Ctl__MemoryMap *m = (const Ctl__MemoryMap *)msg->body;
	struct gm_region_desc descs[GM_MAX_REGIONS];
	int fd, ret;

	if (w->memory_mapped)
		return EBUSY;
	if (m->n_regions > GM_MAX_REGIONS)
		return E2BIG;
	for (size_t i = 0; i < m->n_regions; i++)
		descs[i] = (struct gm_region_desc){ m->regions[i]->guest_phys_addr,
						    m->regions[i]->size,
						    m->regions[i]->memfd_offset };
	fd = chan_msg_take_fd(msg, 0);
	ret = gm_map(&w->gm, fd, descs, (unsigned int)m->n_regions);
	close(fd);	/* the mappings keep guest memory */
	if (ret)
		return -ret;
	w->memory_mapped = true;
	return 0;
}

static int handle_mailbox(struct worker *w, struct chan_msg *msg)
{
	const Ctl__Mailbox *m = (const Ctl__Mailbox *)msg->body;
	uint64_t region = w->transport == VIRTIO_TRANSPORT_MMIO ?
			  VIRTIO_MMIO_WINDOW_SIZE : VIRTIO_PCI_BAR_SIZE;
	int shm, req, reply, ret;

	if (!w->configured)
		return EPROTO;
	if (w->mailbox_attached)
		return EBUSY;
	shm = chan_msg_take_fd(msg, 0);
	req = chan_msg_take_fd(msg, 1);
	reply = chan_msg_take_fd(msg, 2);
	ret = mbox_attach(&w->mbox, shm, m->shm_size, m->layout_version, req, reply,
			  region, worker_mbox_access, w);
	if (ret) {
		close(shm);
		close(req);
		close(reply);
		return -ret;
	}
	mbox_set_poll(&w->mbox, w->mbox_poll_us);
	w->mbox_ev = event_new(w->base, req, EV_READ | EV_PERSIST, worker_on_mailbox, w);
	if (!w->mbox_ev || event_add(w->mbox_ev, NULL) < 0) {
		mbox_detach(&w->mbox);
		return ENOMEM;
	}
	w->mailbox_attached = true;
	return 0;
}

/* PCI: the irqfd is that of the MSI-X vector the core names.  MMIO: every
 * interrupt goes to the one pin, so the first eventfd to arrive serves as
 * the pin until ConfigInterrupt names it. */
static int wire_interrupt(struct worker *w, protobuf_c_boolean has_vector,
			  uint32_t vector, int fd)
{
	if (w->transport == VIRTIO_TRANSPORT_MMIO) {
		if (w->dev.irq.pin_fd < 0)
			virtio_dev_set_pin_fd(&w->dev, fd);
		return 0;
	}
	if (!has_vector || vector >= VIRTIO_MSI_NO_VECTOR) {
		log_err("worker: virtio-pci interrupt without an MSI-X vector");
		return EINVAL;
	}
	return -virtio_dev_set_vector_fd(&w->dev, (uint16_t)vector, fd);
}

static int handle_queue_setup(struct worker *w, struct chan_msg *msg)
{
	const Ctl__QueueSetup *m = (const Ctl__QueueSetup *)msg->body;
	struct worker_queue *q;
	int ret;

	if (!w->configured)
		return EPROTO;
	if (m->index >= w->wd->ops->num_queues) {
		log_err("worker: QueueSetup for queue %" PRIu32 " of %u", m->index,
			w->wd->ops->num_queues);
		return EINVAL;
	}
	q = &w->queues[m->index];
	if (q->notify_fd >= 0)
		return EBUSY;
	if (m->has_size)
		return ENOTSUP;	/* restoring programmed queues: not yet */
	if (w->transport == VIRTIO_TRANSPORT_PCI &&
	    (!m->has_msix_vector || m->msix_vector >= VIRTIO_MSI_NO_VECTOR)) {
		log_err("worker: virtio-pci queue %" PRIu32 " without an MSI-X vector",
			m->index);
		return EINVAL;
	}
	ret = virtio_dev_set_queue_max(&w->dev, (uint16_t)m->index, (uint16_t)m->max_size);
	if (ret) {
		log_err("worker: queue %" PRIu32 " max size %" PRIu32 " above the device's %u",
			m->index, m->max_size, w->wd->ops->queue_max_size);
		return -ret;
	}
	/* From here on the fds are ours; worker_cleanup() closes them. */
	q->notify_fd = chan_msg_take_fd(msg, 0);
	q->irq_fd = chan_msg_take_fd(msg, 1);
	ret = set_nonblock(q->notify_fd);
	if (!ret)
		ret = wire_interrupt(w, m->has_msix_vector, m->msix_vector, q->irq_fd);
	if (!ret) {
		q->notify_ev = event_new(w->base, q->notify_fd, EV_READ | EV_PERSIST,
					 worker_on_notify, q);
		if (!q->notify_ev || (!w->paused && event_add(q->notify_ev, NULL) < 0))
			ret = ENOMEM;
	}
	return ret;
}

static int handle_config_interrupt(struct worker *w, struct chan_msg *msg)
{
	const Ctl__ConfigInterrupt *m = (const Ctl__ConfigInterrupt *)msg->body;
	int ret;

	if (!w->configured)
		return EPROTO;
	if (w->config_irq_fd >= 0)
		return EBUSY;
	w->config_irq_fd = chan_msg_take_fd(msg, 0);
	if (w->transport == VIRTIO_TRANSPORT_MMIO) {
		virtio_dev_set_pin_fd(&w->dev, w->config_irq_fd);
		return 0;
	}
	ret = wire_interrupt(w, m->has_msix_vector, m->msix_vector, w->config_irq_fd);
	return ret;
}

static const char *missing_for_activate(const struct worker *w)
{
	if (!w->configured)
		return "Configure";
	if (!w->memory_mapped)
		return "MemoryMap";
	if (!w->mailbox_attached)
		return "Mailbox";
	if (w->config_irq_fd < 0)
		return "ConfigInterrupt";
	for (unsigned int i = 0; i < w->wd->ops->num_queues; i++)
		if (w->queues[i].notify_fd < 0)
			return "QueueSetup";
	return NULL;
}

static int handle_activate(struct worker *w, const char **why)
{
	*why = missing_for_activate(w);
	if (*why) {
		log_err("worker: Activate before %s", *why);
		return EPROTO;
	}
	w->activated = true;
	return 0;
}

static void send_stats(struct worker *w, uint32_t seq)
{
	const char *names[MAX_STATS] = { "mailbox_requests", "queue_kicks", "needs_reset" };
	uint64_t values[MAX_STATS] = { w->mbox_requests, w->queue_kicks, w->needs_reset_events };
	Ctl__Counter counters[MAX_STATS], *ptrs[MAX_STATS];
	Ctl__Stats stats = CTL__STATS__INIT;
	unsigned int n = 3;
	enum chan_err err;

	if (w->wd->stats && w->priv)
		n += w->wd->stats(w->priv, names + n, values + n, MAX_STATS - n);
	for (unsigned int i = 0; i < n; i++) {
		ctl__counter__init(&counters[i]);
		counters[i].name = (char *)names[i];
		counters[i].value = values[i];
		ptrs[i] = &counters[i];
	}
	stats.n_counters = n;
	stats.counters = ptrs;
	err = chan_send(w->ctl_fd, CHAN_SIDE_WORKER, CHAN_MSG_STATS, seq, &stats.base, NULL, 0);
	if (err != CHAN_OK)
		log_err("worker: sending stats: %s", chan_strerror(err));
}

void worker_ctl_handle(struct worker *w, struct chan_msg *msg)
{
	const char *why = NULL;
	int status;

	switch (msg->type) {
	case CHAN_MSG_CONFIGURE:
		status = handle_configure(w, (const Ctl__Configure *)msg->body);
		break;
	case CHAN_MSG_MEMORY_MAP:
		status = handle_memory_map(w, msg);
		break;
	case CHAN_MSG_MAILBOX:
		status = handle_mailbox(w, msg);
		break;
	case CHAN_MSG_QUEUE_SETUP:
		status = handle_queue_setup(w, msg);
		break;
	case CHAN_MSG_CONFIG_INTERRUPT:
		status = handle_config_interrupt(w, msg);
		break;
	case CHAN_MSG_ACTIVATE:
		status = handle_activate(w, &why);
		break;
	case CHAN_MSG_RESET:
		if (w->configured)
			virtio_dev_reset(&w->dev);
		status = 0;
		break;
	case CHAN_MSG_PAUSE:
	case CHAN_MSG_RESUME:
		w->paused = msg->type == CHAN_MSG_PAUSE;
		status = worker_queue_events(w, !w->paused);
		break;
	case CHAN_MSG_GET_STATS:
		send_stats(w, msg->seq);
		return;
	case CHAN_MSG_SHUTDOWN:
		worker_reply(w, msg->seq, 0, NULL);
		worker_stop(w, 0);
		return;
	case CHAN_MSG_SAVE_STATE:
	case CHAN_MSG_RESTORE_STATE:
		status = ENOTSUP;	/* snapshots: not yet */
		break;
	case CHAN_MSG_ATTACH_BACKEND:
	case CHAN_MSG_UPDATE_BACKEND:
		why = "this device takes no backend";
		status = EINVAL;
		break;
	default:
		log_err("worker: unexpected %s message",
			chan_msg_info(msg->type) ? chan_msg_info(msg->type)->name : "?");
		status = EPROTO;
		break;
	}
	worker_reply(w, msg->seq, status, why);
}
