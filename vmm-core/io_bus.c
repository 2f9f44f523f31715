#include "io_bus.h"

#include <errno.h>
#include <string.h>

#include "checked.h"

void io_bus_init(struct io_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const struct io_device_ops *ops, void *opaque, const char *name)
{
	uint64_t end;
	size_t pos;

	if (len == 0 || __builtin_add_overflow(base, len - 1, &end) || !ops)
		return -EINVAL;
	if (bus->n == IO_BUS_MAX_RANGES)
		return -ENOSPC;
	/* Keep the array sorted by base; find the insertion point and check
	 * both neighbours for overlap. */
	for (pos = 0; pos < bus->n && bus->ranges[pos].base < base; pos++)
		;
	if (pos > 0) {
		const struct io_range *prev = &bus->ranges[pos - 1];

		if (prev->base + (prev->len - 1) >= base)
			return -EEXIST;
	}
	if (pos < bus->n && bus->ranges[pos].base <= end)
		return -EEXIST;
	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
		(bus->n - pos) * sizeof(bus->ranges[0]));
	bus->ranges[pos] = (struct io_range){
		.base = base, .len = len, .ops = ops, .opaque = opaque, .name = name,
	};
	bus->n++;
	return 0;
}

const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct io_range *r = &bus->ranges[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/* An access must lie wholly inside one device: one straddling two ranges
 * is a guest bug and is treated as unclaimed. */
static const struct io_range *find_access(const struct io_bus *bus, uint64_t addr,
					  unsigned int len)
{
	const struct io_range *r = io_bus_find(bus, addr);

	if (!r || !range_within(addr - r->base, len, r->len))
		return NULL;
	return r;
}

int io_bus_read(const struct io_bus *bus, uint64_t addr, void *data, unsigned int len)
{
	const struct io_range *r = find_access(bus, addr, len);

	if (!r || !r->ops->read) {
		memset(data, 0xff, len);
		return -ENODEV;
	}
	r->ops->read(r->opaque, addr - r->base, data, len);
	return 0;
}

int io_bus_write(const struct io_bus *bus, uint64_t addr, const void *data, unsigned int len)
{
	const struct io_range *r = find_access(bus, addr, len);

	if (!r || !r->ops->write)
		return -ENODEV;
	r->ops->write(r->opaque, addr - r->base, data, len);
	return 0;
}
