#include "pci_bus.h"

#include <errno.h>
#include <string.h>

#include "log.h"

#define CF8_ENABLE      0x80000000u
#define ECAM_BUS_SHIFT  20
#define ECAM_DEV_SHIFT  15
#define ECAM_FN_SHIFT   12

static uint64_t ones(unsigned int len)
{
	return len >= 8 ? UINT64_MAX : (1ull << (len * 8)) - 1;
}

void pci_bus_init(struct pci_bus *bus, uint64_t win32_start, uint64_t win32_end,
		  uint64_t win64_start, uint64_t win64_end)
{
	static const struct pci_id host_id = {
		.vendor = PCI_HOST_VENDOR, .device = PCI_HOST_DEVICE,
		.class_code = 0x060000,   /* host bridge */
	};

	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
	pci_dev_init(&bus->host, &host_id, NULL, NULL);
	bus->slot[0] = &bus->host;
	bus->win32 = (struct pci_window){ win32_start, win32_end, win32_start };
	bus->win64 = (struct pci_window){ win64_start, win64_end, win64_start };
}

void pci_bus_destroy(struct pci_bus *bus)
{
	pthread_rwlock_destroy(&bus->lock);
}

static bool in_window(const struct pci_window *w, uint64_t base, uint64_t size)
{
	return base >= w->start && base < w->end && w->end - base >= size;
}

/* Called with the lock held for writing. */
static void update_decoding(struct pci_bus *bus, struct pci_dev *d)
{
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		struct pci_bar *b = &d->bar[i];
		uint64_t base;
		bool on;

		if (!b->size)
			continue;
		base = pci_dev_bar_addr(d, i);
		on = pci_dev_mem_enabled(d) &&
		     (in_window(&bus->win32, base, b->size) ||
		      (b->is64 && in_window(&bus->win64, base, b->size)));
		if (on == b->on && (!on || base == b->base))
			continue;
		if (d->ops && d->ops->bar_remap)
			d->ops->bar_remap(d, i, b->on, b->base, on, on ? base : 0);
		b->on = on;
		b->base = on ? base : 0;
	}
}

static int assign(struct pci_window *w, uint64_t size, uint64_t *addr)
{
	uint64_t a = (w->next + size - 1) & ~(size - 1);

	if (a < w->next || !in_window(w, a, size))
		return -ENOSPC;
	*addr = a;
	w->next = a + size;
	return 0;
}

int pci_bus_add(struct pci_bus *bus, struct pci_dev *dev)
{
	int slot = -ENOSPC, ret = 0;

	pthread_rwlock_wrlock(&bus->lock);
	for (unsigned int s = 1; s < PCI_SLOTS && slot < 0; s++)
		if (!bus->slot[s])
			slot = (int)s;
	for (unsigned int i = 0; slot >= 0 && !ret && i < PCI_NUM_BARS; i++) {
		uint64_t addr;

		if (!dev->bar[i].size)
			continue;
		ret = assign(dev->bar[i].is64 ? &bus->win64 : &bus->win32, dev->bar[i].size,
			     &addr);
		if (!ret)
			pci_dev_set_bar_addr(dev, i, addr);
	}
	if (slot >= 0 && !ret) {
		bus->slot[slot] = dev;
		dev->cfg[PCI_COMMAND] |= PCI_COMMAND_MEMORY;
		update_decoding(bus, dev);
	}
	pthread_rwlock_unlock(&bus->lock);
	return ret ? ret : slot;
}

static struct pci_dev *lookup(struct pci_bus *bus, unsigned int slot, unsigned int fn)
{
	return slot < PCI_SLOTS && fn == 0 ? bus->slot[slot] : NULL;
}

uint32_t pci_bus_cfg_read(struct pci_bus *bus, unsigned int slot, unsigned int fn,
			  unsigned int offset, unsigned int len)
{
	struct pci_dev *d;
	uint32_t v;

	pthread_rwlock_rdlock(&bus->lock);
	d = lookup(bus, slot, fn);
	v = d ? pci_dev_cfg_read(d, offset, len) : (uint32_t)ones(len);
	pthread_rwlock_unlock(&bus->lock);
	return v;
}

void pci_bus_cfg_write(struct pci_bus *bus, unsigned int slot, unsigned int fn,
		       unsigned int offset, unsigned int len, uint32_t val)
{
	struct pci_dev *d;

	pthread_rwlock_wrlock(&bus->lock);
	d = lookup(bus, slot, fn);
	if (d) {
		pci_dev_cfg_write(d, offset, len, val);
		update_decoding(bus, d);
	}
	pthread_rwlock_unlock(&bus->lock);
}

/* ---- mechanism #1: CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC ---- */

static bool cf8_target(uint32_t cf8, unsigned int *slot, unsigned int *fn, unsigned int *reg)
{
	if (!(cf8 & CF8_ENABLE) || ((cf8 >> 16) & 0xff) != 0)
		return false;
	*slot = (cf8 >> 11) & 0x1f;
	*fn = (cf8 >> 8) & 0x7;
	*reg = cf8 & 0xfc;
	return true;
}

static void cf8_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;
	unsigned int slot, fn, reg;
	uint32_t cf8, v = (uint32_t)ones(len);

	pthread_rwlock_rdlock(&bus->lock);
	cf8 = bus->cf8;
	pthread_rwlock_unlock(&bus->lock);
	if (offset == 0 && len == 4)
		v = cf8;
	else if (offset >= 4 && cf8_target(cf8, &slot, &fn, &reg))
		v = pci_bus_cfg_read(bus, slot, fn, reg + (unsigned int)(offset - 4), len);
	memcpy(data, &v, len > 4 ? 4 : len);
}

static void cf8_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;
	unsigned int slot, fn, reg;
	uint32_t v = 0, cf8;

	memcpy(&v, data, len > 4 ? 4 : len);
	if (offset == 0 && len == 4) {
		pthread_rwlock_wrlock(&bus->lock);
		bus->cf8 = v;
		pthread_rwlock_unlock(&bus->lock);
		return;
	}
	pthread_rwlock_rdlock(&bus->lock);
	cf8 = bus->cf8;
	pthread_rwlock_unlock(&bus->lock);
	if (offset >= 4 && cf8_target(cf8, &slot, &fn, &reg))
		pci_bus_cfg_write(bus, slot, fn, reg + (unsigned int)(offset - 4), len, v);
}

const struct io_device_ops pci_cf8_ops = { .read = cf8_read, .write = cf8_write };

/* ---- ECAM: bus << 20 | device << 15 | function << 12 | register ---- */

static void ecam_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	uint32_t v = (uint32_t)ones(len);

	if (len <= 4 && offset >> ECAM_BUS_SHIFT == 0)
		v = pci_bus_cfg_read(opaque, (offset >> ECAM_DEV_SHIFT) & 0x1f,
				     (offset >> ECAM_FN_SHIFT) & 0x7,
				     offset & (PCI_ECAM_FN_SIZE - 1), len);
	memcpy(data, &v, len > 4 ? 4 : len);
	if (len > 4)
		memset((uint8_t *)data + 4, 0xff, len - 4);
}

static void ecam_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	uint32_t v = 0;

	if (len > 4 || offset >> ECAM_BUS_SHIFT != 0)
		return;
	memcpy(&v, data, len);
	pci_bus_cfg_write(opaque, (offset >> ECAM_DEV_SHIFT) & 0x1f,
			  (offset >> ECAM_FN_SHIFT) & 0x7, offset & (PCI_ECAM_FN_SIZE - 1),
			  len, v);
}

const struct io_device_ops pci_ecam_ops = { .read = ecam_read, .write = ecam_write };

/* ---- BAR windows ---- */

/* The decoding BAR holding [addr, addr + len); called with the lock held. */
static struct pci_dev *find_bar(struct pci_bus *bus, uint64_t addr, unsigned int len,
				unsigned int *bar, uint64_t *offset)
{
	for (unsigned int s = 1; s < PCI_SLOTS; s++) {
		struct pci_dev *d = bus->slot[s];

		for (unsigned int i = 0; d && i < PCI_NUM_BARS; i++) {
			const struct pci_bar *b = &d->bar[i];

			if (b->on && addr >= b->base && addr - b->base < b->size &&
			    b->size - (addr - b->base) >= len) {
				*bar = i;
				*offset = addr - b->base;
				return d;
			}
		}
	}
	return NULL;
}

/* Each window is one io_bus range starting at the window's start. */
static void window_access(struct pci_bus *bus, uint64_t addr, void *data, unsigned int len,
			  bool write)
{
	struct pci_dev *d;
	unsigned int bar;
	uint64_t off;

	pthread_rwlock_rdlock(&bus->lock);
	d = find_bar(bus, addr, len, &bar, &off);
	if (d && write)
		d->ops->bar_write(d, bar, off, data, len);
	else if (d)
		d->ops->bar_read(d, bar, off, data, len);
	pthread_rwlock_unlock(&bus->lock);
	if (!d && !write)
		memset(data, 0xff, len);
}

static void win32_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;

	window_access(bus, bus->win32.start + offset, data, len, false);
}

static void win32_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;

	window_access(bus, bus->win32.start + offset, (void *)data, len, true);
}

static void win64_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;

	window_access(bus, bus->win64.start + offset, data, len, false);
}

static void win64_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;

	window_access(bus, bus->win64.start + offset, (void *)data, len, true);
}

const struct io_device_ops pci_window_ops = { .read = win32_read, .write = win32_write };
const struct io_device_ops pci_window64_ops = { .read = win64_read, .write = win64_write };
