/* PCI bus 0: slots, config access mechanisms, BAR assignment and the
 * BAR windows (see pci_bus.h). */
#include "pci_bus.h"

#include <errno.h>
#include <string.h>

#include "checked.h"

#define CF8_ENABLE      0x80000000u
#define ECAM_BUS_SHIFT  20
#define ECAM_DEV_SHIFT  15
#define ECAM_FN_SHIFT   12

void pci_bus_init(struct pci_bus *bus, uint64_t win32_start, uint64_t win32_end,
		  uint64_t win64_start, uint64_t win64_end)
{
	static const struct pci_id host_id = {
		.vendor = PCI_HOST_VENDOR, .device = PCI_HOST_DEVICE,
		.class_code = PCI_CLASS_BRIDGE_HOST,
	};

	memset(bus, 0, sizeof(*bus));
	pthread_rwlock_init(&bus->lock, NULL);
	pci_dev_init(&bus->host, &host_id, NULL, NULL);
	bus->slot[0] = &bus->host;
	bus->win32 = (struct pci_window){ bus, win32_start, win32_end, win32_start };
	bus->win64 = (struct pci_window){ bus, win64_start, win64_end, win64_start };
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

static int free_slot(const struct pci_bus *bus)
{
	for (unsigned int s = 1; s < PCI_SLOTS; s++)
		if (!bus->slot[s])
			return (int)s;
	return -ENOSPC;
}

/* Gives every BAR of dev an address; on failure the windows are as they
 * were.  Called with the lock held for writing. */
static int assign_bars(struct pci_bus *bus, struct pci_dev *dev)
{
	struct pci_window saved32 = bus->win32, saved64 = bus->win64;
	uint64_t addr[PCI_NUM_BARS] = { 0 };

	for (unsigned int i = 0; i < PCI_NUM_BARS; i++) {
		const struct pci_bar *b = &dev->bar[i];

		if (b->size && assign(b->is64 ? &bus->win64 : &bus->win32, b->size, &addr[i])) {
			bus->win32 = saved32;
			bus->win64 = saved64;
			return -ENOSPC;
		}
	}
	for (unsigned int i = 0; i < PCI_NUM_BARS; i++)
		if (dev->bar[i].size)
			pci_dev_set_bar_addr(dev, i, addr[i]);
	return 0;
}

int pci_bus_add(struct pci_bus *bus, struct pci_dev *dev)
{
	int slot, ret;

	pthread_rwlock_wrlock(&bus->lock);
	slot = free_slot(bus);
	ret = slot < 0 ? slot : assign_bars(bus, dev);
	if (!ret) {
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
	v = d ? pci_dev_cfg_read(d, offset, len) : (uint32_t)access_all_ones(len);
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

/* Fills len bytes of data with the low bytes of v, all-ones beyond 4. */
static void put_value(void *data, unsigned int len, uint32_t v)
{
	memcpy(data, &v, len > 4 ? 4 : len);
	if (len > 4)
		memset((uint8_t *)data + 4, 0xff, len - 4);
}

static void cf8_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;
	uint32_t cf8 = __atomic_load_n(&bus->cf8, __ATOMIC_ACQUIRE), v = (uint32_t)access_all_ones(len);
	unsigned int slot, fn, reg;

	if (offset == 0 && len == 4)
		v = cf8;
	else if (offset >= 4 && len <= 4 && cf8_target(cf8, &slot, &fn, &reg))
		v = pci_bus_cfg_read(bus, slot, fn, reg + (unsigned int)(offset - 4), len);
	put_value(data, len, v);
}

/* Only a 32-bit write reaches CONFIG_ADDRESS: on real chipsets narrower
 * accesses to 0xCF8-0xCFB are other registers (0xCF9 is reset control). */
static void cf8_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct pci_bus *bus = opaque;
	unsigned int slot, fn, reg;
	uint32_t v = 0, cf8;

	if (len > 4)
		return;
	memcpy(&v, data, len);
	if (offset == 0 && len == 4) {
		__atomic_store_n(&bus->cf8, v, __ATOMIC_RELEASE);
		return;
	}
	cf8 = __atomic_load_n(&bus->cf8, __ATOMIC_ACQUIRE);
	if (offset >= 4 && cf8_target(cf8, &slot, &fn, &reg))
		pci_bus_cfg_write(bus, slot, fn, reg + (unsigned int)(offset - 4), len, v);
}

const struct io_device_ops pci_cf8_ops = { .read = cf8_read, .write = cf8_write };

/* ---- ECAM: bus << 20 | device << 15 | function << 12 | register ---- */

static void ecam_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	uint32_t v = (uint32_t)access_all_ones(len);

	if (len <= 4 && offset >> ECAM_BUS_SHIFT == 0)
		v = pci_bus_cfg_read(opaque, (offset >> ECAM_DEV_SHIFT) & 0x1f,
				     (offset >> ECAM_FN_SHIFT) & 0x7,
				     offset & (PCI_ECAM_FN_SIZE - 1), len);
	put_value(data, len, v);
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

/* Dispatches an access at guest address addr to the BAR decoding it. */
static void window_access(struct pci_bus *bus, uint64_t addr, void *data, unsigned int len,
			  bool write)
{
	struct pci_dev *d;
	unsigned int bar;
	uint64_t off;

	pthread_rwlock_rdlock(&bus->lock);
	d = find_bar(bus, addr, len, &bar, &off);
	if (d && !(d->ops && (write ? !!d->ops->bar_write : !!d->ops->bar_read)))
		d = NULL;
	if (d && write)
		d->ops->bar_write(d, bar, off, data, len);
	else if (d)
		d->ops->bar_read(d, bar, off, data, len);
	pthread_rwlock_unlock(&bus->lock);
	if (!d && !write)
		memset(data, 0xff, len);
}

/* An io_bus offset inside window w as a guest address; UINT64_MAX (which
 * no BAR holds) if the range was registered larger than the window. */
static uint64_t window_addr(const struct pci_window *w, uint64_t offset)
{
	return offset < w->end - w->start ? w->start + offset : UINT64_MAX;
}

static void mmio_window_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct pci_window *w = opaque;

	window_access(w->bus, window_addr(w, offset), data, len, false);
}

static void mmio_window_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct pci_window *w = opaque;

	window_access(w->bus, window_addr(w, offset), (void *)data, len, true);
}

const struct io_device_ops pci_mmio_window_ops = {
	.read = mmio_window_read,
	.write = mmio_window_write,
};

static void win32_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	mmio_window_read(&((struct pci_bus *)opaque)->win32, offset, data, len);
}

static void win32_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	mmio_window_write(&((struct pci_bus *)opaque)->win32, offset, data, len);
}

static void win64_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	mmio_window_read(&((struct pci_bus *)opaque)->win64, offset, data, len);
}

static void win64_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	mmio_window_write(&((struct pci_bus *)opaque)->win64, offset, data, len);
}

const struct io_device_ops pci_window_ops = { .read = win32_read, .write = win32_write };
const struct io_device_ops pci_window64_ops = { .read = win64_read, .write = win64_write };
