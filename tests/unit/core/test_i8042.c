/* The i8042: reset line, controller commands Linux's probe uses, keyboard
 * acknowledgements and the Ctrl-Alt-Del sequence. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "i8042.h"
#include "port_dev.h"

struct fixture {
	struct i8042 k;
	struct port_dev port;
	int resets;
};

static void on_reset(void *opaque)
{
	((struct fixture *)opaque)->resets++;
}

static int setup(void **state)
{
	static struct fixture f;
	struct irq_line irq;

	memset(&f, 0, sizeof(f));
	irq = port_dev_init(&f.port, &i8042_ops, &f.k, I8042_KBD_IRQ);
	i8042_init(&f.k, &irq, on_reset, &f);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	i8042_destroy(&f->k);
	return 0;
}

static void test_reset_command_calls_back(void **state)
{
	struct fixture *f = *state;

	/* reboot=k: wait for IBF clear, then 0xfe to the command port. */
	assert_int_equal(port_rd(&f->port, I8042_STATUS) & 0x02, 0);
	port_wr(&f->port, I8042_STATUS, I8042_CMD_RESET_CPU);
	assert_int_equal(f->resets, 1);
	/* The same byte to the data port is a keyboard command, not a reset. */
	port_wr(&f->port, I8042_DATA, I8042_CMD_RESET_CPU);
	assert_int_equal(f->resets, 1);
}

static void test_selftest_and_ctr(void **state)
{
	struct fixture *f = *state;

	port_wr(&f->port, I8042_STATUS, I8042_CMD_SELF_TEST);
	assert_true(port_rd(&f->port, I8042_STATUS) & I8042_STR_OBF);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0x55);
	assert_false(port_rd(&f->port, I8042_STATUS) & I8042_STR_OBF);

	port_wr(&f->port, I8042_STATUS, I8042_CMD_READ_CTR);
	assert_false(port_rd(&f->port, I8042_DATA) & I8042_CTR_XLATE);
	port_wr(&f->port, I8042_STATUS, I8042_CMD_WRITE_CTR);
	port_wr(&f->port, I8042_DATA, 0x47);
	port_wr(&f->port, I8042_STATUS, I8042_CMD_READ_CTR);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0x47);
	/* The data byte of WRITE_CTR did not reach the keyboard. */
	assert_false(port_rd(&f->port, I8042_STATUS) & I8042_STR_OBF);
}

static void test_output_port(void **state)
{
	struct fixture *f = *state;

	port_wr(&f->port, I8042_STATUS, I8042_CMD_WRITE_OUTP);
	port_wr(&f->port, I8042_DATA, 0x52);
	port_wr(&f->port, I8042_STATUS, I8042_CMD_READ_OUTP);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0x52);
}

static void test_no_aux_port(void **state)
{
	struct fixture *f = *state;

	/* Linux's loop test must fail fast: an answer without AUXDATA (0x20). */
	port_wr(&f->port, I8042_STATUS, I8042_CMD_AUX_LOOP);
	port_wr(&f->port, I8042_DATA, 0x5a);
	assert_int_equal(port_rd(&f->port, I8042_STATUS) & (I8042_STR_OBF | 0x20), I8042_STR_OBF);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0x5a);
	port_wr(&f->port, I8042_STATUS, I8042_CMD_AUX_TEST);
	assert_int_not_equal(port_rd(&f->port, I8042_DATA), 0x00);
}

static void test_keyboard_acks(void **state)
{
	struct fixture *f = *state;

	port_wr(&f->port, I8042_DATA, 0xf2);  /* GET ID */
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0xfa);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0xab);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0x83);
	port_wr(&f->port, I8042_DATA, 0xed);  /* set LEDs, then its parameter */
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0xfa);
	port_wr(&f->port, I8042_DATA, 0x00);
	assert_int_equal(port_rd(&f->port, I8042_DATA), 0xfa);
	assert_false(port_rd(&f->port, I8042_STATUS) & I8042_STR_OBF);
}

static void test_ctrl_alt_del_sequence(void **state)
{
	struct fixture *f = *state;
	static const uint8_t want[] = { 0x14, 0x11, 0xe0, 0x71 };

	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	/* One rising edge per byte: the line drops on each data read. */
	for (size_t i = 0; i < sizeof(want); i++) {
		assert_true(f->port.irq_level);
		assert_int_equal(f->port.rising_edges, (int)i + 1);
		assert_true(port_rd(&f->port, I8042_STATUS) & I8042_STR_OBF);
		assert_int_equal(port_rd(&f->port, I8042_DATA), want[i]);
	}
	assert_false(f->port.irq_level);
	assert_false(port_rd(&f->port, I8042_STATUS) & I8042_STR_OBF);
	assert_int_equal(f->resets, 0);
}

static void test_ctrl_alt_del_needs_room(void **state)
{
	struct fixture *f = *state;
	int ok = 0, ret;

	while ((ret = i8042_send_ctrl_alt_del(&f->k)) == 0)
		ok++;
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(ok, I8042_BUF_SIZE / 4);
}

static void test_irq_follows_ctr(void **state)
{
	struct fixture *f = *state;

	port_wr(&f->port, I8042_STATUS, I8042_CMD_WRITE_CTR);
	port_wr(&f->port, I8042_DATA, 0x00);  /* keyboard interrupt off */
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	assert_false(f->port.irq_level);
	port_wr(&f->port, I8042_STATUS, I8042_CMD_WRITE_CTR);
	port_wr(&f->port, I8042_DATA, I8042_CTR_KBDINT);
	/* WRITE_CTR flushed nothing: the keys still wait and now interrupt. */
	assert_true(f->port.irq_level);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reset_command_calls_back),
		T(test_selftest_and_ctr),
		T(test_output_port),
		T(test_no_aux_port),
		T(test_keyboard_acks),
		T(test_ctrl_alt_del_sequence),
		T(test_ctrl_alt_del_needs_room),
		T(test_irq_follows_ctr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
