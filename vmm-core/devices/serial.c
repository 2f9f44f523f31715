#include "serial.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void serial_init(struct serial *s, int out_fd, const struct irq_line *irq)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	if (irq)
		s->irq = *irq;
	/* 115200 baud, 8n1: what firmware would have left behind. */
	s->dll = 1;
	s->lcr = 0x03;
	s->mcr = UART_MCR_OUT2;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

/* The interrupt identification in priority order (16550 data sheet):
 * received data, then THR empty, then modem status.  Line status errors
 * never happen here. */
static uint8_t pending_iir(const struct serial *s)
{
	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thre_pending)
		return UART_IIR_THRI;
	return UART_IIR_NO_INT;
}

/* The INTR pin is gated by OUT2 on PC hardware; Linux relies on that. */
static void update_irq(struct serial *s)
{
	bool level = pending_iir(s) != UART_IIR_NO_INT && (s->mcr & UART_MCR_OUT2);

	if (level != s->irq_level) {
		s->irq_level = level;
		irq_line_set(&s->irq, level);
	}
}

static bool rx_push(struct serial *s, uint8_t b)
{
	if (s->rx_count == SERIAL_RX_SIZE) {
		s->rx_overruns++;
		return false;
	}
	s->rx[(s->rx_head + s->rx_count) % SERIAL_RX_SIZE] = b;
	s->rx_count++;
	return true;
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t b;

	if (!s->rx_count)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % SERIAL_RX_SIZE;
	s->rx_count--;
	return b;
}

/* Returns true when b must go out on the line (see emit()). */
static bool transmit(struct serial *s, uint8_t b)
{
	bool out = false;

	if (s->mcr & UART_MCR_LOOP)
		rx_push(s, b);
	else
		out = s->out_fd >= 0;
	s->tx_bytes++;
	/* Transmission is instantaneous, so the holding register is empty again. */
	s->thre_pending = true;
	return out;
}

/* Called without the lock: a console reader that stops reading may block
 * this vCPU in write(), but never a thread that feeds input or asks for
 * the register state. */
static void emit(struct serial *s, uint8_t b)
{
	ssize_t n;

	do
		n = write(s->out_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	/* A closed console must not stop the guest: the byte is lost, as on
	 * a UART without flow control. */
}

static uint8_t read_msr(const struct serial *s)
{
	if (s->mcr & UART_MCR_LOOP) {
		uint8_t msr = 0;

		/* Loopback wires the modem outputs back to the inputs. */
		if (s->mcr & UART_MCR_RTS)
			msr |= UART_MSR_CTS;
		if (s->mcr & UART_MCR_DTR)
			msr |= UART_MSR_DSR;
		if (s->mcr & UART_MCR_OUT1)
			msr |= UART_MSR_RI;
		if (s->mcr & UART_MCR_OUT2)
			msr |= UART_MSR_DCD;
		return msr;
	}
	/* A terminal is always attached and ready. */
	return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
}

static uint8_t reg_read(struct serial *s, unsigned int reg)
{
	uint8_t iir;

	switch (reg) {
	case UART_RX:
		if (s->lcr & UART_LCR_DLAB)
			return s->dll;
		return rx_pop(s);
	case UART_IER:
		if (s->lcr & UART_LCR_DLAB)
			return s->dlm;
		return s->ier;
	case UART_IIR:
		iir = pending_iir(s);
		/* Reading IIR while it reports THRE acknowledges that interrupt. */
		if (iir == UART_IIR_THRI)
			s->thre_pending = false;
		return iir | ((s->fcr & UART_FCR_ENABLE) ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return UART_LSR_THRE | UART_LSR_TEMT | (s->rx_count ? UART_LSR_DR : 0);
	case UART_MSR:
		return read_msr(s);
	case UART_SCR:
		return s->scr;
	}
	return 0xff;
}

/* Returns true when v was transmitted and must be emitted. */
static bool reg_write(struct serial *s, unsigned int reg, uint8_t v)
{
	switch (reg) {
	case UART_TX:
		if (s->lcr & UART_LCR_DLAB) {
			s->dll = v;
			break;
		}
		return transmit(s, v);
	case UART_IER:
		if (s->lcr & UART_LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI with an empty THR raises the interrupt at once;
		 * the 8250 driver tests for exactly this. */
		if ((v & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
			s->thre_pending = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		s->fcr = v & (UART_FCR_ENABLE | 0xc0);
		if (v & UART_FCR_CLEAR_RX)
			s->rx_head = s->rx_count = 0;
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break;  /* read-only */
	case UART_SCR:
		s->scr = v;
		break;
	}
	return false;
}

static void serial_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct serial *s = opaque;
	uint8_t *out = data;

	/* The UART is byte wide: wider reads see the register and 0xff above. */
	memset(data, 0xff, len);
	if (offset >= SERIAL_NR_PORTS)
		return;
	pthread_mutex_lock(&s->lock);
	out[0] = reg_read(s, (unsigned int)offset);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct serial *s = opaque;
	bool out;
	uint8_t v;

	if (offset >= SERIAL_NR_PORTS || len == 0)
		return;
	v = *(const uint8_t *)data;
	pthread_mutex_lock(&s->lock);
	out = reg_write(s, (unsigned int)offset, v);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	if (out)
		emit(s, v);
}

const struct io_device_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len)
{
	size_t i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < len; i++)
		if (!rx_push(s, buf[i]))
			break;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return i;
}
