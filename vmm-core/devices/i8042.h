/* The i8042 keyboard controller at ports 0x60-0x64, modelled for what a
 * microVM needs: the CPU reset line (command 0xFE, Linux's `reboot=k`), a
 * keyboard that acknowledges every command, and injected key presses for
 * SendCtrlAltDel.  The controller starts with translation off, so keys are
 * delivered as scancode set 2, as Firecracker's are. */
#ifndef SPLITVM_I8042_H
#define SPLITVM_I8042_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "io_bus.h"
#include "irq_line.h"

#define I8042_BASE      0x60
#define I8042_SIZE      5        /* 0x60 data, 0x61 (speaker), 0x64 status/command */
#define I8042_DATA      0
#define I8042_PORT_B    1
#define I8042_STATUS    4
#define I8042_KBD_IRQ   1
#define I8042_BUF_SIZE  16

/* Status register */
#define I8042_STR_OBF     0x01   /* output buffer full: a byte waits at 0x60 */
#define I8042_STR_SYS     0x04   /* self test passed */
#define I8042_STR_CMDDAT  0x08   /* last write was to 0x64 */
#define I8042_STR_KEYLOCK 0x10   /* keyboard not inhibited */

/* Control ("command") byte */
#define I8042_CTR_KBDINT  0x01
#define I8042_CTR_SYS     0x04
#define I8042_CTR_KBDDIS  0x10
#define I8042_CTR_AUXDIS  0x20
#define I8042_CTR_XLATE   0x40

/* Controller commands written to 0x64 */
#define I8042_CMD_READ_CTR   0x20
#define I8042_CMD_WRITE_CTR  0x60
#define I8042_CMD_AUX_DIS    0xa7
#define I8042_CMD_AUX_EN     0xa8
#define I8042_CMD_AUX_TEST   0xa9
#define I8042_CMD_SELF_TEST  0xaa
#define I8042_CMD_KBD_TEST   0xab
#define I8042_CMD_KBD_DIS    0xad
#define I8042_CMD_KBD_EN     0xae
#define I8042_CMD_READ_OUTP  0xd0
#define I8042_CMD_WRITE_OUTP 0xd1
#define I8042_CMD_AUX_LOOP   0xd3
#define I8042_CMD_AUX_SEND   0xd4
#define I8042_CMD_RESET_CPU  0xfe

struct i8042 {
	pthread_mutex_t lock;     /* vCPU threads and the API thread (Ctrl-Alt-Del) */
	uint8_t status, ctr, outp;
	uint8_t pending_cmd;      /* controller command awaiting its data byte, or 0 */
	uint8_t buf[I8042_BUF_SIZE];
	unsigned int head, count;
	bool irq_level;
	struct irq_line irq;
	void (*reset)(void *opaque);
	void *reset_opaque;
	uint64_t resets;
};

extern const struct io_device_ops i8042_ops;

/* reset is called (on the vCPU thread) when the guest pulses the reset line. */
void i8042_init(struct i8042 *k, const struct irq_line *irq,
		void (*reset)(void *opaque), void *reset_opaque);
void i8042_destroy(struct i8042 *k);

/* Queues the make codes of Ctrl, Alt and Delete (set 2) and raises IRQ 1.
 * -ENOSPC when the buffer cannot hold the whole sequence. */
int i8042_send_ctrl_alt_del(struct i8042 *k);

#endif
