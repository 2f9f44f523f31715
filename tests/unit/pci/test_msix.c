/* MSI-X: table layout, masking at both levels, the PBA, when the KVM side
 * hears about a vector, and accesses the spec leaves undefined. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msix.h"
#include "recorder.h"

static void msix_ctrl(struct fixture *f, uint16_t v)
{
	cfg_wr(f, f->dev.msix_cap + 2, 2, v);
}

static void entry_write(struct msix *m, unsigned int vec, uint64_t addr, uint32_t data,
			uint32_t ctrl)
{
	uint32_t w[4] = { (uint32_t)addr, (uint32_t)(addr >> 32), data, ctrl };

	for (unsigned int i = 0; i < 4; i++)
		msix_table_write(m, vec * MSIX_ENTRY_SIZE + i * 4, &w[i], 4);
}

static void ctrl_write(struct msix *m, unsigned int vec, uint32_t ctrl)
{
	msix_table_write(m, vec * MSIX_ENTRY_SIZE + 12, &ctrl, 4);
}

static uint32_t table_rd(struct msix *m, uint64_t off)
{
	uint32_t v = 0;

	msix_table_read(m, off, &v, 4);
	return v;
}

static uint64_t pba(struct msix *m, uint64_t off)
{
	uint64_t v = 0;

	msix_pba_read(m, off, &v, 8);
	return v;
}

static void test_table_layout(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;
	uint64_t q = 0;

	/* Reset: every entry zero and masked, nothing told. */
	for (unsigned int vec = 0; vec < 3; vec++) {
		assert_int_equal(table_rd(m, vec * 16), 0);
		assert_int_equal(table_rd(m, vec * 16 + 8), 0);
		assert_int_equal(table_rd(m, vec * 16 + 12), MSIX_ENTRY_MASKED);
	}
	assert_int_equal(msix_table_size(3), 48);
	assert_int_equal(msix_pba_size(3), 8);
	assert_int_equal(msix_pba_size(64), 8);
	assert_int_equal(msix_pba_size(65), 16);
	/* Words land where the spec puts them, 4- and 8-byte wide. */
	entry_write(m, 2, 0x12345678fee01000ull, 0x4021, MSIX_ENTRY_MASKED);
	assert_int_equal(table_rd(m, 32), 0xfee01000);
	assert_int_equal(table_rd(m, 36), 0x12345678);
	assert_int_equal(table_rd(m, 40), 0x4021);
	msix_table_read(m, 32, &q, 8);
	assert_int_equal(q, 0x12345678fee01000ull);
	msix_table_read(m, 40, &q, 8);
	assert_int_equal(q, (uint64_t)MSIX_ENTRY_MASKED << 32 | 0x4021);
	q = 0xfee02000;
	msix_table_write(m, 16, &q, 8);
	assert_int_equal(table_rd(m, 16), 0xfee02000);
	assert_int_equal(table_rd(m, 20), 0);
	/* Only the mask bit of vector control is writable. */
	ctrl_write(m, 1, 0xfffffffe);
	assert_int_equal(table_rd(m, 28), 0);
	ctrl_write(m, 1, 0xffffffff);
	assert_int_equal(table_rd(m, 28), MSIX_ENTRY_MASKED);
	assert_int_equal(rec_total_updates(&f->rec), 0);
}

/* The brief's main scenario: pending while masked, delivered on unmask. */
static void test_pending_while_masked(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;

	msix_ctrl(f, MSIX_CTRL_ENABLE);
	entry_write(m, 1, 0xfee00000, 0x4041, MSIX_ENTRY_MASKED);
	assert_int_equal(rec_total_updates(&f->rec), 0);
	assert_int_equal(pba(m, 0), 0);
	f->rec.pending[1] = true;                       /* the source fires */
	assert_int_equal(pba(m, 0), 1u << 1);
	assert_int_equal(pba(m, 0), 1u << 1);           /* reading does not consume */
	ctrl_write(m, 1, 0);
	assert_int_equal(f->rec.updates[1], 1);
	assert_true(f->rec.on[1]);
	assert_int_equal(f->rec.addr[1], 0xfee00000);
	assert_int_equal(f->rec.data[1], 0x4041);
	assert_int_equal(f->rec.delivered[1], 1);
	assert_int_equal(pba(m, 0), 0);
	/* A delivering vector shows no PBA bit even if its source says so. */
	f->rec.pending[1] = true;
	assert_int_equal(pba(m, 0), 0);
	/* Masking it again: one update to off. */
	ctrl_write(m, 1, MSIX_ENTRY_MASKED);
	assert_int_equal(f->rec.updates[1], 2);
	assert_false(f->rec.on[1]);
	assert_int_equal(pba(m, 0), 1u << 1);
	assert_int_equal(rec_total_updates(&f->rec), 2);
}

static void test_message_changes(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;
	uint64_t q;

	msix_ctrl(f, MSIX_CTRL_ENABLE);
	/* While masked, a message change calls nothing. */
	entry_write(m, 0, 0xfee00000, 0x30, MSIX_ENTRY_MASKED);
	entry_write(m, 0, 0xfee01000, 0x31, MSIX_ENTRY_MASKED);
	assert_int_equal(f->rec.updates[0], 0);
	ctrl_write(m, 0, 0);
	assert_int_equal(f->rec.updates[0], 1);
	assert_int_equal(f->rec.addr[0], 0xfee01000);
	/* Same values rewritten: nothing. */
	entry_write(m, 0, 0xfee01000, 0x31, 0);
	ctrl_write(m, 0, 0);
	assert_int_equal(f->rec.updates[0], 1);
	/* Data change while on: one update with the new message. */
	msix_table_write(m, 8, &(uint32_t){ 0x32 }, 4);
	assert_int_equal(f->rec.updates[0], 2);
	assert_int_equal(f->rec.data[0], 0x32);
	/* Address written as one 8-byte access: one update. */
	q = 0x00000001fee02000ull;
	msix_table_write(m, 0, &q, 8);
	assert_int_equal(f->rec.updates[0], 3);
	assert_int_equal(f->rec.addr[0], 0x00000001fee02000ull);
	/* Other vectors never heard a thing. */
	assert_int_equal(f->rec.updates[1] + f->rec.updates[2], 0);
}

static void test_function_mask_and_enable(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;

	/* Entries unmasked while MSI-X is off: nothing delivers yet. */
	entry_write(m, 0, 0xfee00000, 0x30, 0);
	entry_write(m, 2, 0xfee01000, 0x31, 0);
	assert_int_equal(rec_total_updates(&f->rec), 0);
	msix_ctrl(f, MSIX_CTRL_ENABLE);
	assert_true(f->rec.on[0] && f->rec.on[2]);
	assert_int_equal(f->rec.updates[1], 0);         /* still masked */
	/* Function mask turns every vector off, and back on. */
	msix_ctrl(f, MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	assert_false(f->rec.on[0] || f->rec.on[2]);
	f->rec.pending[2] = true;
	assert_int_equal(pba(m, 0), 1u << 2);
	assert_int_equal(cfg_rd(f, f->dev.msix_cap + 2, 2), MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK | 2);
	/* A message change under the function mask calls nothing. */
	entry_write(m, 0, 0xfee00000, 0x40, 0);
	assert_int_equal(f->rec.updates[0], 2);
	/* Unmasking through the control word's high byte only. */
	cfg_wr(f, f->dev.msix_cap + 3, 1, MSIX_CTRL_ENABLE >> 8);
	assert_true(f->rec.on[0] && f->rec.on[2]);
	assert_int_equal(f->rec.data[0], 0x40);
	assert_int_equal(f->rec.delivered[2], 1);
	assert_int_equal(pba(m, 0), 0);
	/* Rewriting the control word unchanged calls nothing. */
	msix_ctrl(f, MSIX_CTRL_ENABLE);
	assert_int_equal(f->rec.updates[0], 3);
	/* Disabling MSI-X stops delivery too. */
	msix_ctrl(f, 0);
	assert_false(f->rec.on[0] || f->rec.on[2]);
	assert_int_equal(f->rec.updates[0], 4);         /* on, off, on, off */
	assert_int_equal(f->rec.updates[2], 4);
}

static void test_vector_info(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;
	bool on = true;
	uint64_t addr = 1;
	uint32_t data = 1;

	assert_int_equal(msix_vector_info(m, 1, &on, &addr, &data), 0);
	assert_false(on);
	assert_int_equal(addr, 0);
	entry_write(m, 1, 0xfee0f000, 0x55, 0);
	assert_int_equal(msix_vector_info(m, 1, &on, &addr, &data), 0);
	assert_false(on);                               /* MSI-X still disabled */
	assert_int_equal(addr, 0xfee0f000);
	assert_int_equal(data, 0x55);
	msix_ctrl(f, MSIX_CTRL_ENABLE);
	assert_int_equal(msix_vector_info(m, 1, &on, &addr, &data), 0);
	assert_true(on);
	assert_int_equal(msix_vector_info(m, 3, &on, &addr, &data), -EINVAL);
	assert_int_equal(msix_vector_info(m, UINT32_MAX, &on, &addr, &data), -EINVAL);
}

/* A failed update leaves the vector as ops last knew it, and the next
 * change of the entry tries again. */
static void test_update_failure_retried(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;

	msix_ctrl(f, MSIX_CTRL_ENABLE);
	f->rec.update_ret = -EIO;
	entry_write(m, 0, 0xfee00000, 0x30, 0);
	assert_int_equal(f->rec.updates[0], 1);
	assert_false(f->rec.on[0]);
	f->rec.update_ret = 0;
	ctrl_write(m, 0, 0);
	assert_int_equal(f->rec.updates[0], 2);
	assert_true(f->rec.on[0]);
	ctrl_write(m, 0, 0);
	assert_int_equal(f->rec.updates[0], 2);
}

static void test_bad_accesses(void **state)
{
	struct fixture *f = *state;
	struct msix *m = &f->msix;
	uint8_t before[48];
	uint64_t v = 0;
	uint16_t w = 0;
	uint8_t b = 0;

	for (unsigned int i = 0; i < 48; i += 4) {
		uint32_t x = table_rd(m, i);

		memcpy(&before[i], &x, 4);
	}
	msix_table_read(m, 3 * 16, &v, 4);             /* past the table */
	assert_int_equal(v & 0xffffffff, 0xffffffff);
	msix_table_read(m, 2, &v, 4);                  /* misaligned */
	assert_int_equal(v & 0xffffffff, 0xffffffff);
	msix_table_read(m, 4, &v, 8);                  /* misaligned qword */
	assert_int_equal(v, UINT64_MAX);
	msix_table_read(m, 0, &b, 1);
	assert_int_equal(b, 0xff);
	msix_table_read(m, 0, &w, 2);
	assert_int_equal(w, 0xffff);
	msix_table_read(m, UINT64_MAX - 3, &v, 4);
	assert_int_equal(v & 0xffffffff, 0xffffffff);
	msix_table_read(m, 40, &v, 8);                 /* last qword is fine */
	assert_int_equal(v >> 32, MSIX_ENTRY_MASKED);
	v = 0;
	msix_table_write(m, 3 * 16, &v, 4);
	msix_table_write(m, 12, &v, 1);
	msix_table_write(m, 12, &v, 2);
	msix_table_write(m, 14, &v, 4);
	msix_table_write(m, 44, &v, 8);
	msix_table_write(m, UINT64_MAX - 7, &v, 8);
	for (unsigned int i = 0; i < 48; i += 4) {
		uint32_t x = table_rd(m, i);

		assert_memory_equal(&before[i], &x, 4);
	}
	msix_pba_read(m, 8, &v, 8);                    /* past the PBA */
	assert_int_equal(v, UINT64_MAX);
	msix_pba_read(m, 2, &v, 4);
	assert_int_equal(v & 0xffffffff, 0xffffffff);
	msix_pba_read(m, 0, &b, 1);
	assert_int_equal(b, 0xff);
	v = 0;
	msix_pba_read(m, 4, &v, 4);                    /* vectors 32-63: none */
	assert_int_equal(v, 0);
	assert_int_equal(rec_total_updates(&f->rec), 0);
}

static void test_init_limits(void **state)
{
	struct msix m;
	struct rec *r = calloc(1, sizeof(*r));
	uint64_t v = 0;

	(void)state;
	assert_non_null(r);
	assert_int_equal(msix_init(&m, 0, &rec_msix_ops, r), -EINVAL);
	msix_destroy(&m);
	assert_int_equal(msix_init(&m, MSIX_MAX_VECTORS + 1, &rec_msix_ops, r), -EINVAL);
	assert_int_equal(msix_init(&m, 4, NULL, r), -EINVAL);
	assert_int_equal(msix_init(&m, 4, &(struct msix_ops){ .update = rec_msix_ops.update },
				   r), -EINVAL);
	assert_int_equal(msix_init(&m, MSIX_MAX_VECTORS, &rec_msix_ops, r), 0);
	assert_int_equal(msix_table_size(MSIX_MAX_VECTORS), 32768);
	/* The last vector's entry and PBA bit are reachable, no further. */
	assert_int_equal(table_rd(&m, 32768 - 4), MSIX_ENTRY_MASKED);
	assert_int_equal(table_rd(&m, 32768), 0xffffffff);
	msix_control_write(&m, MSIX_CTRL_ENABLE);
	r->pending[100] = true;
	msix_pba_read(&m, 8, &v, 8);
	assert_int_equal(v, 1ull << (100 - 64));
	msix_pba_read(&m, 256 - 8, &v, 8);
	assert_int_equal(v, 0);
	msix_pba_read(&m, 256, &v, 8);
	assert_int_equal(v, UINT64_MAX);
	ctrl_write(&m, 100, 0);
	assert_int_equal(r->updates[100], 1);
	assert_int_equal(r->delivered[100], 1);
	msix_destroy(&m);
	msix_destroy(&m);                              /* twice is harmless */
	free(r);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_table_layout),
		T(test_pending_while_masked),
		T(test_message_changes),
		T(test_function_mask_and_enable),
		T(test_vector_info),
		T(test_update_failure_retried),
		T(test_bad_accesses),
		cmocka_unit_test(test_init_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
