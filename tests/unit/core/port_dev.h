/* A legacy port-I/O device as its unit test drives it: byte-wide guest
 * accesses through its io_device_ops, and a recorder behind its interrupt
 * line in place of the VMM's KVM_IRQ_LINE. */
#ifndef SPLITVM_TEST_CORE_PORT_DEV_H
#define SPLITVM_TEST_CORE_PORT_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "io_bus.h"
#include "irq_line.h"

struct port_dev {
	const struct io_device_ops *ops;
	void *opaque;
	unsigned int gsi;
	bool irq_level;			/* as the device last drove it */
	int rising_edges;		/* each one a new interrupt for an edge-triggered pin */
};

/* Sets p up to drive the device at opaque through ops; returns the line
 * for that device to raise gsi on (another GSI fails the test). */
struct irq_line port_dev_init(struct port_dev *p, const struct io_device_ops *ops,
			      void *opaque, unsigned int gsi);

uint8_t port_rd(struct port_dev *p, uint64_t off);
void port_wr(struct port_dev *p, uint64_t off, uint8_t v);

#endif
