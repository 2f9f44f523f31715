// SPDX-License-Identifier: Apache-2.0
/* virtio-pci modern register model, driven as the core forwards guest
 * accesses, with a dummy device behind it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "dummy_dev.h"
#include "virtio_pci.h"

struct fixture {
	struct guest_mem gm;
	struct virtio_dev dev;
	struct dummy d;
	int config_irq;
	int queue_irq;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	assert_int_equal(dummy_dev_setup(&f.dev, &f.d, &f.gm, VIRTIO_TRANSPORT_PCI), 0);
	f.config_irq = eventfd(0, EFD_NONBLOCK);
	f.queue_irq = eventfd(0, EFD_NONBLOCK);
	assert_int_equal(virtio_dev_set_vector_fd(&f.dev, 0, f.config_irq), 0);
	assert_int_equal(virtio_dev_set_vector_fd(&f.dev, 1, f.queue_irq), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_dev_fini(&f->dev);
	close(f->config_irq);
	close(f->queue_irq);
	return 0;
}

static void set_features(struct fixture *f, uint64_t features)
{
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)features);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GF, 4, features >> 32);
}

static uint8_t negotiate(struct fixture *f, uint64_t features)
{
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	set_features(f, features);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1,
		 VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	return (uint8_t)guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1);
}

static void program_queue(struct fixture *f, uint16_t q, uint16_t size)
{
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_DESCLO, 4, DESC);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_AVAILLO, 4, AVAIL);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_AVAILHI, 4, 0);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_USEDLO, 8, USED);	/* one 64-bit access */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
}

static void driver_ok(struct fixture *f)
{
	assert_true(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)) & VIRTIO_STATUS_FEATURES_OK);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	program_queue(f, 0, 16);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0x0f);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1), 0x0f);
}

static void test_identity_registers(void **state)
{
	struct fixture *f = *state;
	uint64_t lo, hi;

	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_NUMQ, 2), 2);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	lo = guest_rd(&f->dev, VIRTIO_PCI_COMMON_DF, 4);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	hi = guest_rd(&f->dev, VIRTIO_PCI_COMMON_DF, 4);
	assert_true(lo & VIRTIO_BIT(DUMMY_FEATURE));
	assert_true(lo & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC));
	assert_true(lo & VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
	assert_true(hi & 1);					/* VERSION_1 */
	assert_false(hi & (VIRTIO_BIT(VIRTIO_F_RING_PACKED) >> 32));
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_DFSELECT, 4, 7);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_DF, 4), 0);	/* no such word */
	/* queue_size reads the maximum after reset. */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, 2);		/* no such queue */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);		/* ignored */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
}

static void test_wrong_width_ignored(void **state)
{
	struct fixture *f = *state;

	/* A byte read of a 32-bit register, a 32-bit read of a 16-bit one. */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_DF, 1), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_NUMQ, 4), 0);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 2, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1), 0);
	/* Outside the BAR and impossible sizes are refused outright. */
	{
		uint64_t v;

		assert_int_equal(virtio_pci_access(&f->dev, VIRTIO_PCI_BAR_SIZE, 1, false, &v),
				 -EINVAL);
		assert_int_equal(virtio_pci_access(&f->dev, VIRTIO_PCI_BAR_SIZE - 2, 4, false,
						   &v), -EINVAL);
		assert_int_equal(virtio_pci_access(&f->dev, 0, 3, false, &v), -EINVAL);
	}
}

static void test_features_ok(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(DUMMY_FEATURE)),
			 0x0b);
	/* Features are fixed once FEATURES_OK is set. */
	set_features(f, VIRTIO_BIT(VIRTIO_F_VERSION_1));
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_GF, 4), VIRTIO_BIT(DUMMY_FEATURE));
	assert_true(virtio_dev_has_feature(&f->dev, DUMMY_FEATURE));
}

static void test_features_not_offered(void **state)
{
	struct fixture *f = *state;

	/* Bit 5 is not offered: FEATURES_OK does not stick. */
	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(5)), 0x03);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	/* A bit above 63 is not offered either. */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0x03);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GF, 4, 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GFSELECT, 4, 2);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GF, 4, 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0x0b);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1), 0x03);
}

static void test_version_1_mandatory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(DUMMY_FEATURE)), 0x03);
}

static void test_queue_setup_and_reset(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 0, 8);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_DESCLO, 4), DESC);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_USEDLO, 8), USED);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	assert_true(f->dev.queues[0].enabled);
	/* A live queue's fields cannot change. */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2, 4);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2), 8);
	/* Status 0 is a reset: queues back to their reset values. */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1), 0);
	assert_int_equal(f->d.resets, 2);	/* init + this one */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_DESCLO, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_GF, 4), 0);
}

static void test_queue_size_not_power_of_two(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 0, 12);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
	assert_true(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* The driver cannot clear it; a reset does. */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0x0b);
	assert_true(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1), 0);
}

static void test_queue_size_above_max(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 0, 32);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_true(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_queue_ring_outside_memory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 0, 16);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_DESCHI, 4, 0x10);	/* desc at 64 GiB + DESC */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_true(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_queue_before_features_ok(void **state)
{
	struct fixture *f = *state;

	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0x03);
	program_queue(f, 0, 16);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_true(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_driver_ok_without_features_ok(void **state)
{
	struct fixture *f = *state;

	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0x07);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1),
			 0x03 | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(f->d.activated, 0);
}

static void test_msix_vectors(void **state)
{
	struct fixture *f = *state;

	guest_wr(&f->dev, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_MSIX, 2), 0);
	/* No irqfd for vector 7: "MSI-X Vector Configuration" says report
	 * NO_VECTOR. */
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_MSIX, 2, 7);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2, 2);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_Q_MSIX, 2), VIRTIO_MSI_NO_VECTOR);
}

static void offer_chain(uint16_t *avail_idx)
{
	struct virtq_desc d = { 0x10000, 64, VIRTQ_DESC_F_WRITE, 0 };
	struct virtq_avail *a = (struct virtq_avail *)(dummy_mem + AVAIL);

	memcpy(dummy_mem + DESC, &d, sizeof(d));
	a->ring[*avail_idx % 16] = 0;
	(*avail_idx)++;
	__atomic_store_n(&a->idx, *avail_idx, __ATOMIC_RELEASE);
}

static void test_notify_and_interrupt(void **state)
{
	struct fixture *f = *state;
	uint16_t avail_idx = 0;

	offer_chain(&avail_idx);	/* before DRIVER_OK: served on DRIVER_OK */
	driver_ok(f);
	assert_int_equal(f->d.activated, 1);
	assert_int_equal(f->d.notified, 1);
	assert_int_equal(((struct virtq_used *)(dummy_mem + USED))->idx, 1);
	assert_true(eventfd_fired(f->queue_irq));
	assert_false(eventfd_fired(f->config_irq));
	/* ISR: bit 0 set, cleared by the read. */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_QUEUE);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_ISR_OFF, 1), 0);
	/* A kick through the notify area (when not an ioeventfd). */
	offer_chain(&avail_idx);
	guest_wr(&f->dev, VIRTIO_PCI_NOTIFY_OFF + 0 * VIRTIO_PCI_NOTIFY_MULTIPLIER, 2, 0);
	assert_int_equal(f->d.notified, 2);
	assert_int_equal(((struct virtq_used *)(dummy_mem + USED))->idx, 2);
	assert_true(eventfd_fired(f->queue_irq));
	/* A kick of a queue that is not enabled does nothing. */
	virtio_dev_queue_notify(&f->dev, 1);
	virtio_dev_queue_notify(&f->dev, 500);
	assert_int_equal(f->d.notified, 2);
}

static void test_device_error_raises_config_interrupt(void **state)
{
	struct fixture *f = *state;
	uint16_t avail_idx = 0;
	unsigned int served;

	driver_ok(f);
	f->d.fail_with = -EINVAL;
	offer_chain(&avail_idx);
	virtio_dev_queue_notify(&f->dev, 0);
	served = f->d.notified;
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1),
			 0x0f | VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* "Device Status Field": a config change notification follows. */
	assert_true(eventfd_fired(f->config_irq));
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_ISR_OFF, 1), VIRTIO_ISR_CONFIG);
	/* No more serving until reset. */
	virtio_dev_queue_notify(&f->dev, 0);
	assert_int_equal(f->d.notified, served);
	guest_wr(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	f->d.fail_with = 0;
	memset(dummy_mem + USED, 0, 0x100);
	driver_ok(f);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_STATUS, 1), 0x0f);
}

static void test_device_config(void **state)
{
	struct fixture *f = *state;

	guest_wr(&f->dev, VIRTIO_PCI_DEVICE_OFF + 2, 2, 0xbeef);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_DEVICE_OFF + 2, 2), 0xbeef);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_DEVICE_OFF, 4), 0xbeef0000);
	guest_wr(&f->dev, VIRTIO_PCI_DEVICE_OFF, 8, 0x1122334455667788ULL);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_DEVICE_OFF, 8), 0x1122334455667788ULL);
	/* Past the device's config space: reads 0, writes go nowhere. */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_DEVICE_OFF + 8, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_DEVICE_OFF + 6, 4), 0);
	guest_wr(&f->dev, VIRTIO_PCI_DEVICE_OFF + 6, 4, 0xffffffff);
	assert_int_equal(f->d.config[6], 0x22);
	/* config_generation moves when the device changes its config. */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_CFGGENERATION, 1), 0);
	virtio_dev_config_changed(&f->dev);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_PCI_COMMON_CFGGENERATION, 1), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_registers),
		T(test_wrong_width_ignored),
		T(test_features_ok),
		T(test_features_not_offered),
		T(test_version_1_mandatory),
		T(test_queue_setup_and_reset),
		T(test_queue_size_not_power_of_two),
		T(test_queue_size_above_max),
		T(test_queue_ring_outside_memory),
		T(test_queue_before_features_ok),
		T(test_driver_ok_without_features_ok),
		T(test_msix_vectors),
		T(test_notify_and_interrupt),
		T(test_device_error_raises_config_interrupt),
		T(test_device_config),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
