/* An interrupt line as a device sees it: a level on one pin.  The VMM backs
 * it with KVM_IRQ_LINE on the in-kernel irqchip; unit tests back it with a
 * recorder.  Devices keep the line at the level the real chip would drive
 * (high while an interrupt is pending), so an edge-triggered IOAPIC pin
 * sees exactly one rising edge per new interrupt. */
#ifndef SPLITVM_IRQ_LINE_H
#define SPLITVM_IRQ_LINE_H

#include <stdbool.h>

struct irq_line {
	void (*set_level)(void *opaque, unsigned int gsi, bool level);
	void *opaque;
	unsigned int gsi;
};

static inline void irq_line_set(const struct irq_line *line, bool level)
{
	if (line && line->set_level)
		line->set_level(line->opaque, line->gsi, level);
}

#endif
