/* One function's configuration space: header, access widths and bounds,
 * writable and write-1-to-clear masks, capabilities, BAR declaration and
 * sizing.  Driven directly through pci_dev, without a bus. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "msix.h"
#include "pci_dev.h"
#include "recorder.h"

static struct pci_dev *new_dev(void **state)
{
	static struct pci_dev d;

	pci_dev_init(&d, &rec_virtio_id, &rec_pci_ops, NULL);
	*state = &d;
	return &d;
}

static uint32_t rd(const struct pci_dev *d, unsigned int off, unsigned int len)
{
	return pci_dev_cfg_read(d, off, len);
}

static void test_header(void **state)
{
	struct pci_dev *d = new_dev(state);

	assert_int_equal(rd(d, PCI_VENDOR_ID, 4), 0x10441af4);
	assert_int_equal(rd(d, PCI_REVISION_ID, 4), 0xff000001);       /* class, rev */
	assert_int_equal(rd(d, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(rd(d, PCI_SUBSYSTEM_VENDOR, 4), 0x00401af4);
	assert_int_equal(rd(d, PCI_INTERRUPT_PIN, 1), 0);               /* no INTx */
	assert_int_equal(rd(d, PCI_CAPABILITY_LIST, 1), 0);
	assert_int_equal(rd(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	for (unsigned int bar = 0; bar < PCI_NUM_BARS; bar++)
		assert_int_equal(rd(d, PCI_BAR0 + bar * 4, 4), 0);
}

/* Every width at every offset reads the little-endian bytes there. */
static void test_read_widths(void **state)
{
	struct pci_dev *d = new_dev(state);
	uint8_t bytes[PCI_CFG_SIZE];

	for (unsigned int i = 0; i < PCI_CFG_SIZE; i++)
		bytes[i] = (uint8_t)rd(d, i, 1);
	for (unsigned int off = 0; off < PCI_CFG_SIZE; off++) {
		for (unsigned int len = 2; len <= 4; len += 2) {
			uint32_t want = 0;

			for (unsigned int i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
				want |= (uint32_t)bytes[off + i] << (8 * i);
			assert_int_equal(rd(d, off, len), want);
		}
	}
	assert_int_equal(rd(d, 1, 2), 0x441a);                  /* unaligned */
	assert_int_equal(rd(d, 7, 4), 0x00000100);         /* status hi .. class */
}

static void test_bounds(void **state)
{
	struct pci_dev *d = new_dev(state);
	uint8_t before[PCI_CFG_SIZE];

	/* Extended space reads 0 and ignores writes; past 4 KiB all-ones. */
	assert_int_equal(rd(d, 0x100, 4), 0);
	assert_int_equal(rd(d, 0xffc, 4), 0);
	assert_int_equal(rd(d, 0xffe, 2), 0);
	pci_dev_cfg_write(d, 0x100, 4, 0xffffffff);
	assert_int_equal(rd(d, 0x100, 4), 0);
	assert_int_equal(rd(d, 0xffe, 4), 0xffffffff);
	assert_int_equal(rd(d, 0x1000, 1), 0xff);
	assert_int_equal(rd(d, UINT32_MAX, 4), 0xffffffff);
	/* Odd sizes read all-ones and write nothing. */
	assert_int_equal(rd(d, 0, 3), 0xffffff);
	assert_int_equal(rd(d, 0, 8), 0xffffffff);
	assert_int_equal(rd(d, 0, 0), 0);
	memcpy(before, d->cfg, sizeof(before));
	pci_dev_cfg_write(d, PCI_COMMAND, 3, 0xffffff);
	pci_dev_cfg_write(d, PCI_COMMAND, 8, 0xffffffff);
	pci_dev_cfg_write(d, 0xfff, 4, 0xffffffff);
	pci_dev_cfg_write(d, UINT32_MAX - 1, 2, 0xffff);
	assert_memory_equal(before, d->cfg, sizeof(before));
	/* An access across the 256-byte end touches only the bytes below. */
	d->wmask[0xfe] = d->wmask[0xff] = 0xff;
	pci_dev_cfg_write(d, 0xfe, 4, 0x44332211);
	assert_int_equal(rd(d, 0xfe, 4), 0x2211);
}

static void test_read_only_ids(void **state)
{
	struct pci_dev *d = new_dev(state);

	pci_dev_cfg_write(d, PCI_VENDOR_ID, 4, 0xdeadbeef);
	pci_dev_cfg_write(d, PCI_DEVICE_ID, 2, 0xbeef);
	pci_dev_cfg_write(d, PCI_VENDOR_ID + 1, 1, 0x00);
	pci_dev_cfg_write(d, PCI_REVISION_ID, 4, 0);
	pci_dev_cfg_write(d, PCI_SUBSYSTEM_VENDOR, 4, 0);
	pci_dev_cfg_write(d, PCI_INTERRUPT_PIN, 1, 1);
	pci_dev_cfg_write(d, PCI_HEADER_TYPE, 1, 0x80);
	assert_int_equal(rd(d, PCI_VENDOR_ID, 4), 0x10441af4);
	assert_int_equal(rd(d, PCI_REVISION_ID, 4), 0xff000001);
	assert_int_equal(rd(d, PCI_SUBSYSTEM_VENDOR, 4), 0x00401af4);
	assert_int_equal(rd(d, PCI_INTERRUPT_PIN, 1), 0);
	assert_int_equal(rd(d, PCI_HEADER_TYPE, 1), 0);
}

static void test_command_and_line(void **state)
{
	struct pci_dev *d = new_dev(state);
	const uint16_t cmd = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			     PCI_COMMAND_INTX_OFF;

	pci_dev_cfg_write(d, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(d, PCI_COMMAND, 2), cmd);
	assert_true(pci_dev_mem_enabled(d));
	pci_dev_cfg_write(d, PCI_COMMAND, 1, 0);                 /* low byte only */
	assert_int_equal(rd(d, PCI_COMMAND, 2), PCI_COMMAND_INTX_OFF);
	assert_false(pci_dev_mem_enabled(d));
	pci_dev_cfg_write(d, PCI_COMMAND + 1, 1, 0);
	assert_int_equal(rd(d, PCI_COMMAND, 2), 0);
	/* A dword write at 0x04 reaches command and status together. */
	pci_dev_cfg_write(d, PCI_COMMAND, 4, 0x00000002);
	assert_int_equal(rd(d, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	/* Interrupt line is the OS's scratch byte. */
	pci_dev_cfg_write(d, PCI_INTERRUPT_LINE, 2, 0x010b);
	assert_int_equal(rd(d, PCI_INTERRUPT_LINE, 2), 0x000b);
}

static void test_status_w1c(void **state)
{
	struct pci_dev *d = new_dev(state);
	uint8_t cap[4] = { PCI_CAP_ID_VNDR, 0, 4, 0 };

	assert_true(pci_dev_add_cap(d, cap, sizeof(cap), NULL) > 0);
	/* As if the function had signalled a master abort and a parity error. */
	d->cfg[PCI_STATUS + 1] |= 0xa0;
	assert_int_equal(rd(d, PCI_STATUS, 2), 0xa010);
	pci_dev_cfg_write(d, PCI_STATUS, 2, 0);                  /* 0s change nothing */
	assert_int_equal(rd(d, PCI_STATUS, 2), 0xa010);
	pci_dev_cfg_write(d, PCI_STATUS, 2, 0x2000);             /* clears one bit */
	assert_int_equal(rd(d, PCI_STATUS, 2), 0x8010);
	pci_dev_cfg_write(d, PCI_STATUS, 2, 0xffff);             /* cap bit read-only */
	assert_int_equal(rd(d, PCI_STATUS, 2), 0x0010);
	/* Writing the command half of the dword leaves status alone. */
	d->cfg[PCI_STATUS + 1] |= 0x80;
	pci_dev_cfg_write(d, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(rd(d, PCI_STATUS, 2), 0x8010);
}

static void test_capability_chain(void **state)
{
	struct pci_dev *d = new_dev(state);
	uint8_t a[6] = { PCI_CAP_ID_VNDR, 0xee, 6, 1, 0x11, 0x22 };
	uint8_t a_mask[6] = { 0xff, 0xff, 0, 0, 0xff, 0x0f };
	uint8_t b[3] = { 0x05, 0, 0x33 };
	int off_a, off_b;
	unsigned int off, n = 0;

	off_a = pci_dev_add_cap(d, a, sizeof(a), a_mask);
	off_b = pci_dev_add_cap(d, b, sizeof(b), NULL);
	assert_int_equal(off_a, PCI_CAP_START);
	assert_true(off_b > off_a + 5 && off_b % 4 == 0);
	assert_true(rd(d, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	/* Walk the chain as an OS does. */
	for (off = rd(d, PCI_CAPABILITY_LIST, 1); off; off = rd(d, off + 1, 1)) {
		assert_true(off >= PCI_CAP_START && off % 4 == 0 && n < 2);
		assert_int_equal(rd(d, off, 1), n == 0 ? PCI_CAP_ID_VNDR : 0x05);
		assert_int_equal(off, n == 0 ? (unsigned int)off_a : (unsigned int)off_b);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(rd(d, off_a + 4, 2), 0x2211);
	/* Its own writable mask; id and next read-only whatever the mask. */
	pci_dev_cfg_write(d, (unsigned int)off_a, 4, 0);
	pci_dev_cfg_write(d, (unsigned int)off_a + 4, 2, 0xabcd);
	assert_int_equal(rd(d, (unsigned int)off_a, 4), 0x01060000u | (uint32_t)off_b << 8 |
			 PCI_CAP_ID_VNDR);
	assert_int_equal(rd(d, (unsigned int)off_a + 4, 2), 0x2bcd);
	pci_dev_cfg_write(d, (unsigned int)off_b + 2, 1, 0);
	assert_int_equal(rd(d, (unsigned int)off_b + 2, 1), 0x33);
	assert_int_equal(rd(d, PCI_CAPABILITY_LIST, 1), off_a);
	pci_dev_cfg_write(d, PCI_CAPABILITY_LIST, 1, 0);
	assert_int_equal(rd(d, PCI_CAPABILITY_LIST, 1), off_a);
}

static void test_capability_space_runs_out(void **state)
{
	struct pci_dev *d = new_dev(state);
	uint8_t big[64] = { PCI_CAP_ID_VNDR };
	int last = 0, ret;

	for (unsigned int i = 0; i < 10; i++) {
		ret = pci_dev_add_cap(d, big, sizeof(big), NULL);
		if (ret < 0)
			break;
		last = ret;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(last, 0xc0);           /* 0x40, 0x80, 0xc0 fit, 0x100 does not */
	assert_int_equal(rd(d, (unsigned int)last + 1, 1), 0);
	assert_int_equal(pci_dev_add_cap(d, big, 1, NULL), -ENOSPC);
	assert_int_equal(pci_dev_add_cap(d, big, UINT32_MAX, NULL), -ENOSPC);
}

static void test_bar_declaration(void **state)
{
	struct pci_dev *d = new_dev(state);

	assert_int_equal(pci_dev_add_bar(d, 0, 0, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 0, 8, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 0, 0x3000, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 0, 1ull << 32, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 6, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 5, 0x1000, true), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 1, 0x1000, true), 0);
	/* BAR 1 taken, BAR 2 is its upper half. */
	assert_int_equal(pci_dev_add_bar(d, 1, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 2, 0x1000, false), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 0, 0x1000, true), -EINVAL);
	assert_int_equal(pci_dev_add_bar(d, 0, 16, false), 0);
	assert_int_equal(pci_dev_add_bar(d, 3, 1ull << 31, false), 0);
	assert_int_equal(pci_dev_add_bar(d, 4, 1ull << 40, true), 0);
}

static void test_bar_sizing_32(void **state)
{
	struct pci_dev *d = new_dev(state);
	unsigned int reg = PCI_BAR0 + 2 * 4;

	assert_int_equal(pci_dev_add_bar(d, 2, 0x1000, false), 0);
	pci_dev_set_bar_addr(d, 2, 0xc1002000);
	assert_int_equal(rd(d, reg, 4), 0xc1002000);
	assert_int_equal(pci_dev_bar_addr(d, 2), 0xc1002000);
	pci_dev_cfg_write(d, reg, 4, 0xffffffff);
	assert_int_equal(rd(d, reg, 4), 0xfffff000);
	/* Bits below the size stay 0 whatever is written. */
	pci_dev_cfg_write(d, reg, 4, 0xc1003fff);
	assert_int_equal(rd(d, reg, 4), 0xc1003000);
	/* Byte-wise sizing works the same. */
	for (unsigned int i = 0; i < 4; i++)
		pci_dev_cfg_write(d, reg + i, 1, 0xff);
	assert_int_equal(rd(d, reg, 4), 0xfffff000);
	/* A BAR register nobody declared reads 0 after all-ones. */
	pci_dev_cfg_write(d, PCI_BAR0 + 5 * 4, 4, 0xffffffff);
	assert_int_equal(rd(d, PCI_BAR0 + 5 * 4, 4), 0);
}

static void test_bar_sizing_64_and_prefetch(void **state)
{
	struct pci_dev *d = new_dev(state);

	assert_int_equal(pci_dev_add_bar(d, 0, 0x4000, true), 0);
	assert_int_equal(pci_dev_add_prefetchable_bar(d, 2, 8ull << 30, true), 0);
	assert_int_equal(pci_dev_add_prefetchable_bar(d, 4, 0x100, false), 0);
	assert_int_equal(rd(d, PCI_BAR0, 4), PCI_BAR_MEM_64);
	assert_int_equal(rd(d, PCI_BAR0 + 8, 4), PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH);
	assert_int_equal(rd(d, PCI_BAR0 + 16, 4), PCI_BAR_MEM_PREFETCH);
	for (unsigned int reg = PCI_BAR0; reg < PCI_BAR0 + 24; reg += 4)
		pci_dev_cfg_write(d, reg, 4, 0xffffffff);
	assert_int_equal(rd(d, PCI_BAR0, 4), 0xffffc000 | PCI_BAR_MEM_64);
	assert_int_equal(rd(d, PCI_BAR0 + 4, 4), 0xffffffff);
	assert_int_equal(rd(d, PCI_BAR0 + 8, 4), PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH);
	assert_int_equal(rd(d, PCI_BAR0 + 12, 4), 0xfffffffe);   /* 8 GiB */
	assert_int_equal(rd(d, PCI_BAR0 + 16, 4), 0xffffff00 | PCI_BAR_MEM_PREFETCH);
	/* The guest programs an address; the flags stay. */
	pci_dev_cfg_write(d, PCI_BAR0, 4, 0x00104000);
	pci_dev_cfg_write(d, PCI_BAR0 + 4, 4, 0x41);
	assert_int_equal(pci_dev_bar_addr(d, 0), 0x4100104000ull);
	assert_int_equal(rd(d, PCI_BAR0, 4), 0x00104000 | PCI_BAR_MEM_64);
	pci_dev_set_bar_addr(d, 2, 0x4200000000ull);
	assert_int_equal(rd(d, PCI_BAR0 + 8, 4), PCI_BAR_MEM_64 | PCI_BAR_MEM_PREFETCH);
	assert_int_equal(rd(d, PCI_BAR0 + 12, 4), 0x42);
}

static void test_msix_cap_layout_checked(void **state)
{
	struct pci_dev *d = new_dev(state);
	struct msix m;
	int off;

	assert_int_equal(msix_init(&m, 70, &rec_msix_ops, NULL), 0);
	assert_int_equal(pci_dev_add_bar(d, 0, 0x4000, true), 0);
	assert_int_equal(pci_dev_add_bar(d, 2, 0x1000, false), 0);
	/* No BAR 3 (nor the upper half of BAR 0), past the BAR, misaligned,
	 * overlapping. */
	assert_int_equal(pci_dev_add_msix(d, &m, 3, 0, 0x800), -EINVAL);
	assert_int_equal(pci_dev_add_msix(d, &m, 1, 0, 0x800), -EINVAL);
	assert_int_equal(pci_dev_add_msix(d, &m, 2, 0xc00, 0), -EINVAL);   /* 1120 B table */
	assert_int_equal(pci_dev_add_msix(d, &m, 2, 0, 0xff8), -EINVAL);   /* 16 B PBA */
	assert_int_equal(pci_dev_add_msix(d, &m, 2, 4, 0x800), -EINVAL);
	assert_int_equal(pci_dev_add_msix(d, &m, 2, 0, 0x400), -EINVAL);
	assert_int_equal(pci_dev_add_msix(d, &m, 9, 0, 0x800), -EINVAL);
	assert_int_equal(rd(d, PCI_CAPABILITY_LIST, 1), 0);
	off = pci_dev_add_msix(d, &m, 2, 0x100, 0xff0);
	assert_true(off >= PCI_CAP_START);
	assert_int_equal(rd(d, (unsigned int)off, 2), PCI_CAP_ID_MSIX);
	assert_int_equal(rd(d, (unsigned int)off + 2, 2), 69);            /* N - 1 */
	assert_int_equal(rd(d, (unsigned int)off + 4, 4), 0x100 | 2);
	assert_int_equal(rd(d, (unsigned int)off + 8, 4), 0xff0 | 2);
	/* Only enable and function mask are writable. */
	pci_dev_cfg_write(d, (unsigned int)off + 2, 2, 0xffff);
	assert_int_equal(rd(d, (unsigned int)off + 2, 2), 0xc000 | 69);
	pci_dev_cfg_write(d, (unsigned int)off + 4, 4, 0);
	assert_int_equal(rd(d, (unsigned int)off + 4, 4), 0x100 | 2);
	/* One MSI-X capability per function. */
	assert_int_equal(pci_dev_add_msix(d, &m, 2, 0x100, 0xff0), -EINVAL);
	msix_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_read_widths),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_read_only_ids),
		cmocka_unit_test(test_command_and_line),
		cmocka_unit_test(test_status_w1c),
		cmocka_unit_test(test_capability_chain),
		cmocka_unit_test(test_capability_space_runs_out),
		cmocka_unit_test(test_bar_declaration),
		cmocka_unit_test(test_bar_sizing_32),
		cmocka_unit_test(test_bar_sizing_64_and_prefetch),
		cmocka_unit_test(test_msix_cap_layout_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
