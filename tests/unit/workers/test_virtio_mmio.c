// SPDX-License-Identifier: Apache-2.0
/* virtio-mmio version 2 register model with the dummy device behind it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "dummy_dev.h"
#include "log.h"
#include "virtio_mmio.h"

struct fixture {
	struct guest_mem gm;
	struct virtio_dev dev;
	struct dummy d;
	int pin;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	assert_int_equal(dummy_dev_setup(&f.dev, &f.d, &f.gm, VIRTIO_TRANSPORT_MMIO), 0);
	f.pin = eventfd(0, EFD_NONBLOCK);
	virtio_dev_set_pin_fd(&f.dev, f.pin);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_dev_fini(&f->dev);
	close(f->pin);
	return 0;
}

static uint32_t negotiate(struct fixture *f, uint64_t features)
{
	guest_wr(&f->dev, VIRTIO_MMIO_STATUS, 4, 0);
	guest_wr(&f->dev, VIRTIO_MMIO_STATUS, 4, 0x03);
	guest_wr(&f->dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
	guest_wr(&f->dev, VIRTIO_MMIO_DRIVER_FEATURES, 4, (uint32_t)features);
	guest_wr(&f->dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
	guest_wr(&f->dev, VIRTIO_MMIO_DRIVER_FEATURES, 4, features >> 32);
	guest_wr(&f->dev, VIRTIO_MMIO_STATUS, 4, 0x0b);
	return (uint32_t)guest_rd(&f->dev, VIRTIO_MMIO_STATUS, 4);
}

static void program_queue(struct fixture *f, uint16_t size)
{
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_SEL, 4, 0);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_NUM, 4, size);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_DESC_LOW, 4, DESC);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, 4, 0);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, 4, AVAIL);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 4, 0);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, 4, USED);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 4, 0);
}

static void test_identity(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_MAGIC_VALUE, 4), 0x74726976);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_VERSION_REG, 4), 2);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_DEVICE_ID, 4), 42);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_VENDOR_ID_REG, 4), VIRTIO_MMIO_VENDOR_ID);
	guest_wr(&f->dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_DEVICE_FEATURES, 4), 1);	/* VERSION_1 */
	guest_wr(&f->dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 4, 0);
	assert_true(guest_rd(&f->dev, VIRTIO_MMIO_DEVICE_FEATURES, 4) & VIRTIO_BIT(DUMMY_FEATURE));
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_SEL, 4, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_QUEUE_NUM_MAX, 4), 16);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_SEL, 4, 2);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_QUEUE_NUM_MAX, 4), 0);	/* no such queue */
	/* No shared memory regions: length -1. */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_SHM_LEN_LOW, 4), 0xffffffff);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_SHM_LEN_HIGH, 4), 0xffffffff);
}

static void test_control_registers_need_32_bit(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_MAGIC_VALUE + 1, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_MAGIC_VALUE, 8), 0);
	guest_wr(&f->dev, VIRTIO_MMIO_STATUS, 1, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_STATUS, 4), 0);
	assert_int_equal(virtio_mmio_access(&f->dev, VIRTIO_MMIO_WINDOW_SIZE, 4, false, &v),
			 -EINVAL);
	assert_int_equal(virtio_mmio_access(&f->dev, VIRTIO_MMIO_WINDOW_SIZE - 2, 4, false,
					    &v), -EINVAL);
}

static void test_features(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(9)), 0x03);
	assert_int_equal(negotiate(f, 0), 0x03);
}

static void test_queue_and_interrupts(void **state)
{
	struct fixture *f = *state;
	struct virtq_desc d = { 0x10000, 64, VIRTQ_DESC_F_WRITE, 0 };
	struct virtq_avail *a = (struct virtq_avail *)(dummy_mem + AVAIL);

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 16);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4), 1);
	guest_wr(&f->dev, VIRTIO_MMIO_STATUS, 4, 0x0f);
	memcpy(dummy_mem + DESC, &d, sizeof(d));
	a->ring[0] = 0;
	__atomic_store_n(&a->idx, 1, __ATOMIC_RELEASE);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0);
	assert_int_equal(((struct virtq_used *)(dummy_mem + USED))->idx, 1);
	assert_true(eventfd_fired(f->pin));
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_INTERRUPT_STATUS, 4), VIRTIO_ISR_QUEUE);
	/* Reading does not clear; InterruptACK does. */
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_INTERRUPT_STATUS, 4), VIRTIO_ISR_QUEUE);
	guest_wr(&f->dev, VIRTIO_MMIO_INTERRUPT_ACK, 4, VIRTIO_ISR_QUEUE);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_INTERRUPT_STATUS, 4), 0);
	/* A device error: NEEDS_RESET, config change on the same pin. */
	f->d.fail_with = -EFAULT;
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_STATUS, 4), 0x4f);
	assert_true(eventfd_fired(f->pin));
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_INTERRUPT_STATUS, 4), VIRTIO_ISR_CONFIG);
	guest_wr(&f->dev, VIRTIO_MMIO_STATUS, 4, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_STATUS, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_INTERRUPT_STATUS, 4), 0);
}

static void test_queue_num_not_power_of_two(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 10);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_STATUS, 4), 0x4b);
	/* 2^16 does not fit the 16-bit queue size and is refused too. */
	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 16);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_NUM, 4, 0x10000);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_STATUS, 4), 0x4b);
}

static void test_queue_ready_0_disables(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(negotiate(f, VIRTIO_BIT(VIRTIO_F_VERSION_1)), 0x0b);
	program_queue(f, 16);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4, 1);
	guest_wr(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4, 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_QUEUE_READY, 4), 0);
	assert_false(f->dev.queues[0].enabled);
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;

	guest_wr(&f->dev, VIRTIO_MMIO_CONFIG + 4, 4, 0xcafef00d);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_CONFIG + 4, 4), 0xcafef00d);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_CONFIG + 5, 1), 0xf0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_CONFIG + 8, 4), 0);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_CONFIG_GENERATION, 4), 0);
	virtio_dev_config_changed(&f->dev);
	assert_int_equal(guest_rd(&f->dev, VIRTIO_MMIO_CONFIG_GENERATION, 4), 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_control_registers_need_32_bit),
		T(test_features),
		T(test_queue_and_interrupts),
		T(test_queue_num_not_power_of_two),
		T(test_queue_ready_0_disables),
		T(test_config_space),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
