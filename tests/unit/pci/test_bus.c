/* Bus 0: the host bridge, slot assignment, BAR placement, CF8/CFC and
 * ECAM, BAR relocation as the guest does it, and the BAR windows. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pci_bus.h"
#include "recorder.h"

#define CF8_ON 0x80000000u

static uint32_t cf8_addr(unsigned int bus, unsigned int slot, unsigned int fn, unsigned int reg)
{
	return CF8_ON | bus << 16 | slot << 11 | fn << 8 | reg;
}

static uint32_t cf8_read(struct pci_bus *bus, uint32_t addr, unsigned int port_off,
			 unsigned int len)
{
	uint32_t v = 0;

	pci_cf8_ops.write(bus, 0, &addr, 4);
	pci_cf8_ops.read(bus, port_off, &v, len);
	return v;
}

static uint32_t ecam_read(struct pci_bus *bus, uint64_t off, unsigned int len)
{
	uint32_t v = 0;

	pci_ecam_ops.read(bus, off, &v, len);
	return v;
}

static uint64_t ecam_off(unsigned int slot, unsigned int fn, unsigned int reg)
{
	return (uint64_t)slot << 15 | fn << 12 | reg;
}

static uint32_t win_read32(struct pci_bus *bus, uint64_t addr)
{
	uint32_t v = 0;

	if (addr >= W64_START)
		pci_window64_ops.read(bus, addr - W64_START, &v, 4);
	else
		pci_window_ops.read(bus, addr - W32_START, &v, 4);
	return v;
}

static void test_host_bridge(void **state)
{
	struct fixture *f = *state;
	struct pci_bus *bus = &f->bus;

	assert_int_equal(ecam_read(bus, ecam_off(0, 0, 0), 4),
			 (uint32_t)PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	assert_int_equal(ecam_read(bus, ecam_off(0, 0, PCI_REVISION_ID), 4) >> 8, 0x060000);
	assert_int_equal(ecam_read(bus, ecam_off(0, 0, PCI_HEADER_TYPE), 1), 0);
	assert_int_equal(ecam_read(bus, ecam_off(0, 0, PCI_BAR0), 4), 0);
	/* It has no BARs: writes there change nothing and move nothing. */
	pci_bus_cfg_write(bus, 0, 0, PCI_BAR0, 4, 0xffffffff);
	pci_bus_cfg_write(bus, 0, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(pci_bus_cfg_read(bus, 0, 0, PCI_BAR0, 4), 0);
}

static void test_assignment(void **state)
{
	struct fixture *f = *state;
	struct pci_dev d2;
	struct rec r2 = { .bus = &f->bus };

	/* The fixture's device: BAR 0 (64-bit) at the 64-bit window's start,
	 * BAR 2 at the 32-bit window's, memory decoding on, both reported. */
	assert_int_equal(cfg_rd(f, PCI_BAR0, 4), (uint32_t)W64_START | PCI_BAR_MEM_64);
	assert_int_equal(cfg_rd(f, PCI_BAR0 + 4, 4), (uint32_t)(W64_START >> 32));
	assert_int_equal(cfg_rd(f, PCI_BAR0 + 8, 4), (uint32_t)W32_START);
	assert_true(cfg_rd(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	assert_int_equal(f->rec.remaps, 2);
	assert_int_equal(f->rec.remap[0].bar, 0);
	assert_true(f->rec.remap[0].new_on && !f->rec.remap[0].old_on);
	assert_int_equal(f->rec.remap[0].new_base, W64_START);
	assert_int_equal(f->rec.remap[1].bar, 2);
	assert_int_equal(f->rec.remap[1].new_base, W32_START);
	assert_true(f->rec.remap[0].write_locked && f->rec.remap[1].write_locked);
	/* The next device: next slot, next naturally aligned addresses. */
	pci_dev_init(&d2, &rec_virtio_id, &rec_pci_ops, &r2);
	assert_int_equal(pci_dev_add_bar(&d2, 0, 0x100, false), 0);
	assert_int_equal(pci_dev_add_bar(&d2, 1, 0x2000, false), 0);
	assert_int_equal(pci_dev_add_prefetchable_bar(&d2, 2, 0x10000, true), 0);
	assert_int_equal(pci_bus_add(&f->bus, &d2), 2);
	assert_int_equal(pci_dev_bar_addr(&d2, 0), W32_START + 0x1000);
	assert_int_equal(pci_dev_bar_addr(&d2, 1), W32_START + 0x2000);
	assert_int_equal(pci_dev_bar_addr(&d2, 2), W64_START + 0x10000);
	assert_int_equal(pci_bus_cfg_read(&f->bus, 2, 0, PCI_BAR0 + 8, 4),
			 (uint32_t)(W64_START + 0x10000) | PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH);
	assert_int_equal(r2.remaps, 3);
}

static void test_bus_full(void **state)
{
	struct fixture *f = *state;
	static struct pci_dev devs[PCI_SLOTS];
	struct pci_dev extra;

	for (unsigned int i = 2; i < PCI_SLOTS; i++) {
		pci_dev_init(&devs[i], &rec_virtio_id, NULL, NULL);
		assert_int_equal(pci_bus_add(&f->bus, &devs[i]), (int)i);
	}
	pci_dev_init(&extra, &rec_virtio_id, NULL, NULL);
	assert_int_equal(pci_bus_add(&f->bus, &extra), -ENOSPC);
	assert_int_equal(pci_bus_cfg_read(&f->bus, 31, 0, 0, 4), 0x10441af4);
}

static void test_window_runs_out(void **state)
{
	struct pci_bus bus;
	struct pci_dev big, small;
	struct rec r = { .bus = &bus };

	(void)state;
	pci_bus_init(&bus, W32_START, W32_START + 0x3000, W64_START, W64_START + 0x10000);
	pci_dev_init(&big, &rec_virtio_id, &rec_pci_ops, &r);
	assert_int_equal(pci_dev_add_bar(&big, 0, 0x1000, false), 0);
	assert_int_equal(pci_dev_add_bar(&big, 1, 0x4000, false), 0);   /* does not fit */
	assert_int_equal(pci_bus_add(&bus, &big), -ENOSPC);
	assert_int_equal(r.remaps, 0);
	/* Nothing was used up: a device that fits gets the window's start. */
	pci_dev_init(&small, &rec_virtio_id, &rec_pci_ops, &r);
	assert_int_equal(pci_dev_add_bar(&small, 0, 0x2000, false), 0);
	assert_int_equal(pci_dev_add_bar(&small, 1, 0x8000, true), 0);
	assert_int_equal(pci_bus_add(&bus, &small), 1);
	assert_int_equal(pci_dev_bar_addr(&small, 0), W32_START);
	assert_int_equal(pci_dev_bar_addr(&small, 1), W64_START);
	pci_bus_destroy(&bus);
}

static void test_cf8_and_ecam(void **state)
{
	struct fixture *f = *state;
	struct pci_bus *bus = &f->bus;
	unsigned int s = (unsigned int)f->slot;
	uint32_t v;

	/* The same register through both mechanisms, at every width. */
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, 0), 4, 4), 0x10441af4);
	assert_int_equal(ecam_read(bus, ecam_off(s, 0, 0), 4), 0x10441af4);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, 0), 6, 2), 0x1044);
	assert_int_equal(ecam_read(bus, ecam_off(s, 0, 2), 2), 0x1044);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, 0), 5, 1), 0x1a);
	assert_int_equal(ecam_read(bus, ecam_off(s, 0, 1), 1), 0x1a);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, PCI_REVISION_ID), 7, 1), 0xff);
	/* CONFIG_ADDRESS reads back; low bits of the register are ignored. */
	v = cf8_addr(0, s, 0, 0x2e);
	assert_int_equal(cf8_read(bus, v, 0, 4), v);
	assert_int_equal(cf8_read(bus, v, 4, 4), 0x00401af4);
	/* A write through CF8/CFC shows through ECAM and the other way round. */
	v = cf8_addr(0, s, 0, PCI_COMMAND);
	pci_cf8_ops.write(bus, 0, &v, 4);
	pci_cf8_ops.write(bus, 4, &(uint16_t){ PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY }, 2);
	assert_int_equal(ecam_read(bus, ecam_off(s, 0, PCI_COMMAND), 2),
			 PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY);
	pci_ecam_ops.write(bus, ecam_off(s, 0, PCI_INTERRUPT_LINE), &(uint8_t){ 9 }, 1);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, PCI_INTERRUPT_LINE), 4, 1), 9);
	/* Extended config space: ECAM reaches it and reads 0. */
	assert_int_equal(ecam_read(bus, ecam_off(s, 0, 0x100), 4), 0);
	assert_int_equal(ecam_read(bus, ecam_off(s, 0, 0xffc), 4), 0);
}

static void test_nothing_there(void **state)
{
	struct fixture *f = *state;
	struct pci_bus *bus = &f->bus;
	unsigned int s = (unsigned int)f->slot;
	uint64_t q = 0;
	uint32_t v;

	/* Empty slot, other function, other bus, CONFIG_ADDRESS disabled. */
	assert_int_equal(ecam_read(bus, ecam_off(9, 0, 0), 4), 0xffffffff);
	assert_int_equal(ecam_read(bus, ecam_off(31, 0, 0), 2), 0xffff);
	assert_int_equal(ecam_read(bus, ecam_off(s, 1, 0), 4), 0xffffffff);
	assert_int_equal(ecam_read(bus, ecam_off(0, 7, 0), 4), 0xffffffff);
	assert_int_equal(cf8_read(bus, cf8_addr(0, 9, 0, 0), 4, 4), 0xffffffff);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 3, 0), 4, 4), 0xffffffff);
	assert_int_equal(cf8_read(bus, cf8_addr(1, s, 0, 0), 4, 4), 0xffffffff);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, 0) & ~CF8_ON, 4, 4), 0xffffffff);
	assert_int_equal(cf8_read(bus, cf8_addr(0, s, 0, 0) & ~CF8_ON, 6, 1), 0xff);
	/* Writes there go nowhere. */
	v = cf8_addr(0, s, 0, PCI_COMMAND) & ~CF8_ON;
	pci_cf8_ops.write(bus, 0, &v, 4);
	pci_cf8_ops.write(bus, 4, &(uint16_t){ 0 }, 2);
	pci_ecam_ops.write(bus, ecam_off(s, 1, PCI_COMMAND), &(uint16_t){ 0 }, 2);
	assert_true(cfg_rd(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
	/* Only a 32-bit access reaches CONFIG_ADDRESS. */
	v = cf8_addr(0, s, 0, 0);
	pci_cf8_ops.write(bus, 0, &v, 4);
	pci_cf8_ops.write(bus, 1, &(uint8_t){ 0 }, 1);
	pci_cf8_ops.read(bus, 0, &v, 4);
	assert_int_equal(v, cf8_addr(0, s, 0, 0));
	v = 0;
	pci_cf8_ops.read(bus, 0, &v, 2);
	assert_int_equal(v, 0xffff);
	/* 8-byte ECAM accesses are not config accesses. */
	pci_ecam_ops.read(bus, ecam_off(s, 0, 0), &q, 8);
	assert_int_equal(q, UINT64_MAX);
	pci_ecam_ops.write(bus, ecam_off(s, 0, PCI_COMMAND), &(uint64_t){ 0 }, 8);
	assert_true(cfg_rd(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY);
}

static void test_relocation(void **state)
{
	struct fixture *f = *state;
	uint64_t nb = W64_START + 0x100000;

	/* Decoding off: one remap to off per BAR, from where it was. */
	f->rec.remaps = 0;
	cfg_wr(f, PCI_COMMAND, 2, 0);
	assert_int_equal(f->rec.remaps, 2);
	for (unsigned int i = 0; i < 2; i++) {
		assert_true(f->rec.remap[i].old_on && !f->rec.remap[i].new_on);
		assert_int_equal(f->rec.remap[i].old_base, i ? W32_START : W64_START);
		assert_true(f->rec.remap[i].write_locked);
	}
	/* Sizing and a new base while off: nothing to report. */
	cfg_wr(f, PCI_BAR0, 4, 0xffffffff);
	cfg_wr(f, PCI_BAR0 + 4, 4, 0xffffffff);
	cfg_wr(f, PCI_BAR0, 4, (uint32_t)nb);
	cfg_wr(f, PCI_BAR0 + 4, 4, (uint32_t)(nb >> 32));
	assert_int_equal(f->rec.remaps, 2);
	/* Decoding on: each BAR once, BAR 0 at its new base. */
	cfg_wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(f->rec.remaps, 4);
	assert_int_equal(f->rec.remap[2].bar, 0);
	assert_true(f->rec.remap[2].new_on && !f->rec.remap[2].old_on);
	assert_int_equal(f->rec.remap[2].new_base, nb);
	assert_int_equal(f->rec.remap[3].bar, 2);
	assert_int_equal(f->rec.remap[3].new_base, W32_START);
	/* Rewriting the same values reports nothing. */
	cfg_wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	cfg_wr(f, PCI_BAR0, 4, (uint32_t)nb);
	cfg_wr(f, PCI_BAR0 + 4, 4, (uint32_t)(nb >> 32));
	cfg_wr(f, PCI_BAR0 + 8, 4, (uint32_t)W32_START);
	cfg_wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(f->rec.remaps, 4);
	/* A move while decoding: one remap from old to new. */
	cfg_wr(f, PCI_BAR0 + 8, 4, (uint32_t)W32_START + 0x5000);
	assert_int_equal(f->rec.remaps, 5);
	assert_true(f->rec.remap[4].old_on && f->rec.remap[4].new_on);
	assert_int_equal(f->rec.remap[4].old_base, W32_START);
	assert_int_equal(f->rec.remap[4].new_base, W32_START + 0x5000);
}

/* Linux may size a BAR with decoding on for some devices: the sizing
 * pattern lies outside the windows, so the BAR stops decoding, and
 * writing the old address back restores it. */
static void test_sizing_while_decoding(void **state)
{
	struct fixture *f = *state;

	f->rec.remaps = 0;
	cfg_wr(f, PCI_BAR0 + 8, 4, 0xffffffff);
	assert_int_equal(f->rec.remaps, 1);
	assert_false(rec_last_remap(&f->rec)->new_on);
	assert_int_equal(win_read32(&f->bus, W32_START), 0xffffffff);
	assert_int_equal(f->rec.reads, 0);
	cfg_wr(f, PCI_BAR0 + 8, 4, (uint32_t)W32_START);
	assert_int_equal(f->rec.remaps, 2);
	assert_true(rec_last_remap(&f->rec)->new_on);
	assert_int_equal(rec_last_remap(&f->rec)->new_base, W32_START);
	/* A base outside both windows does not decode either. */
	cfg_wr(f, PCI_BAR0 + 8, 4, 0x1000);
	assert_int_equal(f->rec.remaps, 3);
	assert_false(rec_last_remap(&f->rec)->new_on);
}

static bool in_a_window(uint64_t base, uint64_t size)
{
	return (base >= W32_START && base + size <= W32_END) ||
	       (base >= W64_START && base + size <= W64_END);
}

/* A 64-bit BAR moved while decoding, its halves in either order: the last
 * report is the final address and every report is where it decodes. */
static void test_move_64bit_halves(void **state)
{
	struct fixture *f = *state;
	const uint64_t a = W64_START + (1ull << 32), b = W32_START + 0x40000;

	f->rec.remaps = 0;
	cfg_wr(f, PCI_BAR0 + 4, 4, (uint32_t)(a >> 32));        /* high first */
	cfg_wr(f, PCI_BAR0, 4, (uint32_t)a);
	assert_int_equal(f->rec.remaps, 1);
	assert_int_equal(rec_last_remap(&f->rec)->new_base, a);
	cfg_wr(f, PCI_BAR0, 4, (uint32_t)b);                    /* low first */
	cfg_wr(f, PCI_BAR0 + 4, 4, 0);
	assert_true(f->rec.remaps >= 2 && f->rec.remaps <= 3);
	assert_true(rec_last_remap(&f->rec)->new_on);
	assert_int_equal(rec_last_remap(&f->rec)->new_base, b);
	for (unsigned int i = 0; i < f->rec.remaps; i++) {
		const struct remap_event *e = &f->rec.remap[i];

		assert_int_equal(e->bar, 0);
		assert_true(e->new_on && in_a_window(e->new_base, 0x4000));
		assert_true(i == 0 || e->old_base == f->rec.remap[i - 1].new_base);
	}
	assert_int_equal(win_read32(&f->bus, b + 8), 0x5a5a5a5a);
	assert_int_equal(f->rec.last_bar, 0);
	assert_int_equal(f->rec.last_off, 8);
}

static void test_window_dispatch(void **state)
{
	struct fixture *f = *state;
	struct pci_dev d2;
	struct rec r2 = { .bus = &f->bus, .fill = 0x77 };
	uint64_t d2_bar0, q = 0;
	uint16_t w = 0;

	pci_dev_init(&d2, &rec_virtio_id, &rec_pci_ops, &r2);
	assert_int_equal(pci_dev_add_bar(&d2, 0, 0x1000, false), 0);
	assert_int_equal(pci_bus_add(&f->bus, &d2), 2);
	d2_bar0 = pci_dev_bar_addr(&d2, 0);
	/* Each address reaches its device, BAR and offset. */
	assert_int_equal(win_read32(&f->bus, W32_START + 0x10), 0x5a5a5a5a);
	assert_int_equal(f->rec.last_bar, 2);
	assert_int_equal(f->rec.last_off, 0x10);
	assert_int_equal(win_read32(&f->bus, d2_bar0 + 0xffc), 0x77777777);
	assert_int_equal(r2.last_bar, 0);
	assert_int_equal(r2.last_off, 0xffc);
	pci_window64_ops.read(&f->bus, 0x3ff8, &q, 8);
	assert_int_equal(q, 0x5a5a5a5a5a5a5a5aull);
	assert_int_equal(f->rec.last_bar, 0);
	assert_int_equal(f->rec.last_len, 8);
	pci_window64_ops.write(&f->bus, 0x3000, &(uint16_t){ 3 }, 2);
	assert_int_equal(f->rec.writes, 1);
	assert_int_equal(f->rec.last_off, 0x3000);
	assert_memory_equal(f->rec.last_written, "\x03\x00", 2);
	/* The window registered with its own opaque behaves the same. */
	pci_mmio_window_ops.read(&f->bus.win32, d2_bar0 - W32_START, &w, 2);
	assert_int_equal(w, 0x7777);
	pci_mmio_window_ops.write(&f->bus.win64, 0x20, &w, 2);
	assert_int_equal(f->rec.writes, 2);
	assert_int_equal(f->rec.last_off, 0x20);
	/* Unclaimed: all-ones, writes dropped; straddling a BAR's end too. */
	assert_int_equal(win_read32(&f->bus, W32_START + 0x100000), 0xffffffff);
	pci_window_ops.write(&f->bus, 0x100000, &w, 2);
	pci_window64_ops.write(&f->bus, 0x4000 - 2, &q, 4);
	pci_mmio_window_ops.read(&f->bus.win64, 0x4000 - 4, &q, 8);
	assert_int_equal(q, UINT64_MAX);
	pci_mmio_window_ops.read(&f->bus.win64, UINT64_MAX - 3, &q, 4);
	assert_int_equal(f->rec.writes, 2);
	assert_int_equal(r2.writes, 0);
	/* The window follows a move: old address unclaimed, new one hits. */
	f->rec.reads = 0;
	cfg_wr(f, PCI_COMMAND, 2, 0);
	cfg_wr(f, PCI_BAR0 + 8, 4, (uint32_t)W32_START + 0x8000);
	cfg_wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(win_read32(&f->bus, W32_START + 0x10), 0xffffffff);
	assert_int_equal(f->rec.reads, 0);
	assert_int_equal(win_read32(&f->bus, W32_START + 0x8010), 0x5a5a5a5a);
	assert_int_equal(f->rec.reads, 1);
	assert_int_equal(f->rec.last_off, 0x10);
	/* Decoding off on one device leaves the other reachable. */
	cfg_wr(f, PCI_COMMAND, 2, 0);
	assert_int_equal(win_read32(&f->bus, W32_START + 0x8010), 0xffffffff);
	assert_int_equal(win_read32(&f->bus, d2_bar0), 0x77777777);
}

/* A BAR access that blocks (a worker taking its time) holds the lock for
 * reading: config reads and other BAR accesses go on meanwhile. */
struct blocker {
	struct fixture *f;
	sem_t entered, release;
	uint32_t value;
};

static struct blocker *the_blocker;

static void blocking_read(struct pci_dev *d, unsigned int bar, uint64_t off, void *data,
			  unsigned int len)
{
	if (off == 0x40) {
		sem_post(&the_blocker->entered);
		while (sem_wait(&the_blocker->release) != 0)
			;
	}
	memset(data, 0x11, len);
}

static const struct pci_dev_ops blocking_ops = { .bar_read = blocking_read };

static void *read_blocking_bar(void *arg)
{
	struct blocker *b = arg;

	b->value = win_read32(&b->f->bus, W32_START + 0x40);
	return NULL;
}

static void test_blocking_bar_access(void **state)
{
	struct fixture *f = *state;
	struct blocker b = { .f = f };
	pthread_t t;

	the_blocker = &b;
	f->dev.ops = &blocking_ops;
	assert_int_equal(sem_init(&b.entered, 0, 0), 0);
	assert_int_equal(sem_init(&b.release, 0, 0), 0);
	assert_int_equal(pthread_create(&t, NULL, read_blocking_bar, &b), 0);
	while (sem_wait(&b.entered) != 0)
		;
	/* The other thread is inside the BAR handler now. */
	assert_int_equal(cfg_rd(f, 0, 4), 0x10441af4);
	assert_int_equal(win_read32(&f->bus, W64_START), 0x11111111);
	assert_int_equal(ecam_read(&f->bus, ecam_off(0, 0, 0), 2), PCI_HOST_VENDOR);
	sem_post(&b.release);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(b.value, 0x11111111);
	sem_destroy(&b.entered);
	sem_destroy(&b.release);
	f->dev.ops = &rec_pci_ops;
}

/* A device with BARs but no access handlers is safe to reach. */
static void test_device_without_handlers(void **state)
{
	struct fixture *f = *state;
	static const struct pci_dev_ops remap_only = { 0 };
	struct pci_dev d2;
	uint32_t v = 0;

	pci_dev_init(&d2, &rec_virtio_id, &remap_only, NULL);
	assert_int_equal(pci_dev_add_bar(&d2, 0, 0x1000, false), 0);
	assert_int_equal(pci_bus_add(&f->bus, &d2), 2);
	pci_window_ops.read(&f->bus, pci_dev_bar_addr(&d2, 0) - W32_START, &v, 4);
	assert_int_equal(v, 0xffffffff);
	pci_window_ops.write(&f->bus, pci_dev_bar_addr(&d2, 0) - W32_START, &v, 4);
	pci_bus_cfg_write(&f->bus, 2, 0, PCI_COMMAND, 2, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_host_bridge),
		T(test_assignment),
		T(test_bus_full),
		cmocka_unit_test(test_window_runs_out),
		T(test_cf8_and_ecam),
		T(test_nothing_there),
		T(test_relocation),
		T(test_sizing_while_decoding),
		T(test_move_64bit_halves),
		T(test_window_dispatch),
		T(test_blocking_bar_access),
		T(test_device_without_handlers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
