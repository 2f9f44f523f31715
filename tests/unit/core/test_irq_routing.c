/* The GSI routing table: legacy routes kept, MSI routes added, and a table
 * pushed only when a message changes. */
#include <errno.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "irq_routing.h"

struct recorder {
	unsigned int calls;
	int fail;
	struct kvm_irq_routing_entry last[64];
	unsigned int last_nr;
};

static int record(void *opaque, const struct kvm_irq_routing *t)
{
	struct recorder *rec = opaque;

	rec->calls++;
	if (rec->fail)
		return rec->fail;
	assert_true(t->nr <= 64);
	memcpy(rec->last, t->entries, t->nr * sizeof(t->entries[0]));
	rec->last_nr = t->nr;
	return 0;
}

static const struct kvm_irq_routing_entry *find_msi(const struct recorder *rec, unsigned int gsi)
{
	for (unsigned int i = 0; i < rec->last_nr; i++)
		if (rec->last[i].gsi == gsi && rec->last[i].type == KVM_IRQ_ROUTING_MSI)
			return &rec->last[i];
	return NULL;
}

static void test_legacy_routes_kept(void **state)
{
	struct recorder rec = { 0 };
	struct irq_routing r;
	unsigned int pic = 0, ioapic = 0;
	int gsi;

	(void)state;
	irq_routing_init(&r, record, &rec);
	gsi = irq_routing_alloc_msi(&r);
	assert_int_equal(gsi, IRQ_ROUTING_FIRST_MSI_GSI);
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)gsi, 0xfee00000, 0x41), 0);
	assert_int_equal(rec.calls, 1);
	for (unsigned int i = 0; i < rec.last_nr; i++) {
		if (rec.last[i].type != KVM_IRQ_ROUTING_IRQCHIP)
			continue;
		if (rec.last[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC) {
			assert_int_equal(rec.last[i].u.irqchip.pin, rec.last[i].gsi);
			ioapic++;
		} else {
			assert_true(rec.last[i].gsi < 16);
			assert_int_equal(rec.last[i].u.irqchip.pin, rec.last[i].gsi % 8);
			pic++;
		}
	}
	assert_int_equal(ioapic, 24);
	assert_int_equal(pic, 16);
	assert_non_null(find_msi(&rec, (unsigned int)gsi));
	assert_int_equal(find_msi(&rec, (unsigned int)gsi)->u.msi.data, 0x41);
	irq_routing_destroy(&r);
}

static void test_push_only_on_change(void **state)
{
	struct recorder rec = { 0 };
	struct irq_routing r;
	int a, b;

	(void)state;
	irq_routing_init(&r, record, &rec);
	a = irq_routing_alloc_msi(&r);
	b = irq_routing_alloc_msi(&r);
	assert_int_equal(b, a + 1);
	/* Allocating alone pushes nothing; an unset route is not in the table. */
	assert_int_equal(rec.calls, 0);
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)a, 0xfee00000, 0x30), 0);
	assert_null(find_msi(&rec, (unsigned int)b));
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)a, 0xfee00000, 0x30), 0);
	assert_int_equal(rec.calls, 1);
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)b, 0xfee01000, 0x31), 0);
	assert_int_equal(rec.calls, 2);
	assert_int_equal(find_msi(&rec, (unsigned int)a)->u.msi.data, 0x30);
	assert_int_equal(find_msi(&rec, (unsigned int)b)->u.msi.address_lo, 0xfee01000);
	assert_int_equal(r.updates, 2);
	irq_routing_destroy(&r);
}

static void test_failed_push_keeps_old_message(void **state)
{
	struct recorder rec = { 0 };
	struct irq_routing r;
	int gsi;

	(void)state;
	irq_routing_init(&r, record, &rec);
	gsi = irq_routing_alloc_msi(&r);
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)gsi, 0xfee00000, 1), 0);
	rec.fail = -EINVAL;
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)gsi, 0xfee00000, 2), -EINVAL);
	rec.fail = 0;
	/* The same new message is tried again rather than taken as in force. */
	assert_int_equal(irq_routing_set_msi(&r, (unsigned int)gsi, 0xfee00000, 2), 0);
	assert_int_equal(rec.calls, 3);
	assert_int_equal(find_msi(&rec, (unsigned int)gsi)->u.msi.data, 2);
	irq_routing_destroy(&r);
}

static void test_bad_gsi_and_exhaustion(void **state)
{
	struct recorder rec = { 0 };
	struct irq_routing r;

	(void)state;
	irq_routing_init(&r, record, &rec);
	assert_int_equal(irq_routing_set_msi(&r, 4, 0xfee00000, 1), -EINVAL);
	assert_int_equal(irq_routing_set_msi(&r, IRQ_ROUTING_FIRST_MSI_GSI, 0xfee00000, 1),
			 -EINVAL);
	for (unsigned int i = 0; i < IRQ_ROUTING_MAX_MSI; i++)
		assert_true(irq_routing_alloc_msi(&r) >= 0);
	assert_int_equal(irq_routing_alloc_msi(&r), -ENOSPC);
	assert_int_equal(rec.calls, 0);
	irq_routing_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_routes_kept),
		cmocka_unit_test(test_push_only_on_change),
		cmocka_unit_test(test_failed_push_keeps_old_message),
		cmocka_unit_test(test_bad_gsi_and_exhaustion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
