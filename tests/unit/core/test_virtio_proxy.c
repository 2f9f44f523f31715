/* The core's device proxy once its worker is gone: every read all-ones,
 * writes dropped, except that a reset (0 written to the status register)
 * reads back as 0 so that a guest polling for the end of its reset can
 * finish shutting down.  No worker is started: a read nobody answers runs
 * into the mailbox deadline, which is how a stopped worker looks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "virtio_mmio.h"
#include "virtio_pci.h"
#include "virtio_proxy.h"

#define DEADLINE_MS 20
#define PCI_STATUS  (VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_STATUS)

static uint64_t rd(struct virtio_proxy *p, uint64_t off, unsigned int len)
{
	uint64_t v = 0;

	virtio_proxy_read(p, off, &v, len);
	return v;
}

static void wr(struct virtio_proxy *p, uint64_t off, uint64_t v, unsigned int len)
{
	virtio_proxy_write(p, off, &v, len);
}

static void init_proxy(struct virtio_proxy *p, bool pci)
{
	assert_int_equal(virtio_proxy_init(p, &virtio_kind_rng, "rng0", pci, DEADLINE_MS, 0), 0);
}

static void unanswered_read_fails_the_device(void **state)
{
	struct virtio_proxy p;

	(void)state;
	init_proxy(&p, true);
	assert_false(atomic_load(&p.failed));
	assert_int_equal(rd(&p, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_NUMQ, 2), 0xffff);
	assert_true(atomic_load(&p.failed));
	/* Later reads do not wait for the mailbox again. */
	assert_int_equal(rd(&p, PCI_STATUS, 1), 0xff);
	assert_int_equal(atomic_load(&p.failed_reads), 1);
	virtio_proxy_destroy(&p);
}

static void pci_status_reads_zero_after_reset(void **state)
{
	struct virtio_proxy p;

	(void)state;
	init_proxy(&p, true);
	virtio_proxy_fail(&p, "test");
	assert_int_equal(rd(&p, PCI_STATUS, 1), 0xff);
	wr(&p, PCI_STATUS, 0, 1);
	assert_int_equal(rd(&p, PCI_STATUS, 1), 0);
	/* Only the status register: everything else stays all-ones. */
	assert_int_equal(rd(&p, VIRTIO_PCI_COMMON_OFF + VIRTIO_PCI_COMMON_DF, 4), 0xffffffffu);
	assert_int_equal(rd(&p, VIRTIO_PCI_ISR_OFF, 1), 0xff);
	/* A driver trying again sees the device broken at once. */
	wr(&p, PCI_STATUS, 1, 1);
	assert_int_equal(rd(&p, PCI_STATUS, 1), 0xff);
	virtio_proxy_destroy(&p);
}

static void mmio_status_reads_zero_after_reset(void **state)
{
	struct virtio_proxy p;

	(void)state;
	init_proxy(&p, false);
	virtio_proxy_fail(&p, "test");
	assert_int_equal(rd(&p, VIRTIO_MMIO_STATUS, 4), 0xffffffffu);
	/* The PCI status offset means nothing on MMIO. */
	wr(&p, PCI_STATUS, 0, 1);
	assert_int_equal(rd(&p, VIRTIO_MMIO_STATUS, 4), 0xffffffffu);
	wr(&p, VIRTIO_MMIO_STATUS, 0, 4);
	assert_int_equal(rd(&p, VIRTIO_MMIO_STATUS, 4), 0);
	assert_int_equal(rd(&p, VIRTIO_MMIO_MAGIC_VALUE, 4), 0xffffffffu);
	virtio_proxy_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unanswered_read_fails_the_device),
		cmocka_unit_test(pci_status_reads_zero_after_reset),
		cmocka_unit_test(mmio_status_reads_zero_after_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
