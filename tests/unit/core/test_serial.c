/* The 16550 register model as Linux's 8250 driver probes and drives it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "port_dev.h"
#include "serial.h"

struct fixture {
	struct serial s;
	struct port_dev port;
	int pipefd[2];
};

static int setup(void **state)
{
	static struct fixture f;
	struct irq_line irq;

	memset(&f, 0, sizeof(f));
	irq = port_dev_init(&f.port, &serial_ops, &f.s, 4);
	assert_int_equal(pipe(f.pipefd), 0);
	serial_init(&f.s, f.pipefd[1], &irq);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	serial_destroy(&f->s);
	close(f->pipefd[0]);
	close(f->pipefd[1]);
	return 0;
}

static void test_thr_writes_to_output(void **state)
{
	struct fixture *f = *state;
	char buf[8] = { 0 };

	port_wr(&f->port, UART_TX, 'h');
	port_wr(&f->port, UART_TX, 'i');
	assert_int_equal(read(f->pipefd[0], buf, sizeof(buf)), 2);
	assert_string_equal(buf, "hi");
	assert_int_equal(f->s.tx_bytes, 2);
}

static void test_dlab_selects_divisor(void **state)
{
	struct fixture *f = *state;
	char c;

	port_wr(&f->port, UART_LCR, UART_LCR_DLAB | 0x03);
	port_wr(&f->port, UART_DLL, 0x0c);
	port_wr(&f->port, UART_DLM, 0x01);
	assert_int_equal(port_rd(&f->port, UART_DLL), 0x0c);
	assert_int_equal(port_rd(&f->port, UART_DLM), 0x01);
	assert_int_equal(port_rd(&f->port, UART_LCR), UART_LCR_DLAB | 0x03);
	/* With DLAB set, offset 1 is DLM, not IER: IER stays 0. */
	port_wr(&f->port, UART_LCR, 0x03);
	assert_int_equal(port_rd(&f->port, UART_IER), 0);
	assert_int_equal(port_rd(&f->port, UART_DLL), 0);  /* now RBR, empty */
	/* With DLAB set, a write to offset 0 must not transmit. */
	port_wr(&f->port, UART_LCR, UART_LCR_DLAB);
	port_wr(&f->port, UART_TX, 'x');
	port_wr(&f->port, UART_LCR, 0x03);
	port_wr(&f->port, UART_TX, 'y');
	assert_int_equal(read(f->pipefd[0], &c, 1), 1);
	assert_int_equal(c, 'y');
}

static void test_lsr_bits(void **state)
{
	struct fixture *f = *state;
	uint8_t in = 'a';

	assert_int_equal(port_rd(&f->port, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	serial_receive(&f->s, &in, 1);
	assert_int_equal(port_rd(&f->port, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT | UART_LSR_DR);
	assert_int_equal(port_rd(&f->port, UART_RX), 'a');
	assert_int_equal(port_rd(&f->port, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_iir_thre(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* Enabling THRI with an empty THR raises the interrupt at once... */
	port_wr(&f->port, UART_IER, UART_IER_THRI);
	assert_true(f->port.irq_level);
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_THRI);
	/* ... and reading IIR acknowledges it, dropping the line. */
	assert_false(f->port.irq_level);
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_NO_INT);
	/* Each transmitted byte empties THR again. */
	port_wr(&f->port, UART_TX, 'z');
	assert_true(f->port.irq_level);
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_THRI);
	/* Disabling THRI drops a pending THRE. */
	port_wr(&f->port, UART_TX, 'z');
	assert_true(f->port.irq_level);
	port_wr(&f->port, UART_IER, 0);
	assert_false(f->port.irq_level);
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_NO_INT);
}

static void test_8250_thre_retest(void **state)
{
	struct fixture *f = *state;
	uint8_t iir1, iir2;

	/* serial8250_do_startup's THRE re-assertion test. */
	port_wr(&f->port, UART_IER, UART_IER_THRI);
	iir1 = port_rd(&f->port, UART_IIR);
	port_wr(&f->port, UART_IER, 0);
	port_wr(&f->port, UART_IER, UART_IER_THRI);
	iir2 = port_rd(&f->port, UART_IIR);
	port_wr(&f->port, UART_IER, 0);
	assert_false(iir1 & UART_IIR_NO_INT);
	assert_false(iir2 & UART_IIR_NO_INT);
}

static void test_out2_gates_irq(void **state)
{
	struct fixture *f = *state;

	port_wr(&f->port, UART_MCR, 0);
	port_wr(&f->port, UART_IER, UART_IER_THRI);
	assert_false(f->port.irq_level);
	port_wr(&f->port, UART_MCR, UART_MCR_OUT2);
	assert_true(f->port.irq_level);
}

static void test_rx_interrupt_has_priority(void **state)
{
	struct fixture *f = *state;
	uint8_t in[2] = { '1', '2' };

	port_wr(&f->port, UART_IER, UART_IER_RDI | UART_IER_THRI);
	assert_int_equal(serial_receive(&f->s, in, 2), 2);
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_RDI);
	assert_int_equal(port_rd(&f->port, UART_RX), '1');
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_RDI);
	assert_int_equal(port_rd(&f->port, UART_RX), '2');
	assert_int_equal(port_rd(&f->port, UART_IIR) & 0x0f, UART_IIR_THRI);
}

static void test_rx_overflow_drops(void **state)
{
	struct fixture *f = *state;
	uint8_t big[SERIAL_RX_SIZE + 10];

	memset(big, 'q', sizeof(big));
	assert_int_equal(serial_receive(&f->s, big, sizeof(big)), SERIAL_RX_SIZE);
	assert_int_equal(f->s.rx_overruns, 1);
}

static void test_fifo_bits_and_clear(void **state)
{
	struct fixture *f = *state;
	uint8_t in = 'k';

	assert_int_equal(port_rd(&f->port, UART_IIR) & UART_IIR_FIFO, 0);
	port_wr(&f->port, UART_FCR, UART_FCR_ENABLE);
	assert_int_equal(port_rd(&f->port, UART_IIR) & UART_IIR_FIFO, UART_IIR_FIFO);
	serial_receive(&f->s, &in, 1);
	port_wr(&f->port, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(port_rd(&f->port, UART_LSR) & UART_LSR_DR, 0);
}

static void test_loopback(void **state)
{
	struct fixture *f = *state;
	char c;

	/* The 8250 autoconfig loopback check: MCR LOOP|OUT2|RTS → MSR 0x90. */
	port_wr(&f->port, UART_MCR, UART_MCR_LOOP | 0x0a);
	assert_int_equal(port_rd(&f->port, UART_MSR) & 0xf0, 0x90);
	port_wr(&f->port, UART_TX, 'L');
	assert_int_equal(port_rd(&f->port, UART_RX), 'L');
	port_wr(&f->port, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(port_rd(&f->port, UART_MSR) & 0xf0,
			 UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	/* Nothing reached the output while looping. */
	port_wr(&f->port, UART_TX, 'o');
	assert_int_equal(read(f->pipefd[0], &c, 1), 1);
	assert_int_equal(c, 'o');
}

static void test_scratch_and_bounds(void **state)
{
	struct fixture *f = *state;
	uint8_t wide[4];

	port_wr(&f->port, UART_SCR, 0x5a);
	assert_int_equal(port_rd(&f->port, UART_SCR), 0x5a);
	/* Offsets past the 8 registers are ignored, never crash. */
	port_wr(&f->port, 9, 1);
	memset(wide, 0, sizeof(wide));
	serial_ops.read(&f->s, UART_SCR, wide, sizeof(wide));
	assert_int_equal(wide[0], 0x5a);
	assert_int_equal(wide[1], 0xff);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_thr_writes_to_output),
		T(test_dlab_selects_divisor),
		T(test_lsr_bits),
		T(test_iir_thre),
		T(test_8250_thre_retest),
		T(test_out2_gates_irq),
		T(test_rx_interrupt_has_priority),
		T(test_rx_overflow_drops),
		T(test_fifo_bits_and_clear),
		T(test_loopback),
		T(test_scratch_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
