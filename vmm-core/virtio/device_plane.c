#include "device_plane.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kvm.h"
#include "layout.h"
#include "log.h"
#include "memory.h"
#include "vm_config.h"

/* IOAPIC pins for virtio-mmio devices: Firecracker's range (5 and up),
 * skipping the pins of the core's own legacy devices. */
static const unsigned int mmio_pins[DEVICE_PLANE_MAX_DEVICES] = { 5, 6, 7, 9, 10, 11, 12, 13 };

/* Firecracker serves at most 64 KiB per entropy request. */
#define RNG_MAX_BYTES_PER_REQUEST (64u * 1024u)

static void fill_rng_config(struct plane_device *d, const struct entropy_config *e)
{
	(void)e;	/* the rate limiter arrives with the block device work */
	ctl__configure__init(&d->configure);
	ctl__rng_config__init(&d->rng);
	d->rng.has_max_bytes_per_request = true;
	d->rng.max_bytes_per_request = RNG_MAX_BYTES_PER_REQUEST;
	d->configure.device_case = CTL__CONFIGURE__DEVICE_RNG;
	d->configure.rng = &d->rng;
}

static int plan_device(struct device_plane *dp, const struct virtio_kind *kind, const char *id,
		       bool with_cmdline, char *err, size_t errlen)
{
	unsigned int i = dp->n;
	struct plane_device *d = &dp->dev[i];
	int ret;

	if (i >= DEVICE_PLANE_MAX_DEVICES) {
		snprintf(err, errlen, "Too many devices (at most %d)", DEVICE_PLANE_MAX_DEVICES);
		return -ENOSPC;
	}
	ret = virtio_proxy_init(&d->proxy, kind, id, dp->pci, dp->opts.deadline_ms,
				dp->opts.spin_us * 1000u);
	if (ret) {
		snprintf(err, errlen, "Device %s: cannot create its channels: %s", id,
			 strerror(-ret));
		return ret;
	}
	d->proxy_ready = true;
	dp->n++;
	if (dp->pci)
		return 0;
	dp->mmio_desc[i] = (struct platform_mmio_dev){
		.base = LAYOUT_VIRTIO_MMIO_START + i * LAYOUT_VIRTIO_MMIO_SIZE,
		.size = LAYOUT_VIRTIO_MMIO_SIZE,
		.irq = mmio_pins[i],
	};
	dp->n_mmio_desc = i + 1;
	if (with_cmdline) {
		snprintf(dp->cmdline_args[dp->n_cmdline], sizeof(dp->cmdline_args[0]),
			 "virtio_mmio.device=4K@0x%llx:%u",
			 (unsigned long long)dp->mmio_desc[i].base, dp->mmio_desc[i].irq);
		dp->cmdline_ptrs[dp->n_cmdline] = dp->cmdline_args[dp->n_cmdline];
		dp->n_cmdline++;
	}
	return 0;
}

int device_plane_plan(struct device_plane *dp, const struct vm_config *cfg,
		      const struct device_plane_opts *opts, bool with_cmdline,
		      char *err, size_t errlen)
{
	int ret = 0;

	memset(dp, 0, sizeof(*dp));
	dp->opts = *opts;
	dp->vm_fd = -1;
	dp->pci = cfg->enable_pci;
	if (cfg->entropy.present) {
		ret = plan_device(dp, &virtio_kind_rng, "entropy", with_cmdline, err, errlen);
		if (!ret)
			fill_rng_config(&dp->dev[dp->n - 1], &cfg->entropy);
	}
	return ret;
}

static int attach_transport(struct device_plane *dp, unsigned int i, struct kvm *kvm,
			    struct io_bus *mmio, struct event_base *base, char *err,
			    size_t errlen)
{
	struct plane_device *d = &dp->dev[i];
	int ret;

	if (dp->pci) {
		ret = virtio_pci_proxy_attach(&d->pci, &d->proxy, kvm, &dp->routing, &dp->bus,
					      err, errlen);
		d->pci_attached = true;
		return ret;
	}
	ret = virtio_mmio_proxy_attach(&d->mmio, &d->proxy, kvm, mmio, base,
				       dp->mmio_desc[i].base, dp->mmio_desc[i].irq, err, errlen);
	d->mmio_attached = true;
	return ret;
}

static int register_pci(struct device_plane *dp, struct io_bus *pio, struct io_bus *mmio,
			char *err, size_t errlen)
{
	int ret;

	pci_bus_init(&dp->bus, LAYOUT_PCI_MMIO32_START, LAYOUT_PCI_MMIO32_END,
		     LAYOUT_PCI_MMIO64_START, LAYOUT_PCI_MMIO64_START + LAYOUT_PCI_MMIO64_SIZE);
	dp->bus_ready = true;
	ret = io_bus_register(pio, PCI_CONFIG_PORT, PCI_CONFIG_PORTS, &pci_cf8_ops, &dp->bus,
			      "pci-cf8");
	if (!ret)
		ret = io_bus_register(mmio, LAYOUT_ECAM_START, LAYOUT_ECAM_SIZE, &pci_ecam_ops,
				      &dp->bus, "pci-ecam");
	if (!ret)
		ret = io_bus_register(mmio, LAYOUT_PCI_MMIO32_START,
				      LAYOUT_PCI_MMIO32_END - LAYOUT_PCI_MMIO32_START,
				      &pci_window_ops, &dp->bus, "pci-mmio32");
	if (!ret)
		ret = io_bus_register(mmio, LAYOUT_PCI_MMIO64_START, LAYOUT_PCI_MMIO64_SIZE,
				      &pci_window64_ops, &dp->bus, "pci-mmio64");
	if (ret)
		snprintf(err, errlen, "Cannot register the PCI bus: %s", strerror(-ret));
	return ret;
}

int device_plane_start(struct device_plane *dp, struct kvm *kvm,
		       const struct guest_memory *mem, struct io_bus *pio, struct io_bus *mmio,
		       struct event_base *base, char *err, size_t errlen)
{
	int ret;

	dp->vm_fd = kvm->vm_fd;
	irq_routing_init(&dp->routing, irq_routing_kvm_apply, &dp->vm_fd);
	if (dp->pci) {
		ret = register_pci(dp, pio, mmio, err, errlen);
		if (ret)
			return ret;
	}
	ret = supervisor_init(&dp->sup, dp->opts.worker_dir, base);
	if (ret) {
		snprintf(err, errlen, "Cannot find the device workers: %s", strerror(-ret));
		return ret;
	}
	dp->sup.worker_poll_us = dp->opts.spin_us;
	dp->sup_ready = true;
	for (unsigned int i = 0; i < dp->n; i++) {
		struct plane_device *d = &dp->dev[i];

		ret = virtio_proxy_start(&d->proxy, &dp->sup, mem, &d->configure, err, errlen);
		if (!ret)
			ret = attach_transport(dp, i, kvm, mmio, base, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

void device_plane_stop(struct device_plane *dp)
{
	for (unsigned int i = 0; i < dp->n; i++) {
		struct plane_device *d = &dp->dev[i];

		if (d->pci_attached)
			virtio_pci_proxy_detach(&d->pci);
		if (d->mmio_attached)
			virtio_mmio_proxy_detach(&d->mmio);
		d->pci_attached = d->mmio_attached = false;
	}
	if (dp->sup_ready)
		supervisor_shutdown(&dp->sup);
	dp->sup_ready = false;
	for (unsigned int i = 0; i < dp->n; i++) {
		if (dp->dev[i].proxy_ready)
			virtio_proxy_destroy(&dp->dev[i].proxy);
		dp->dev[i].proxy_ready = false;
	}
	dp->n = 0;
	if (dp->bus_ready)
		pci_bus_destroy(&dp->bus);
	dp->bus_ready = false;
	if (dp->vm_fd >= 0)
		irq_routing_destroy(&dp->routing);
	dp->vm_fd = -1;
}

json_t *device_plane_workers_json(struct device_plane *dp)
{
	return dp->sup_ready ? supervisor_workers_json(&dp->sup) : json_array();
}
