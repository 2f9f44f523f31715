/* PCI configuration space, the bus (mechanism #1, ECAM, BAR windows) and
 * MSI-X, with recording ops in place of KVM. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msix.h"
#include "pci_bus.h"
#include "pci_dev.h"

#define W32_START 0xc1000000ull
#define W32_END   0xd0000000ull
#define W64_START (256ull << 30)
#define W64_END   (512ull << 30)

struct rec {
	unsigned int remaps;
	unsigned int last_bar;
	bool last_on;
	uint64_t last_base;
	unsigned int reads, writes;
	uint64_t last_off;
	unsigned int updates[8];
	bool on[8];
	uint64_t addr[8];
	uint32_t data[8];
	bool pending[8];
	unsigned int delivered[8];
};

static void bar_read(struct pci_dev *d, unsigned int bar, uint64_t off, void *data,
		     unsigned int len)
{
	struct rec *r = d->opaque;

	r->reads++;
	r->last_bar = bar;
	r->last_off = off;
	memset(data, 0x5a, len);
}

static void bar_write(struct pci_dev *d, unsigned int bar, uint64_t off, const void *data,
		      unsigned int len)
{
	struct rec *r = d->opaque;

	(void)data;
	(void)len;
	r->writes++;
	r->last_bar = bar;
	r->last_off = off;
}

static void bar_remap(struct pci_dev *d, unsigned int bar, bool old_on, uint64_t old_base,
		      bool new_on, uint64_t new_base)
{
	struct rec *r = d->opaque;

	(void)old_on;
	(void)old_base;
	r->remaps++;
	r->last_bar = bar;
	r->last_on = new_on;
	r->last_base = new_base;
}

static const struct pci_dev_ops rec_ops = { bar_read, bar_write, bar_remap };

static int vec_update(void *opaque, unsigned int vec, bool enable, uint64_t addr, uint32_t data)
{
	struct rec *r = opaque;

	r->updates[vec]++;
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
	return ((struct rec *)opaque)->pending[vec];
}

static const struct msix_ops rec_msix_ops = { vec_update, vec_pending };

static const struct pci_id virtio_id = {
	.vendor = 0x1af4, .device = 0x1044, .subsys_vendor = 0x1af4, .subsys_id = 0x40,
	.class_code = 0xff0000, .revision = 1,
};

struct fixture {
	struct rec rec;
	struct pci_bus bus;
	struct pci_dev dev;
	struct msix msix;
	int slot;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	pci_bus_init(&f.bus, W32_START, W32_END, W64_START, W64_END);
	pci_dev_init(&f.dev, &virtio_id, &rec_ops, &f.rec);
	assert_int_equal(pci_dev_add_bar(&f.dev, 0, 0x4000, true), 0);
	assert_int_equal(pci_dev_add_bar(&f.dev, 2, 0x1000, false), 0);
	assert_int_equal(msix_init(&f.msix, 3, &rec_msix_ops, &f.rec), 0);
	assert_true(pci_dev_add_msix(&f.dev, &f.msix, 2, 0, 0x800) >= PCI_CAP_START);
	f.slot = pci_bus_add(&f.bus, &f.dev);
	assert_int_equal(f.slot, 1);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	msix_destroy(&f->msix);
	pci_bus_destroy(&f->bus);
	return 0;
}

static uint32_t cfg_rd(struct fixture *f, unsigned int off, unsigned int len)
{
	return pci_bus_cfg_read(&f->bus, (unsigned int)f->slot, 0, off, len);
}

static void cfg_wr(struct fixture *f, unsigned int off, unsigned int len, uint32_t v)
{
	pci_bus_cfg_write(&f->bus, (unsigned int)f->slot, 0, off, len, v);
}

static void test_header_and_masks(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cfg_rd(f, 0, 4), 0x10441af4);
	assert_int_equal(cfg_rd(f, 2, 2), 0x1044);
	assert_int_equal(cfg_rd(f, 0x2c, 4), 0x00401af4);
	assert_int_equal(cfg_rd(f, 0x08, 4), 0xff000001);
	cfg_wr(f, 0, 4, 0xdeadbeef);          /* read-only */
	assert_int_equal(cfg_rd(f, 0, 4), 0x10441af4);
	cfg_wr(f, PCI_COMMAND, 2, 0xffff);    /* only the declared bits stick */
	assert_int_equal(cfg_rd(f, PCI_COMMAND, 2),
			 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			 PCI_COMMAND_INTX_OFF);
	assert_int_equal(cfg_rd(f, PCI_INTERRUPT_PIN, 1), 0);
	/* Status: error bits are write-1-to-clear, the cap bit read-only. */
	f->dev.cfg[PCI_STATUS + 1] |= 0x20;   /* as if a master abort happened */
	cfg_wr(f, PCI_STATUS, 2, 0x0010);
	assert_int_equal(cfg_rd(f, PCI_STATUS, 2), 0x2010);
	cfg_wr(f, PCI_STATUS, 2, 0x2000);
	assert_int_equal(cfg_rd(f, PCI_STATUS, 2), 0x0010);
	/* Misaligned or odd-sized: all-ones, nothing written. */
	assert_int_equal(cfg_rd(f, 1, 2), 0xffff);
	assert_int_equal(cfg_rd(f, 0x100, 4), 0);
	assert_int_equal(cfg_rd(f, 0x1000 - 4, 4), 0);
}

static void test_capability_chain(void **state)
{
	struct fixture *f = *state;
	unsigned int off, n = 0;
	uint8_t cap[4] = { PCI_CAP_ID_VNDR, 0, 4, 7 };

	/* A second capability chained after MSI-X. */
	assert_true(pci_dev_add_cap(&f->dev, cap, sizeof(cap), NULL) > 0);
	assert_true(cfg_rd(f, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	off = cfg_rd(f, PCI_CAPABILITY_LIST, 1);
	assert_int_equal(cfg_rd(f, off, 1), PCI_CAP_ID_MSIX);
	assert_int_equal(cfg_rd(f, off + 2, 2), 2);                 /* table size - 1 */
	assert_int_equal(cfg_rd(f, off + 4, 4), 0x0 | 2);          /* offset | BIR */
	assert_int_equal(cfg_rd(f, off + 8, 4), 0x800 | 2);
	while (off && n < 48) {
		assert_true(off >= PCI_CAP_START && off % 4 == 0);
		if (cfg_rd(f, off, 1) == PCI_CAP_ID_VNDR)
			assert_int_equal(cfg_rd(f, off + 3, 1), 7);
		off = cfg_rd(f, off + 1, 1);
		n++;
	}
	assert_int_equal(n, 2);
	/* Ids and next pointers are read-only. */
	off = cfg_rd(f, PCI_CAPABILITY_LIST, 1);
	cfg_wr(f, off, 2, 0);
	assert_int_equal(cfg_rd(f, off, 1), PCI_CAP_ID_MSIX);
}

static void test_bar_sizing_and_assignment(void **state)
{
	struct fixture *f = *state;
	uint32_t lo = cfg_rd(f, PCI_BAR0, 4), hi = cfg_rd(f, PCI_BAR0 + 4, 4);

	/* Assigned before boot, naturally aligned, in the right windows. */
	assert_int_equal(lo & 0xf, PCI_BAR_MEM_64);
	assert_int_equal((uint64_t)hi << 32 | (lo & ~0xfu), W64_START);
	assert_int_equal(cfg_rd(f, PCI_BAR0 + 8, 4), W32_START);
	assert_true(f->rec.remaps >= 2);
	/* Sizing with decoding off, as Linux does it. */
	cfg_wr(f, PCI_COMMAND, 2, 0);
	f->rec.remaps = 0;
	cfg_wr(f, PCI_BAR0, 4, 0xffffffff);
	cfg_wr(f, PCI_BAR0 + 4, 4, 0xffffffff);
	assert_int_equal(cfg_rd(f, PCI_BAR0, 4), (uint32_t)~(0x4000u - 1) | PCI_BAR_MEM_64);
	assert_int_equal(cfg_rd(f, PCI_BAR0 + 4, 4), 0xffffffff);
	cfg_wr(f, PCI_BAR0 + 8, 4, 0xffffffff);
	assert_int_equal(cfg_rd(f, PCI_BAR0 + 8, 4), (uint32_t)~(0x1000u - 1));
	/* Unimplemented BARs read 0 whatever is written. */
	cfg_wr(f, PCI_BAR0 + 12, 4, 0xffffffff);
	assert_int_equal(cfg_rd(f, PCI_BAR0 + 12, 4), 0);
	assert_int_equal(f->rec.remaps, 0);
}

static void test_relocation(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[4];
	uint64_t nb = W64_START + 0x100000;

	/* Decoding off: one remap to off for each BAR. */
	f->rec.remaps = 0;
	cfg_wr(f, PCI_COMMAND, 2, 0);
	assert_int_equal(f->rec.remaps, 2);
	assert_false(f->rec.last_on);
	pci_window64_ops.read(&f->bus, 0x10, buf, 4);
	assert_int_equal(f->rec.reads, 0);
	assert_memory_equal(buf, "\xff\xff\xff\xff", 4);
	/* New base for BAR 0 in both halves, then decoding on. */
	cfg_wr(f, PCI_BAR0, 4, (uint32_t)nb);
	cfg_wr(f, PCI_BAR0 + 4, 4, (uint32_t)(nb >> 32));
	assert_int_equal(f->rec.remaps, 2);
	f->rec.remaps = 0;
	cfg_wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(f->rec.remaps, 2);
	/* The window now dispatches the new address to BAR 0, not the old. */
	pci_window64_ops.read(&f->bus, 0x100000 + 0x24, buf, 4);
	assert_int_equal(f->rec.reads, 1);
	assert_int_equal(f->rec.last_bar, 0);
	assert_int_equal(f->rec.last_off, 0x24);
	pci_window64_ops.read(&f->bus, 0x24, buf, 4);
	assert_int_equal(f->rec.reads, 1);
	/* Rewriting the same values reports nothing. */
	f->rec.remaps = 0;
	cfg_wr(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	cfg_wr(f, PCI_BAR0, 4, (uint32_t)nb);
	assert_int_equal(f->rec.remaps, 0);
	/* A base outside the windows does not decode. */
	cfg_wr(f, PCI_BAR0 + 8, 4, 0x1000);
	assert_int_equal(f->rec.remaps, 1);
	assert_false(f->rec.last_on);
	/* An access that straddles the BAR's end is not dispatched. */
	pci_window64_ops.write(&f->bus, 0x100000 + 0x4000 - 2, buf, 4);
	assert_int_equal(f->rec.writes, 0);
}

static void test_cf8_and_ecam(void **state)
{
	struct fixture *f = *state;
	uint32_t addr = 0x80000000u | (uint32_t)f->slot << 11, v = 0;
	uint16_t w = 0;

	pci_cf8_ops.write(&f->bus, 0, &addr, 4);
	pci_cf8_ops.read(&f->bus, 4, &v, 4);
	assert_int_equal(v, 0x10441af4);
	pci_cf8_ops.read(&f->bus, 6, &w, 2);
	assert_int_equal(w, 0x1044);
	pci_cf8_ops.read(&f->bus, 0, &v, 4);
	assert_int_equal(v, addr);
	/* Same register through ECAM; the host bridge at slot 0. */
	pci_ecam_ops.read(&f->bus, (uint64_t)f->slot << 15, &v, 4);
	assert_int_equal(v, 0x10441af4);
	pci_ecam_ops.read(&f->bus, 0, &v, 4);
	assert_int_equal(v, (uint32_t)PCI_HOST_DEVICE << 16 | PCI_HOST_VENDOR);
	/* Empty slot, other function, other bus, disabled CONFIG_ADDRESS. */
	pci_ecam_ops.read(&f->bus, 9u << 15, &v, 4);
	assert_int_equal(v, 0xffffffff);
	pci_ecam_ops.read(&f->bus, (uint64_t)f->slot << 15 | 1u << 12, &v, 4);
	assert_int_equal(v, 0xffffffff);
	addr = 0x80010000u;
	pci_cf8_ops.write(&f->bus, 0, &addr, 4);
	pci_cf8_ops.read(&f->bus, 4, &v, 4);
	assert_int_equal(v, 0xffffffff);
	addr = (uint32_t)f->slot << 11;
	pci_cf8_ops.write(&f->bus, 0, &addr, 4);
	pci_cf8_ops.read(&f->bus, 4, &v, 4);
	assert_int_equal(v, 0xffffffff);
	/* A write through ECAM lands in the device. */
	pci_ecam_ops.write(&f->bus, (uint64_t)f->slot << 15 | PCI_COMMAND, &(uint16_t){ 0 }, 2);
	assert_int_equal(cfg_rd(f, PCI_COMMAND, 2), 0);
}

static void msix_ctrl(struct fixture *f, uint16_t v)
{
	cfg_wr(f, f->dev.msix_cap + 2, 2, v);
}

static void entry_write(struct fixture *f, unsigned int vec, uint64_t addr, uint32_t data,
			uint32_t ctrl)
{
	uint32_t w[4] = { (uint32_t)addr, (uint32_t)(addr >> 32), data, ctrl };

	for (unsigned int i = 0; i < 4; i++)
		msix_table_write(&f->msix, vec * 16 + i * 4, &w[i], 4);
}

static uint64_t pba(struct fixture *f)
{
	uint64_t v = 0;

	msix_pba_read(&f->msix, 0, &v, 8);
	return v;
}

static void test_msix_masking_and_pba(void **state)
{
	struct fixture *f = *state;
	uint32_t v;

	/* Reset state: masked; table readable. */
	msix_table_read(&f->msix, 12, &v, 4);
	assert_int_equal(v, MSIX_ENTRY_MASKED);
	msix_ctrl(f, MSIX_CTRL_ENABLE);
	assert_int_equal(f->rec.updates[1], 0);
	/* Message written while masked: nothing reaches KVM yet. */
	entry_write(f, 1, 0xfee00000, 0x4041, MSIX_ENTRY_MASKED);
	assert_int_equal(f->rec.updates[1], 0);
	/* The source fires while masked: PBA bit 1. */
	f->rec.pending[1] = true;
	assert_int_equal(pba(f), 1u << 1);
	/* Unmask: one update with the message, the pending one delivered. */
	entry_write(f, 1, 0xfee00000, 0x4041, 0);
	assert_int_equal(f->rec.updates[1], 1);
	assert_true(f->rec.on[1]);
	assert_int_equal(f->rec.addr[1], 0xfee00000);
	assert_int_equal(f->rec.data[1], 0x4041);
	assert_int_equal(f->rec.delivered[1], 1);
	assert_int_equal(pba(f), 0);
	/* Same values again: no update.  New data while on: one update. */
	entry_write(f, 1, 0xfee00000, 0x4041, 0);
	assert_int_equal(f->rec.updates[1], 1);
	entry_write(f, 1, 0xfee00000, 0x4042, 0);
	assert_int_equal(f->rec.updates[1], 2);
	assert_int_equal(f->rec.data[1], 0x4042);
	/* Only the mask bit of vector control is writable. */
	v = 0xfffffffe;
	msix_table_write(&f->msix, 16 + 12, &v, 4);
	msix_table_read(&f->msix, 16 + 12, &v, 4);
	assert_int_equal(v, 0);
}

static void test_msix_function_mask_and_enable(void **state)
{
	struct fixture *f = *state;

	msix_ctrl(f, MSIX_CTRL_ENABLE);
	entry_write(f, 0, 0xfee00000, 0x30, 0);
	entry_write(f, 2, 0xfee01000, 0x31, 0);
	assert_true(f->rec.on[0] && f->rec.on[2]);
	/* Function mask turns every vector off, and back on. */
	msix_ctrl(f, MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	assert_false(f->rec.on[0] || f->rec.on[2]);
	f->rec.pending[2] = true;
	assert_int_equal(pba(f), 1u << 2);
	assert_int_equal(cfg_rd(f, f->dev.msix_cap + 2, 2),
			 MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK | 2);
	msix_ctrl(f, MSIX_CTRL_ENABLE);
	assert_true(f->rec.on[0] && f->rec.on[2]);
	assert_int_equal(f->rec.delivered[2], 1);
	/* Disabling MSI-X stops delivery too. */
	msix_ctrl(f, 0);
	assert_false(f->rec.on[0] || f->rec.on[2]);
	assert_int_equal(f->rec.updates[0], 4);   /* on, off, on, off */
}

static void test_msix_bad_accesses(void **state)
{
	struct fixture *f = *state;
	uint64_t v = 0;
	uint8_t b = 0;

	msix_table_read(&f->msix, 3 * 16, &v, 4);       /* past the table */
	assert_int_equal(v & 0xffffffff, 0xffffffff);
	msix_table_read(&f->msix, 2, &v, 4);            /* misaligned */
	assert_int_equal(v & 0xffffffff, 0xffffffff);
	msix_table_read(&f->msix, 0, &b, 1);            /* byte access */
	assert_int_equal(b, 0xff);
	v = 0x1234;
	msix_table_write(&f->msix, 3 * 16, &v, 4);
	msix_table_write(&f->msix, 1, &v, 1);
	msix_pba_read(&f->msix, 64, &v, 8);
	assert_int_equal(v, UINT64_MAX);
	msix_table_read(&f->msix, 0, &v, 8);            /* 8-byte access is fine */
	assert_int_equal(v, 0);
	assert_int_equal(msix_init(&(struct msix){ 0 }, 0, &rec_msix_ops, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_and_masks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capability_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_sizing_and_assignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cf8_and_ecam, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_masking_and_pba, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_function_mask_and_enable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_msix_bad_accesses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
