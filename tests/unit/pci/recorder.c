#include "recorder.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void bar_read(struct pci_dev *d, unsigned int bar, uint64_t off, void *data,
		     unsigned int len)
{
	struct rec *r = d->opaque;

	r->reads++;
	r->last_bar = bar;
	r->last_off = off;
	r->last_len = len;
	memset(data, r->fill, len);
}

static void bar_write(struct pci_dev *d, unsigned int bar, uint64_t off, const void *data,
		      unsigned int len)
{
	struct rec *r = d->opaque;

	r->writes++;
	r->last_bar = bar;
	r->last_off = off;
	r->last_len = len;
	memcpy(r->last_written, data, len < 8 ? len : 8);
}

/* A read lock cannot be taken while the bus holds the lock for writing. */
static bool bus_write_locked(struct pci_bus *bus)
{
	if (!bus)
		return false;
	if (pthread_rwlock_tryrdlock(&bus->lock) == 0) {
		pthread_rwlock_unlock(&bus->lock);
		return false;
	}
	return true;
}

static void bar_remap(struct pci_dev *d, unsigned int bar, bool old_on, uint64_t old_base,
		      bool new_on, uint64_t new_base)
{
	struct rec *r = d->opaque;

	if (r->remaps < REC_MAX_REMAPS)
		r->remap[r->remaps] = (struct remap_event){
			.bar = bar, .old_on = old_on, .old_base = old_base,
			.new_on = new_on, .new_base = new_base,
			.write_locked = bus_write_locked(r->bus),
		};
	r->remaps++;
}

const struct pci_dev_ops rec_pci_ops = {
	.bar_read = bar_read,
	.bar_write = bar_write,
	.bar_remap = bar_remap,
};

const struct remap_event *rec_last_remap(const struct rec *r)
{
	assert_true(r->remaps > 0 && r->remaps <= REC_MAX_REMAPS);
	return &r->remap[r->remaps - 1];
}

/* Like an irqfd: switching a vector on delivers what is pending. */
static int vec_update(void *opaque, unsigned int vec, bool enable, uint64_t addr, uint32_t data)
{
	struct rec *r = opaque;

	assert_true(vec < REC_MAX_VECTORS);
	r->updates[vec]++;
	if (r->update_ret)
		return r->update_ret;
	r->on[vec] = enable;
	r->addr[vec] = addr;
	r->data[vec] = data;
	if (enable && r->pending[vec]) {
		r->pending[vec] = false;
		r->delivered[vec]++;
	}
	return 0;
}

static bool vec_pending(void *opaque, unsigned int vec)
{
	struct rec *r = opaque;

	assert_true(vec < REC_MAX_VECTORS);
	return r->pending[vec];
}

const struct msix_ops rec_msix_ops = { .update = vec_update, .pending = vec_pending };

unsigned int rec_total_updates(const struct rec *r)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < REC_MAX_VECTORS; i++)
		n += r->updates[i];
	return n;
}

const struct pci_id rec_virtio_id = {
	.vendor = 0x1af4, .device = 0x1044, .subsys_vendor = 0x1af4, .subsys_id = 0x40,
	.class_code = 0xff0000, .revision = 1,
};

int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	pci_bus_init(&f->bus, W32_START, W32_END, W64_START, W64_END);
	f->rec.bus = &f->bus;
	f->rec.fill = 0x5a;
	pci_dev_init(&f->dev, &rec_virtio_id, &rec_pci_ops, &f->rec);
	assert_int_equal(pci_dev_add_bar(&f->dev, 0, 0x4000, true), 0);
	assert_int_equal(pci_dev_add_bar(&f->dev, 2, 0x1000, false), 0);
	assert_int_equal(msix_init(&f->msix, 3, &rec_msix_ops, &f->rec), 0);
	assert_true(pci_dev_add_msix(&f->dev, &f->msix, 2, 0, 0x800) >= PCI_CAP_START);
	f->slot = pci_bus_add(&f->bus, &f->dev);
	assert_int_equal(f->slot, 1);
	*state = f;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	msix_destroy(&f->msix);
	pci_bus_destroy(&f->bus);
	free(f);
	return 0;
}

uint32_t cfg_rd(struct fixture *f, unsigned int off, unsigned int len)
{
	return pci_bus_cfg_read(&f->bus, (unsigned int)f->slot, 0, off, len);
}

void cfg_wr(struct fixture *f, unsigned int off, unsigned int len, uint32_t v)
{
	pci_bus_cfg_write(&f->bus, (unsigned int)f->slot, 0, off, len, v);
}
