#include "port_dev.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

static void record_irq(void *opaque, unsigned int gsi, bool level)
{
	struct port_dev *p = opaque;

	assert_int_equal(gsi, p->gsi);
	if (level && !p->irq_level)
		p->rising_edges++;
	p->irq_level = level;
}

struct irq_line port_dev_init(struct port_dev *p, const struct io_device_ops *ops,
			      void *opaque, unsigned int gsi)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->opaque = opaque;
	p->gsi = gsi;
	return (struct irq_line){ record_irq, p, gsi };
}

uint8_t port_rd(struct port_dev *p, uint64_t off)
{
	uint8_t v = 0;

	p->ops->read(p->opaque, off, &v, 1);
	return v;
}

void port_wr(struct port_dev *p, uint64_t off, uint8_t v)
{
	p->ops->write(p->opaque, off, &v, 1);
}
