/* A 16550A UART at 0x3f8 / IRQ 4, modelled far enough for Linux's 8250
 * driver and early console: divisor latch, IER/IIR with THRE and
 * received-data interrupts, FIFO control, loopback, LSR/MSR, scratch.
 * Output goes to a file descriptor; input comes from serial_receive(). */
#ifndef SPLITVM_SERIAL_H
#define SPLITVM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io_bus.h"
#include "irq_line.h"

#define SERIAL_COM1_BASE 0x3f8
#define SERIAL_NR_PORTS  8
#define SERIAL_RX_SIZE   64     /* a 16550A receive FIFO is 16; more is harmless */

/* Register offsets (DLAB selects DLL/DLM at 0 and 1). */
#define UART_RX   0
#define UART_TX   0
#define UART_DLL  0
#define UART_IER  1
#define UART_DLM  1
#define UART_IIR  2
#define UART_FCR  2
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define UART_MSR  6
#define UART_SCR  7

#define UART_IER_RDI   0x01
#define UART_IER_THRI  0x02
#define UART_IER_RLSI  0x04
#define UART_IER_MSI   0x08

#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI    0x00
#define UART_IIR_THRI   0x02
#define UART_IIR_RDI    0x04
#define UART_IIR_FIFO   0xc0

#define UART_FCR_ENABLE   0x01
#define UART_FCR_CLEAR_RX 0x02

#define UART_LCR_DLAB  0x80
#define UART_MCR_DTR   0x01
#define UART_MCR_RTS   0x02
#define UART_MCR_OUT1  0x04
#define UART_MCR_OUT2  0x08
#define UART_MCR_LOOP  0x10

#define UART_LSR_DR    0x01
#define UART_LSR_THRE  0x20
#define UART_LSR_TEMT  0x40

#define UART_MSR_CTS   0x10
#define UART_MSR_DSR   0x20
#define UART_MSR_RI    0x40
#define UART_MSR_DCD   0x80

struct serial {
	pthread_mutex_t lock;     /* registers: vCPU threads and the input feeder; never held across write() */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thre_pending;        /* THR-empty interrupt raised and not yet acknowledged */
	uint8_t rx[SERIAL_RX_SIZE];
	unsigned int rx_head, rx_count;
	bool irq_level;
	struct irq_line irq;
	int out_fd;               /* -1: output discarded */
	uint64_t tx_bytes, rx_overruns;
};

extern const struct io_device_ops serial_ops;

void serial_init(struct serial *s, int out_fd, const struct irq_line *irq);
void serial_destroy(struct serial *s);

/* Queues input bytes as if received on the line; returns how many fit. */
size_t serial_receive(struct serial *s, const uint8_t *buf, size_t len);

#endif
