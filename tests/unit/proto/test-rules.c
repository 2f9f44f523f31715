/* The per-type rules: a message that breaks one is refused by chan_send()
 * before anything goes out, and refused by chan_recv() when a hostile peer
 * sends it anyway.  Limits are probed on both sides of the boundary. */
#include "helpers.h"
#include "samples.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static enum chan_side receiver_of(enum chan_side sender)
{
	return sender == CHAN_SIDE_CORE ? CHAN_SIDE_WORKER : CHAN_SIDE_CORE;
}

static void expect_verdict(struct fixture *fx, enum chan_msg_type type,
			   const ProtobufCMessage *body, enum chan_err verdict)
{
	static uint8_t pkt[CHAN_MAX_PACKET];
	const struct chan_msg_info *info = chan_msg_info(type);
	enum chan_side from = sample_sender(type), to = receiver_of(from);
	struct chan_msg msg;
	int fds[CHAN_MAX_FDS];
	size_t len;

	make_test_fds(fds, info->nfds);
	assert_int_equal(fcntl(fixture_end(fx, to), F_SETFL, O_NONBLOCK), 0);
	assert_string_equal(chan_strerror(chan_send(fixture_end(fx, from), from, type, 1, body,
						    fds, info->nfds)),
			    chan_strerror(verdict));
	if (verdict == CHAN_OK) {
		assert_int_equal(chan_recv(fixture_end(fx, to), to, &msg), CHAN_OK);
		chan_msg_clear(&msg);
	} else {
		/* Nothing went out... */
		expect_recv_error(fx, to, CHAN_ERR_AGAIN);
		/* ...and the receiver refuses the same message all the same. */
		len = encode_packet(type, 1, body, pkt);
		raw_send(fixture_end(fx, from), pkt, len, fds, info->nfds);
		expect_recv_error(fx, to, verdict);
	}
	close_test_fds(fds, info->nfds);
	assert_no_fd_leak(fx);
}

#define REJECTED(type, msg) expect_verdict(*state, type, &(msg).base, CHAN_ERR_INVALID)
#define ACCEPTED(type, msg) expect_verdict(*state, type, &(msg).base, CHAN_OK)

/* A string of n 'x' characters (n < sizeof). */
static char *xs(char *buf, size_t n)
{
	memset(buf, 'x', n);
	buf[n] = '\0';
	return buf;
}

static void test_hello_rules(void **state)
{
	Ctl__Hello h = *(const Ctl__Hello *)sample_body(CHAN_MSG_HELLO);
	char s[CHAN_MAX_VERSION_LEN + 2];

	h.protocol_version = 0;
	REJECTED(CHAN_MSG_HELLO, h);
	h.protocol_version = 1;
	h.device_type = CTL__DEVICE_TYPE__DEVICE_UNSPECIFIED;
	REJECTED(CHAN_MSG_HELLO, h);
	h.device_type = (Ctl__DeviceType)3;	/* a gap in the virtio IDs we list */
	REJECTED(CHAN_MSG_HELLO, h);
	h.device_type = CTL__DEVICE_TYPE__DEVICE_VSOCK;
	h.software_version = xs(s, CHAN_MAX_VERSION_LEN + 1);
	REJECTED(CHAN_MSG_HELLO, h);
	h.software_version = xs(s, CHAN_MAX_VERSION_LEN);
	ACCEPTED(CHAN_MSG_HELLO, h);
}

static void test_reply_error_event_rules(void **state)
{
	Ctl__Reply r = *(const Ctl__Reply *)sample_body(CHAN_MSG_REPLY);
	Ctl__Error e = *(const Ctl__Error *)sample_body(CHAN_MSG_ERROR);
	Ctl__Event ev = *(const Ctl__Event *)sample_body(CHAN_MSG_EVENT);

	r.status = -5;
	REJECTED(CHAN_MSG_REPLY, r);
	r.status = 22;
	ACCEPTED(CHAN_MSG_REPLY, r);
	e.code = 0;
	REJECTED(CHAN_MSG_ERROR, e);
	ev.kind = CTL__EVENT_KIND__EVENT_UNSPECIFIED;
	REJECTED(CHAN_MSG_EVENT, ev);
	ev.kind = CTL__EVENT_KIND__EVENT_CONFIG_CHANGED;
	ACCEPTED(CHAN_MSG_EVENT, ev);
}

static void test_configure_rules(void **state)
{
	Ctl__Configure c = *(const Ctl__Configure *)sample_configure(CTL__CONFIGURE__DEVICE_BLK);
	Ctl__BlkConfig blk = *c.blk;
	char s[32];

	c.blk = &blk;
	c.transport = CTL__TRANSPORT__TRANSPORT_UNSPECIFIED;
	REJECTED(CHAN_MSG_CONFIGURE, c);
	c.transport = CTL__TRANSPORT__TRANSPORT_MMIO;
	c.device_case = CTL__CONFIGURE__DEVICE__NOT_SET;
	REJECTED(CHAN_MSG_CONFIGURE, c);
	c.device_case = CTL__CONFIGURE__DEVICE_BLK;
	blk.cache_type = CTL__CACHE_TYPE__CACHE_UNSPECIFIED;
	REJECTED(CHAN_MSG_CONFIGURE, c);
	blk.cache_type = CTL__CACHE_TYPE__CACHE_UNSAFE;
	blk.io_engine = (Ctl__IoEngine)9;
	REJECTED(CHAN_MSG_CONFIGURE, c);
	blk.io_engine = CTL__IO_ENGINE__IO_ENGINE_SYNC;
	blk.disk_id = xs(s, CHAN_BLK_ID_BYTES + 1);
	REJECTED(CHAN_MSG_CONFIGURE, c);
	blk.disk_id = xs(s, CHAN_BLK_ID_BYTES);
	ACCEPTED(CHAN_MSG_CONFIGURE, c);
}

static void test_rng_rules(void **state)
{
	Ctl__Configure c = *(const Ctl__Configure *)sample_configure(CTL__CONFIGURE__DEVICE_RNG);
	Ctl__RngConfig rng = *c.rng;

	c.rng = &rng;
	rng.max_bytes_per_request = 0;
	REJECTED(CHAN_MSG_CONFIGURE, c);
	rng.max_bytes_per_request = CHAN_MAX_RNG_REQUEST + 1;
	REJECTED(CHAN_MSG_CONFIGURE, c);
	rng.max_bytes_per_request = 1;
	ACCEPTED(CHAN_MSG_CONFIGURE, c);
	rng.has_max_bytes_per_request = 0;
	rng.max_bytes_per_request = 0;
	ACCEPTED(CHAN_MSG_CONFIGURE, c);
}

static void test_net_and_vsock_rules(void **state)
{
	Ctl__Configure n = *(const Ctl__Configure *)sample_configure(CTL__CONFIGURE__DEVICE_NET);
	Ctl__NetConfig net = *n.net;
	Ctl__Configure v = *(const Ctl__Configure *)sample_configure(CTL__CONFIGURE__DEVICE_VSOCK);
	Ctl__VsockConfig vsock = *v.vsock;

	n.net = &net;
	net.mac.len = CHAN_MAC_BYTES - 1;
	REJECTED(CHAN_MSG_CONFIGURE, n);
	v.vsock = &vsock;
	vsock.guest_cid = 2;
	REJECTED(CHAN_MSG_CONFIGURE, v);
	vsock.guest_cid = UINT32_MAX;
	REJECTED(CHAN_MSG_CONFIGURE, v);
	vsock.guest_cid = UINT32_MAX - 1;
	ACCEPTED(CHAN_MSG_CONFIGURE, v);
}

static void test_memory_map_rules(void **state)
{
	Ctl__MemoryRegion r[CHAN_MAX_MEM_REGIONS + 1];
	Ctl__MemoryRegion *rp[CHAN_MAX_MEM_REGIONS + 1];
	Ctl__MemoryMap m = *(const Ctl__MemoryMap *)sample_body(CHAN_MSG_MEMORY_MAP);

	for (unsigned int i = 0; i <= CHAN_MAX_MEM_REGIONS; i++) {
		ctl__memory_region__init(&r[i]);
		r[i].guest_phys_addr = (uint64_t)i * 2 * CHAN_PAGE_SIZE;
		r[i].size = CHAN_PAGE_SIZE;
		r[i].memfd_offset = (uint64_t)i * CHAN_PAGE_SIZE;
		rp[i] = &r[i];
	}
	m.regions = rp;
	m.n_regions = 0;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	m.n_regions = CHAN_MAX_MEM_REGIONS + 1;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	m.n_regions = CHAN_MAX_MEM_REGIONS;
	ACCEPTED(CHAN_MSG_MEMORY_MAP, m);

	m.n_regions = 2;
	r[1].size = 0;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	r[1].size = CHAN_PAGE_SIZE + 1;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	r[1].size = CHAN_PAGE_SIZE;
	r[1].memfd_offset = 1;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	r[1].memfd_offset = CHAN_PAGE_SIZE;
	r[1].guest_phys_addr = CHAN_PAGE_SIZE / 2;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	/* overlapping, then out of order */
	r[1].guest_phys_addr = 0;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	r[0].guest_phys_addr = 4 * CHAN_PAGE_SIZE;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	r[0].guest_phys_addr = 0;
	/* touching is fine */
	r[1].guest_phys_addr = CHAN_PAGE_SIZE;
	ACCEPTED(CHAN_MSG_MEMORY_MAP, m);
	/* ranges that wrap the 64-bit space */
	r[1].guest_phys_addr = UINT64_MAX - CHAN_PAGE_SIZE + 1;
	r[1].size = 2 * CHAN_PAGE_SIZE;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
	r[1].guest_phys_addr = CHAN_PAGE_SIZE;
	r[1].memfd_offset = UINT64_MAX - CHAN_PAGE_SIZE + 1;
	REJECTED(CHAN_MSG_MEMORY_MAP, m);
}

static void test_backend_and_mailbox_rules(void **state)
{
	Ctl__Backend b = *(const Ctl__Backend *)sample_body(CHAN_MSG_ATTACH_BACKEND);
	Ctl__Mailbox mb = *(const Ctl__Mailbox *)sample_body(CHAN_MSG_MAILBOX);

	b.kind = CTL__BACKEND_KIND__BACKEND_UNSPECIFIED;
	REJECTED(CHAN_MSG_ATTACH_BACKEND, b);
	REJECTED(CHAN_MSG_UPDATE_BACKEND, b);
	b.kind = CTL__BACKEND_KIND__BACKEND_TAP;
	ACCEPTED(CHAN_MSG_UPDATE_BACKEND, b);

	mb.layout_version = 0;
	REJECTED(CHAN_MSG_MAILBOX, mb);
	mb.layout_version = 1;
	mb.shm_size = 0;
	REJECTED(CHAN_MSG_MAILBOX, mb);
	mb.shm_size = CHAN_PAGE_SIZE - 1;
	REJECTED(CHAN_MSG_MAILBOX, mb);
	mb.shm_size = CHAN_MAX_MAILBOX_SIZE + CHAN_PAGE_SIZE;
	REJECTED(CHAN_MSG_MAILBOX, mb);
	mb.shm_size = CHAN_MAX_MAILBOX_SIZE;
	ACCEPTED(CHAN_MSG_MAILBOX, mb);
}

static void test_queue_rules(void **state)
{
	const Ctl__QueueSetup good = *(const Ctl__QueueSetup *)sample_body(CHAN_MSG_QUEUE_SETUP);
	Ctl__QueueSetup q = good;
	Ctl__ConfigInterrupt ci = *(const Ctl__ConfigInterrupt *)sample_body(CHAN_MSG_CONFIG_INTERRUPT);

	q.index = CHAN_MAX_QUEUES;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q.index = CHAN_MAX_QUEUES - 1;
	ACCEPTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.max_size = 0;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q.max_size = 384;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q.max_size = 2 * CHAN_MAX_QUEUE_SIZE;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q.max_size = CHAN_MAX_QUEUE_SIZE;
	ACCEPTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.msix_vector = CHAN_MAX_MSIX_VECTORS;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q.msix_vector = CHAN_MAX_MSIX_VECTORS - 1;
	ACCEPTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.has_used_addr = 0;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.size = q.max_size * 2;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q.size = 96;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.desc_addr += 8;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.avail_addr += 1;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);
	q = good;
	q.used_addr += 2;
	REJECTED(CHAN_MSG_QUEUE_SETUP, q);

	ci.msix_vector = CHAN_MAX_MSIX_VECTORS;
	REJECTED(CHAN_MSG_CONFIG_INTERRUPT, ci);
	ci.has_msix_vector = 0;
	ACCEPTED(CHAN_MSG_CONFIG_INTERRUPT, ci);
}

static void test_state_and_stats_rules(void **state)
{
	Ctl__DeviceState st = *(const Ctl__DeviceState *)sample_body(CHAN_MSG_RESTORE_STATE);
	Ctl__Stats s = *(const Ctl__Stats *)sample_body(CHAN_MSG_STATS);
	Ctl__Counter c[CHAN_MAX_COUNTERS + 1];
	Ctl__Counter *cp[CHAN_MAX_COUNTERS + 1];

	st.format_version = 0;
	REJECTED(CHAN_MSG_RESTORE_STATE, st);
	REJECTED(CHAN_MSG_STATE, st);
	for (unsigned int i = 0; i <= CHAN_MAX_COUNTERS; i++) {
		ctl__counter__init(&c[i]);
		c[i].name = "n";
		c[i].value = i;
		cp[i] = &c[i];
	}
	s.counters = cp;
	s.n_counters = CHAN_MAX_COUNTERS + 1;
	REJECTED(CHAN_MSG_STATS, s);
	s.n_counters = CHAN_MAX_COUNTERS;
	ACCEPTED(CHAN_MSG_STATS, s);
	c[3].name = "";
	REJECTED(CHAN_MSG_STATS, s);
}

/* Schema-wide: every string field is bounded. */
static void test_string_limit(void **state)
{
	Ctl__Shutdown sd = *(const Ctl__Shutdown *)sample_body(CHAN_MSG_SHUTDOWN);
	char s[CHAN_MAX_STRING_LEN + 2];

	sd.reason = xs(s, CHAN_MAX_STRING_LEN + 1);
	REJECTED(CHAN_MSG_SHUTDOWN, sd);
	sd.reason = xs(s, CHAN_MAX_STRING_LEN);
	ACCEPTED(CHAN_MSG_SHUTDOWN, sd);
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_hello_rules),
		FX_TEST(test_reply_error_event_rules),
		FX_TEST(test_configure_rules),
		FX_TEST(test_rng_rules),
		FX_TEST(test_net_and_vsock_rules),
		FX_TEST(test_memory_map_rules),
		FX_TEST(test_backend_and_mailbox_rules),
		FX_TEST(test_queue_rules),
		FX_TEST(test_state_and_stats_rules),
		FX_TEST(test_string_limit),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
