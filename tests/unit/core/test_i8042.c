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

struct fixture {
	struct i8042 k;
	int resets;
	int rising_edges;
	bool level;
};

static void on_reset(void *opaque)
{
	((struct fixture *)opaque)->resets++;
}

static void record_irq(void *opaque, unsigned int gsi, bool level)
{
	struct fixture *f = opaque;

	assert_int_equal(gsi, I8042_KBD_IRQ);
	if (level && !f->level)
		f->rising_edges++;
	f->level = level;
}

static int setup(void **state)
{
	static struct fixture f;
	struct irq_line irq = { record_irq, &f, I8042_KBD_IRQ };

	memset(&f, 0, sizeof(f));
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

static uint8_t rd(struct fixture *f, unsigned int off)
{
	uint8_t v = 0;

	i8042_ops.read(&f->k, off, &v, 1);
	return v;
}

static void wr(struct fixture *f, unsigned int off, uint8_t v)
{
	i8042_ops.write(&f->k, off, &v, 1);
}

static void test_reset_command_calls_back(void **state)
{
	struct fixture *f = *state;

	/* reboot=k: wait for IBF clear, then 0xfe to the command port. */
	assert_int_equal(rd(f, I8042_STATUS) & 0x02, 0);
	wr(f, I8042_STATUS, I8042_CMD_RESET_CPU);
	assert_int_equal(f->resets, 1);
	/* The same byte to the data port is a keyboard command, not a reset. */
	wr(f, I8042_DATA, I8042_CMD_RESET_CPU);
	assert_int_equal(f->resets, 1);
}

static void test_selftest_and_ctr(void **state)
{
	struct fixture *f = *state;

	wr(f, I8042_STATUS, I8042_CMD_SELF_TEST);
	assert_true(rd(f, I8042_STATUS) & I8042_STR_OBF);
	assert_int_equal(rd(f, I8042_DATA), 0x55);
	assert_false(rd(f, I8042_STATUS) & I8042_STR_OBF);

	wr(f, I8042_STATUS, I8042_CMD_READ_CTR);
	assert_false(rd(f, I8042_DATA) & I8042_CTR_XLATE);
	wr(f, I8042_STATUS, I8042_CMD_WRITE_CTR);
	wr(f, I8042_DATA, 0x47);
	wr(f, I8042_STATUS, I8042_CMD_READ_CTR);
	assert_int_equal(rd(f, I8042_DATA), 0x47);
	/* The data byte of WRITE_CTR did not reach the keyboard. */
	assert_false(rd(f, I8042_STATUS) & I8042_STR_OBF);
}

static void test_output_port(void **state)
{
	struct fixture *f = *state;

	wr(f, I8042_STATUS, I8042_CMD_WRITE_OUTP);
	wr(f, I8042_DATA, 0x52);
	wr(f, I8042_STATUS, I8042_CMD_READ_OUTP);
	assert_int_equal(rd(f, I8042_DATA), 0x52);
}

static void test_no_aux_port(void **state)
{
	struct fixture *f = *state;

	/* Linux's loop test must fail fast: an answer without AUXDATA (0x20). */
	wr(f, I8042_STATUS, I8042_CMD_AUX_LOOP);
	wr(f, I8042_DATA, 0x5a);
	assert_int_equal(rd(f, I8042_STATUS) & (I8042_STR_OBF | 0x20), I8042_STR_OBF);
	assert_int_equal(rd(f, I8042_DATA), 0x5a);
	wr(f, I8042_STATUS, I8042_CMD_AUX_TEST);
	assert_int_not_equal(rd(f, I8042_DATA), 0x00);
}

static void test_keyboard_acks(void **state)
{
	struct fixture *f = *state;

	wr(f, I8042_DATA, 0xf2);  /* GET ID */
	assert_int_equal(rd(f, I8042_DATA), 0xfa);
	assert_int_equal(rd(f, I8042_DATA), 0xab);
	assert_int_equal(rd(f, I8042_DATA), 0x83);
	wr(f, I8042_DATA, 0xed);  /* set LEDs, then its parameter */
	assert_int_equal(rd(f, I8042_DATA), 0xfa);
	wr(f, I8042_DATA, 0x00);
	assert_int_equal(rd(f, I8042_DATA), 0xfa);
	assert_false(rd(f, I8042_STATUS) & I8042_STR_OBF);
}

static void test_ctrl_alt_del_sequence(void **state)
{
	struct fixture *f = *state;
	static const uint8_t want[] = { 0x14, 0x11, 0xe0, 0x71 };

	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	/* One rising edge per byte: the line drops on each data read. */
	for (size_t i = 0; i < sizeof(want); i++) {
		assert_true(f->level);
		assert_int_equal(f->rising_edges, (int)i + 1);
		assert_true(rd(f, I8042_STATUS) & I8042_STR_OBF);
		assert_int_equal(rd(f, I8042_DATA), want[i]);
	}
	assert_false(f->level);
	assert_false(rd(f, I8042_STATUS) & I8042_STR_OBF);
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

	wr(f, I8042_STATUS, I8042_CMD_WRITE_CTR);
	wr(f, I8042_DATA, 0x00);  /* keyboard interrupt off */
	assert_int_equal(i8042_send_ctrl_alt_del(&f->k), 0);
	assert_false(f->level);
	wr(f, I8042_STATUS, I8042_CMD_WRITE_CTR);
	wr(f, I8042_DATA, I8042_CTR_KBDINT);
	/* WRITE_CTR flushed nothing: the keys still wait and now interrupt. */
	assert_true(f->level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reset_command_calls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selftest_and_ctr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_aux_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keyboard_acks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_alt_del_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctrl_alt_del_needs_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_follows_ctr, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
