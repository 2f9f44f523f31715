// SPDX-License-Identifier: Apache-2.0
/* The real vmm-worker-rng binary, driven by the fake guest: setup over the
 * control socket, register accesses through the mailbox, requests through
 * a virtqueue in a memfd, and a hostile driver. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "fakeguest.h"
#include "proc_status.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

#define V1		VIRTIO_BIT(VIRTIO_F_VERSION_1)
#define INDIRECT	VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC)
#define EVENT_IDX	VIRTIO_BIT(VIRTIO_F_EVENT_IDX)
#define QSZ		256
#define IRQ_WAIT_MS	FG_TIMEOUT_MS
#define NO_IRQ_MS	200

static const char *worker_path(void)
{
	const char *p = getenv("SPLITVM_WORKER_RNG");

	assert_non_null(p);
	return p;
}

static struct fg *start(const struct fg_options *opts)
{
	static struct fg g;

	assert_int_equal(fg_spawn(&g, worker_path(), opts), 0);
	assert_int_equal(fg_setup(&g, opts, 1, QSZ), 0);
	return &g;
}

static int setup_pci(void **state)
{
	const struct fg_options o = { .transport = FG_PCI };

	*state = start(&o);
	return 0;
}

static int setup_mmio(void **state)
{
	const struct fg_options o = { .transport = FG_MMIO };

	*state = start(&o);
	return 0;
}

static int teardown(void **state)
{
	fg_destroy(*state);
	return 0;
}

/* One writable buffer of len bytes at gpa, as descriptor head. */
static void offer_buffer(struct fg *g, uint16_t head, uint64_t gpa, uint32_t len)
{
	fg_set_desc(g, g->desc_gpa, head, gpa, len, VIRTQ_DESC_F_WRITE, 0);
	fg_avail_add(g, head);
}

static unsigned int distinct_bytes(const uint8_t *p, size_t len)
{
	bool seen[256] = { false };
	unsigned int n = 0;

	for (size_t i = 0; i < len; i++) {
		n += !seen[p[i]];
		seen[p[i]] = true;
	}
	return n;
}

/* The device is in the error state, told the core, and still serves
 * registers. */
static void assert_needs_reset(struct fg *g, bool driver_ok)
{
	assert_int_equal(fg_wait_needs_reset_event(g, FG_TIMEOUT_MS), 0);
	assert_true(fg_get_status(g) & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	if (driver_ok)
		assert_int_equal(fg_wait_config_irq(g, IRQ_WAIT_MS), 1);
	assert_true(fg_worker_alive(g));
	if (g->transport == FG_PCI)
		assert_int_equal(fg_read(g, VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	else
		assert_int_equal(fg_read(g, VIRTIO_MMIO_MAGIC_VALUE, 4), VIRTIO_MMIO_MAGIC);
	assert_int_equal(g->error, 0);
}

/* ---- negotiation and setup ---- */

static void test_features_pci(void **state)
{
	struct fg *g = *state;
	uint64_t f = fg_device_features(g);

	assert_true(f & V1);
	assert_true(f & INDIRECT);
	assert_true(f & EVENT_IDX);
	assert_false(f & VIRTIO_BIT(VIRTIO_F_RING_PACKED));
	assert_int_equal(fg_queue_max(g, 0), QSZ);
	assert_int_equal(fg_queue_max(g, 1), 0);		/* one queue only */
	assert_int_equal(fg_read(g, VIRTIO_PCI_COMMON_NUMQ, 2), 1);
	assert_int_equal(fg_negotiate(g, V1 | VIRTIO_BIT(0)), 0);	/* not offered */
	assert_int_equal(fg_negotiate(g, INDIRECT), 0);		/* no VERSION_1 */
	assert_int_equal(fg_negotiate(g, V1 | INDIRECT | EVENT_IDX), 1);
	assert_int_equal(g->error, 0);
}

static void test_identity_mmio(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_read(g, VIRTIO_MMIO_MAGIC_VALUE, 4), 0x74726976);
	assert_int_equal(fg_read(g, VIRTIO_MMIO_VERSION_REG, 4), 2);
	assert_int_equal(fg_read(g, VIRTIO_MMIO_DEVICE_ID, 4), VIRTIO_ID_RNG);
	assert_int_equal(fg_queue_max(g, 0), QSZ);
	assert_int_equal(fg_negotiate(g, V1), 1);
	assert_int_equal(g->error, 0);
}

/* ---- requests ---- */

static void request_and_check(struct fg *g, uint32_t len, uint32_t expect)
{
	uint8_t *buf = fg_gpa(g, FG_BUF_GPA, len);
	uint16_t before = fg_used_idx(g);
	uint32_t id, used_len;

	memset(buf, 0, len);
	offer_buffer(g, 0, FG_BUF_GPA, len);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, IRQ_WAIT_MS), 1);
	assert_int_equal(fg_used_idx(g), (uint16_t)(before + 1));
	fg_used_elem(g, before, &id, &used_len);
	assert_int_equal(id, 0);
	assert_int_equal(used_len, expect);
	assert_true(distinct_bytes(buf, expect) > (expect >= 4096 ? 200u : 1u));
	/* Nothing past what the device says it wrote. */
	for (uint32_t i = expect; i < len; i++)
		assert_int_equal(buf[i], 0);
}

static void test_random_bytes_pci(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	request_and_check(g, 4096, 4096);
	request_and_check(g, 16, 16);
	assert_int_equal(fg_stat(g, "entropy_requests"), 2);
	assert_int_equal(fg_stat(g, "entropy_bytes"), 4096 + 16);
}

static void test_random_bytes_mmio(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	request_and_check(g, 4096, 4096);
	assert_int_equal(fg_read(g, VIRTIO_MMIO_INTERRUPT_STATUS, 4), VIRTIO_ISR_QUEUE);
	fg_write(g, VIRTIO_MMIO_INTERRUPT_ACK, 4, VIRTIO_ISR_QUEUE);
	assert_int_equal(fg_read(g, VIRTIO_MMIO_INTERRUPT_STATUS, 4), 0);
}

static void test_64k_cap(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	request_and_check(g, 128 * 1024, 64 * 1024);
}

static void test_configured_cap(void **state)
{
	const struct fg_options o = { .transport = FG_PCI, .max_bytes_per_request = 100 };
	struct fg *g = start(&o);

	(void)state;
	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	request_and_check(g, 4096, 100);
	fg_destroy(g);
}

static void test_buffers_before_driver_ok(void **state)
{
	struct fg *g = *state;
	uint32_t id, len;

	/* A driver may make buffers available before DRIVER_OK, and its kick
	 * then goes unheard: the device serves them once it is live. */
	assert_int_equal(fg_negotiate(g, V1), 1);
	memset(fg_gpa(g, FG_DESC_GPA, 0x3000), 0, 0x3000);
	fg_write(g, VIRTIO_PCI_COMMON_MSIX, 2, FG_CONFIG_VECTOR);
	fg_queue_setup(g, 0, QSZ, FG_DESC_GPA, FG_AVAIL_GPA, FG_USED_GPA);
	offer_buffer(g, 5, FG_BUF_GPA, 64);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, NO_IRQ_MS), 0);
	assert_int_equal(fg_used_idx(g), 0);
	fg_set_status(g, 0x0f);
	assert_int_equal(fg_get_status(g), 0x0f);
	assert_int_equal(fg_wait_queue_irq(g, 0, IRQ_WAIT_MS), 1);
	fg_used_elem(g, 0, &id, &len);
	assert_int_equal(id, 5);
	assert_int_equal(len, 64);
	assert_int_equal(g->error, 0);
}

static void test_indirect_segments_above_4g(void **state)
{
	struct fg *g = *state;
	const uint64_t table = FG_REGION1_GPA + 0x1000;
	const uint64_t b = FG_REGION1_GPA + 0x10000;
	uint32_t id, len;

	assert_int_equal(fg_bring_up(g, V1 | INDIRECT, QSZ), 0);
	memset(fg_gpa(g, b, 0x3000), 0, 0x3000);
	fg_set_desc(g, table, 0, b, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fg_set_desc(g, table, 1, b + 0x1000, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	fg_set_desc(g, table, 2, b + 0x2000, 0x1000, VIRTQ_DESC_F_WRITE, 0);
	fg_set_desc(g, g->desc_gpa, 7, table, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_avail_add(g, 7);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, IRQ_WAIT_MS), 1);
	fg_used_elem(g, 0, &id, &len);
	assert_int_equal(id, 7);
	assert_int_equal(len, 100 + 1 + 0x1000);
	assert_true(distinct_bytes(fg_gpa(g, b + 0x2000, 0x1000), 0x1000) > 200);
	assert_true(distinct_bytes(fg_gpa(g, b, 100), 100) > 1);
}

static void test_event_idx_suppression(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1 | EVENT_IDX, QSZ), 0);
	fg_set_used_event(g, 0);
	offer_buffer(g, 0, FG_BUF_GPA, 32);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, IRQ_WAIT_MS), 1);
	/* "no interrupt until used idx passes 2": the second completion
	 * comes silently, the third interrupts. */
	fg_set_used_event(g, 2);
	offer_buffer(g, 1, FG_BUF_GPA, 32);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_used(g, 2, FG_TIMEOUT_MS), 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, NO_IRQ_MS), 0);
	/* The device asks for a kick at the next buffer. */
	assert_int_equal(fg_avail_event(g), 2);
	offer_buffer(g, 2, FG_BUF_GPA, 32);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, IRQ_WAIT_MS), 1);
	assert_int_equal(fg_used_idx(g), 3);
}

static void test_no_interrupt_flag(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	fg_set_avail_flags(g, VIRTQ_AVAIL_F_NO_INTERRUPT);
	offer_buffer(g, 0, FG_BUF_GPA, 32);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_used(g, 1, FG_TIMEOUT_MS), 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, NO_IRQ_MS), 0);
}

/* ---- a hostile driver ---- */

static void test_descriptor_outside_memory(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	offer_buffer(g, 0, 0x80000000ULL, 16);	/* in the hole between regions */
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_descriptor_overflow(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	offer_buffer(g, 0, UINT64_MAX - 0xf, 0x1000);	/* wraps to 0xff0 */
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_chain_loop(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	fg_set_desc(g, g->desc_gpa, 0, FG_BUF_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	fg_set_desc(g, g->desc_gpa, 1, FG_BUF_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	fg_avail_add(g, 0);
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_chain_longer_than_queue(void **state)
{
	struct fg *g = *state;
	const uint64_t table = FG_BUF_GPA + 0x10000;

	/* A queue of 4 and an indirect table of 5 loop-free descriptors. */
	assert_int_equal(fg_bring_up(g, V1 | INDIRECT, 4), 0);
	for (uint16_t i = 0; i < 5; i++)
		fg_set_desc(g, table, i, FG_BUF_GPA + 16ULL * i, 16,
			    VIRTQ_DESC_F_WRITE | (i < 4 ? VIRTQ_DESC_F_NEXT : 0), i + 1);
	fg_set_desc(g, g->desc_gpa, 0, table, 5 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_avail_add(g, 0);
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_indirect_inside_indirect(void **state)
{
	struct fg *g = *state;
	const uint64_t t1 = FG_BUF_GPA + 0x10000, t2 = FG_BUF_GPA + 0x11000;

	assert_int_equal(fg_bring_up(g, V1 | INDIRECT, QSZ), 0);
	fg_set_desc(g, t2, 0, FG_BUF_GPA, 16, VIRTQ_DESC_F_WRITE, 0);
	fg_set_desc(g, t1, 0, t2, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_set_desc(g, g->desc_gpa, 0, t1, 16, VIRTQ_DESC_F_INDIRECT, 0);
	fg_avail_add(g, 0);
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_avail_idx_jump(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	fg_set_desc(g, g->desc_gpa, 0, FG_BUF_GPA, 16, VIRTQ_DESC_F_WRITE, 0);
	fg_set_avail_idx(g, QSZ + 1);
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_used_idx_moved_by_driver(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	request_and_check(g, 16, 16);
	/* The driver scribbles on the device-owned used->idx. */
	*(uint16_t *)fg_gpa(g, g->used_gpa + 2, 2) = 1 + QSZ + 7;
	offer_buffer(g, 0, FG_BUF_GPA, 16);
	fg_kick(g, 0);
	assert_needs_reset(g, true);
}

static void test_queue_size_not_power_of_two(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_negotiate(g, V1), 1);
	fg_queue_setup(g, 0, 100, FG_DESC_GPA, FG_AVAIL_GPA, FG_USED_GPA);
	assert_needs_reset(g, false);
}

static void test_recovers_after_reset(void **state)
{
	struct fg *g = *state;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	offer_buffer(g, 0, 0x80000000ULL, 16);
	fg_kick(g, 0);
	assert_needs_reset(g, true);
	/* A kick now is ignored: nothing is served in the error state. */
	offer_buffer(g, 1, FG_BUF_GPA, 16);
	fg_kick(g, 0);
	assert_int_equal(fg_wait_queue_irq(g, 0, NO_IRQ_MS), 0);
	assert_int_equal(fg_used_idx(g), 0);
	/* The driver resets and starts over with a sane ring. */
	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	assert_int_equal(fg_get_status(g), 0x0f);
	request_and_check(g, 64, 64);
}

/* ---- the process ---- */

static void test_sandboxed(void **state)
{
	struct fg *g = *state;
	char v[64];

	assert_int_equal(proc_status_field(g->pid, "CapEff", v, sizeof(v)), 0);
	assert_string_equal(v, "0000000000000000");
	assert_int_equal(proc_status_field(g->pid, "CapPrm", v, sizeof(v)), 0);
	assert_string_equal(v, "0000000000000000");
	assert_int_equal(proc_status_field(g->pid, "NoNewPrivs", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(proc_status_field(g->pid, "Seccomp", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
}

static void test_shutdown(void **state)
{
	struct fg *g = *state;
	int status;

	assert_int_equal(fg_bring_up(g, V1, QSZ), 0);
	request_and_check(g, 32, 32);
	status = fg_shutdown(g);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_core_hangs_up(void **state)
{
	struct fg *g = *state;
	int status;

	close(g->ctl);
	g->ctl = -1;
	status = fg_wait_exit(g, FG_TIMEOUT_MS);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_setup_order_and_bounds(void **state)
{
	const struct fg_options o = { .transport = FG_PCI };
	Ctl__Activate act = CTL__ACTIVATE__INIT;
	Ctl__QueueSetup qs = CTL__QUEUE_SETUP__INIT;
	Ctl__Backend be = CTL__BACKEND__INIT;
	struct fg g;
	int fds[2];

	(void)state;
	assert_int_equal(fg_spawn(&g, worker_path(), &o), 0);
	assert_int_equal(chan_hello(g.ctl, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_RNG, "t",
				    FG_TIMEOUT_MS, NULL), CHAN_OK);
	/* Activate and QueueSetup before Configure. */
	assert_int_equal(fg_call(&g, CHAN_MSG_ACTIVATE, &act, NULL, 0), EPROTO);
	fds[0] = g.notify_fd[0];
	fds[1] = g.irq_fd[0];
	qs.max_size = 256;
	qs.has_msix_vector = true;
	assert_int_equal(fg_call(&g, CHAN_MSG_QUEUE_SETUP, &qs, fds, 2), EPROTO);
	be.kind = CTL__BACKEND_KIND__BACKEND_DISK_FILE;
	assert_int_equal(fg_call(&g, CHAN_MSG_ATTACH_BACKEND, &be, &g.memfd, 1), EINVAL);
	assert_true(fg_worker_alive(&g));
	fg_destroy(&g);
}

static void test_bad_queue_setup(void **state)
{
	const struct fg_options o = { .transport = FG_PCI };
	Ctl__RngConfig rng = CTL__RNG_CONFIG__INIT;
	Ctl__Configure cfg = CTL__CONFIGURE__INIT;
	Ctl__QueueSetup qs = CTL__QUEUE_SETUP__INIT;
	struct fg g;
	int fds[2];

	(void)state;
	assert_int_equal(fg_spawn(&g, worker_path(), &o), 0);
	assert_int_equal(chan_hello(g.ctl, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_RNG, "t",
				    FG_TIMEOUT_MS, NULL), CHAN_OK);
	cfg.transport = CTL__TRANSPORT__TRANSPORT_PCI;
	cfg.device_case = CTL__CONFIGURE__DEVICE_RNG;
	cfg.rng = &rng;
	assert_int_equal(fg_call(&g, CHAN_MSG_CONFIGURE, &cfg, NULL, 0), 0);
	assert_int_equal(fg_call(&g, CHAN_MSG_CONFIGURE, &cfg, NULL, 0), EBUSY);
	fds[0] = g.notify_fd[0];
	fds[1] = g.irq_fd[0];
	qs.has_msix_vector = true;
	qs.msix_vector = 1;
	qs.index = 0;
	qs.max_size = 512;	/* more than the device supports */
	assert_int_equal(fg_call(&g, CHAN_MSG_QUEUE_SETUP, &qs, fds, 2), EINVAL);
	qs.index = 1;		/* the entropy device has one queue */
	qs.max_size = 256;
	assert_int_equal(fg_call(&g, CHAN_MSG_QUEUE_SETUP, &qs, fds, 2), EINVAL);
	qs.index = 0;
	qs.has_msix_vector = false;	/* PCI needs the vector */
	assert_int_equal(fg_call(&g, CHAN_MSG_QUEUE_SETUP, &qs, fds, 2), EINVAL);
	assert_true(fg_worker_alive(&g));
	fg_destroy(&g);
}

static void test_hello_device_mismatch(void **state)
{
	const struct fg_options o = { .transport = FG_PCI };
	struct fg g;
	int status;

	(void)state;
	assert_int_equal(fg_spawn(&g, worker_path(), &o), 0);
	assert_int_equal(chan_hello(g.ctl, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_BLK, "t",
				    FG_TIMEOUT_MS, NULL), CHAN_ERR_DEVICE_MISMATCH);
	status = fg_wait_exit(&g, FG_TIMEOUT_MS);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	fg_destroy(&g);
}

#define PCI(fn) cmocka_unit_test_setup_teardown(fn, setup_pci, teardown)
#define MMIO(fn) cmocka_unit_test_setup_teardown(fn, setup_mmio, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		PCI(test_features_pci),
		MMIO(test_identity_mmio),
		PCI(test_random_bytes_pci),
		MMIO(test_random_bytes_mmio),
		PCI(test_64k_cap),
		cmocka_unit_test(test_configured_cap),
		PCI(test_buffers_before_driver_ok),
		PCI(test_indirect_segments_above_4g),
		PCI(test_event_idx_suppression),
		PCI(test_no_interrupt_flag),
		PCI(test_descriptor_outside_memory),
		MMIO(test_descriptor_overflow),
		PCI(test_chain_loop),
		PCI(test_chain_longer_than_queue),
		PCI(test_indirect_inside_indirect),
		PCI(test_avail_idx_jump),
		PCI(test_used_idx_moved_by_driver),
		PCI(test_queue_size_not_power_of_two),
		MMIO(test_recovers_after_reset),
		PCI(test_sandboxed),
		PCI(test_shutdown),
		PCI(test_core_hangs_up),
		cmocka_unit_test(test_setup_order_and_bounds),
		cmocka_unit_test(test_bad_queue_setup),
		cmocka_unit_test(test_hello_device_mismatch),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
