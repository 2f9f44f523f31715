/* Port I/O and MMIO dispatch for the devices the core emulates itself
 * (serial, i8042, boot timer, later PCI config space).  A bus is a sorted
 * array of non-overlapping ranges, filled before the vCPUs start and never
 * changed while they run, so the hot path is a lock-free binary search. */
#ifndef SPLITVM_IO_BUS_H
#define SPLITVM_IO_BUS_H

#include <stddef.h>
#include <stdint.h>

/* Accesses are 1, 2, 4 or 8 bytes; offset is relative to the range base.
 * Handlers run on vCPU threads and must not block for long. */
struct io_device_ops {
	void (*read)(void *opaque, uint64_t offset, void *data, unsigned int len);
	void (*write)(void *opaque, uint64_t offset, const void *data, unsigned int len);
};

struct io_range {
	uint64_t base;
	uint64_t len;
	const struct io_device_ops *ops;
	void *opaque;
	const char *name;
};

#define IO_BUS_MAX_RANGES 64

struct io_bus {
	struct io_range ranges[IO_BUS_MAX_RANGES];
	size_t n;
};

void io_bus_init(struct io_bus *bus);

/* Adds [base, base + len).  -EINVAL for an empty or wrapping range,
 * -EEXIST when it overlaps a registered range, -ENOSPC when full. */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct io_device_ops *ops, void *opaque, const char *name);

/* The range holding addr, or NULL. */
const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr);

/* Dispatches one access.  Returns 0, or -ENODEV when no device claims all
 * of [addr, addr + len); an unclaimed read then yields all-ones, the value
 * of a floating ISA bus, which is what probing drivers expect. */
int io_bus_read(const struct io_bus *bus, uint64_t addr, void *data, unsigned int len);
int io_bus_write(const struct io_bus *bus, uint64_t addr, const void *data, unsigned int len);

#endif
