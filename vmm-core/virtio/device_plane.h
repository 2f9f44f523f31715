/* The split device plane of one VM: which virtio devices the
 * configuration asks for, where each sits (a PCI slot with --enable-pci,
 * else a virtio-mmio window and IOAPIC pin), and their workers.
 *
 * Order of use, all on the API thread during InstanceStart:
 *   device_plane_plan()   before the kernel is loaded: fixes the windows
 *                         and pins, for the ACPI tables and command line
 *   device_plane_start()  after KVM memory is registered and before the
 *                         vCPUs run: spawns and sets up the workers, puts
 *                         the devices on their buses
 *   device_plane_stop()   at teardown, after the vCPUs stopped. */
#ifndef SPLITVM_DEVICE_PLANE_H
#define SPLITVM_DEVICE_PLANE_H

#include <stdbool.h>
#include <stddef.h>

#include "irq_routing.h"
#include "pci_bus.h"
#include "supervisor.h"
#include "tables.h"
#include "virtio_mmio_proxy.h"
#include "virtio_pci_proxy.h"
#include "virtio_proxy.h"

struct event_base;
struct guest_memory;
struct io_bus;
struct kvm;
struct vm_config;

#define DEVICE_PLANE_MAX_DEVICES 8
/* How the host runs the plane (vmm-core's command line, which bounds the
 * values). */
struct device_plane_opts {
	const char *worker_dir;          /* NULL: beside vmm-core */
	/* A worker that has not answered a register read after this long
	 * fails its device (DESIGN.md, failure model). */
	unsigned int deadline_ms;
	/* A forwarded read spins this long before it sleeps, and each worker
	 * polls its mailbox this long after serving requests, so that a read
	 * following a write is answered without either side sleeping. */
	unsigned int spin_us;
};

struct plane_device {
	struct virtio_proxy proxy;
	bool proxy_ready;
	struct virtio_mmio_proxy mmio;
	bool mmio_attached;
	struct virtio_pci_proxy pci;
	bool pci_attached;
	Ctl__Configure configure;        /* built from the vm_config */
	Ctl__RngConfig rng;
};

struct device_plane {
	struct device_plane_opts opts;
	bool pci;
	unsigned int n;
	struct plane_device dev[DEVICE_PLANE_MAX_DEVICES];
	struct platform_mmio_dev mmio_desc[DEVICE_PLANE_MAX_DEVICES];
	unsigned int n_mmio_desc;
	char cmdline_args[DEVICE_PLANE_MAX_DEVICES][64];
	const char *cmdline_ptrs[DEVICE_PLANE_MAX_DEVICES];
	unsigned int n_cmdline;
	struct supervisor sup;
	bool sup_ready;
	struct irq_routing routing;
	int vm_fd;                       /* for irq_routing_kvm_apply */
	struct pci_bus bus;
	bool bus_ready;
};

/* Decides the devices.  with_cmdline: also announce virtio-mmio windows on
 * the kernel command line (for guests without ACPI).  0 or -errno + err. */
int device_plane_plan(struct device_plane *dp, const struct vm_config *cfg,
		      const struct device_plane_opts *opts, bool with_cmdline,
		      char *err, size_t errlen);
/* Spawns the workers and attaches every device.  0 or -errno + err. */
int device_plane_start(struct device_plane *dp, struct kvm *kvm,
		       const struct guest_memory *mem, struct io_bus *pio, struct io_bus *mmio,
		       struct event_base *base, char *err, size_t errlen);
void device_plane_stop(struct device_plane *dp);

/* For GET /workers and the metrics; NULL before start. */
json_t *device_plane_workers_json(struct device_plane *dp);

#endif
