#include "i8042.h"

#include <errno.h>
#include <string.h>

/* Keyboard replies */
#define KBD_ACK       0xfa
#define KBD_BAT_OK    0xaa
#define KBD_CMD_RESET 0xff
#define KBD_CMD_GETID 0xf2

/* Set 2 make codes; Delete is an extended (0xe0-prefixed) key. */
static const uint8_t ctrl_alt_del_seq[] = { 0x14, 0x11, 0xe0, 0x71 };

void i8042_init(struct i8042 *k, const struct irq_line *irq,
		void (*reset)(void *opaque), void *reset_opaque)
{
	memset(k, 0, sizeof(*k));
	pthread_mutex_init(&k->lock, NULL);
	if (irq)
		k->irq = *irq;
	k->reset = reset;
	k->reset_opaque = reset_opaque;
	k->status = I8042_STR_SYS | I8042_STR_KEYLOCK;
	/* No translation: scancode set 2 reaches the guest as sent. */
	k->ctr = I8042_CTR_KBDINT | I8042_CTR_SYS | I8042_CTR_AUXDIS;
}

void i8042_destroy(struct i8042 *k)
{
	pthread_mutex_destroy(&k->lock);
}

/* IRQ 1 follows "output buffer full and keyboard interrupts enabled"; each
 * byte read drops the line, so the next byte makes a fresh edge. */
static void update_irq(struct i8042 *k)
{
	bool level = k->count && (k->ctr & I8042_CTR_KBDINT);

	if (level != k->irq_level) {
		k->irq_level = level;
		irq_line_set(&k->irq, level);
	}
}

static void flush(struct i8042 *k)
{
	k->head = k->count = 0;
}

static bool push(struct i8042 *k, uint8_t b)
{
	if (k->count == I8042_BUF_SIZE)
		return false;
	k->buf[(k->head + k->count) % I8042_BUF_SIZE] = b;
	k->count++;
	return true;
}

static uint8_t pop(struct i8042 *k)
{
	uint8_t b;

	if (!k->count)
		return 0;
	b = k->buf[k->head];
	k->head = (k->head + 1) % I8042_BUF_SIZE;
	k->count--;
	return b;
}

static uint8_t read_status(const struct i8042 *k)
{
	return (uint8_t)(k->status | (k->count ? I8042_STR_OBF : 0));
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	k->status |= I8042_STR_CMDDAT;
	switch (cmd) {
	case I8042_CMD_READ_CTR:
		flush(k);
		push(k, k->ctr);
		break;
	case I8042_CMD_READ_OUTP:
		flush(k);
		push(k, k->outp);
		break;
	case I8042_CMD_WRITE_CTR:
	case I8042_CMD_WRITE_OUTP:
	case I8042_CMD_AUX_LOOP:
	case I8042_CMD_AUX_SEND:
		k->pending_cmd = cmd;
		break;
	case I8042_CMD_SELF_TEST:
		flush(k);
		push(k, 0x55);
		break;
	case I8042_CMD_KBD_TEST:
		flush(k);
		push(k, 0x00);
		break;
	case I8042_CMD_AUX_TEST:
		/* "Clock line stuck low": Linux concludes there is no mouse
		 * port at once instead of timing out on it. */
		flush(k);
		push(k, 0x01);
		break;
	case I8042_CMD_KBD_DIS:
		k->ctr |= I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_KBD_EN:
		k->ctr &= (uint8_t)~I8042_CTR_KBDDIS;
		break;
	case I8042_CMD_AUX_DIS:
		k->ctr |= I8042_CTR_AUXDIS;
		break;
	case I8042_CMD_AUX_EN:
		break;  /* there is no aux device to enable */
	case I8042_CMD_RESET_CPU:
		k->resets++;
		if (k->reset)
			k->reset(k->reset_opaque);
		break;
	default:
		/* Pulse-output-line commands (0xf0-0xff) other than reset and
		 * everything else are ignored. */
		break;
	}
}

static void keyboard_command(struct i8042 *k, uint8_t cmd)
{
	/* A dumb keyboard: acknowledge everything, answer the two commands
	 * whose reply drivers wait for. */
	flush(k);
	push(k, KBD_ACK);
	if (cmd == KBD_CMD_RESET) {
		push(k, KBD_BAT_OK);
	} else if (cmd == KBD_CMD_GETID) {
		push(k, 0xab);  /* MF2 keyboard */
		push(k, 0x83);
	}
}

static void data_write(struct i8042 *k, uint8_t v)
{
	uint8_t cmd = k->pending_cmd;

	k->status &= (uint8_t)~I8042_STR_CMDDAT;
	k->pending_cmd = 0;
	switch (cmd) {
	case I8042_CMD_WRITE_CTR:
		k->ctr = v;
		break;
	case I8042_CMD_WRITE_OUTP:
		k->outp = v;
		break;
	case I8042_CMD_AUX_LOOP:
		/* Echo the byte without the "from aux" status bit: Linux's
		 * loop test then decides at once that there is no mouse port
		 * (and no multiplexer) instead of waiting for a timeout. */
		flush(k);
		push(k, v);
		break;
	case I8042_CMD_AUX_SEND:
		break;  /* no mouse to talk to */
	default:
		keyboard_command(k, v);
		break;
	}
}

static void i8042_read(void *opaque, uint64_t offset, void *data, unsigned int len)
{
	struct i8042 *k = opaque;
	uint8_t *out = data;

	memset(data, 0xff, len);
	pthread_mutex_lock(&k->lock);
	switch (offset) {
	case I8042_DATA:
		out[0] = pop(k);
		/* Drop the line so that a byte still queued makes a new edge. */
		if (k->irq_level) {
			k->irq_level = false;
			irq_line_set(&k->irq, false);
		}
		break;
	case I8042_STATUS:
		out[0] = read_status(k);
		break;
	case I8042_PORT_B:
		/* System control port B: no speaker, refresh toggle irrelevant. */
		out[0] = 0x00;
		break;
	default:
		break;
	}
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

static void i8042_write(void *opaque, uint64_t offset, const void *data, unsigned int len)
{
	struct i8042 *k = opaque;
	uint8_t v = *(const uint8_t *)data;

	if (len == 0)
		return;
	pthread_mutex_lock(&k->lock);
	if (offset == I8042_STATUS)
		controller_command(k, v);
	else if (offset == I8042_DATA)
		data_write(k, v);
	update_irq(k);
	pthread_mutex_unlock(&k->lock);
}

const struct io_device_ops i8042_ops = {
	.read = i8042_read,
	.write = i8042_write,
};

int i8042_send_ctrl_alt_del(struct i8042 *k)
{
	int ret = 0;

	pthread_mutex_lock(&k->lock);
	if (I8042_BUF_SIZE - k->count < sizeof(ctrl_alt_del_seq)) {
		ret = -ENOSPC;
	} else {
		for (size_t i = 0; i < sizeof(ctrl_alt_del_seq); i++)
			push(k, ctrl_alt_del_seq[i]);
		update_irq(k);
	}
	pthread_mutex_unlock(&k->lock);
	return ret;
}
