/* Every message type, with its fds, through a real SOCK_SEQPACKET pair. */
#include "helpers.h"
#include "samples.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

static enum chan_side other_side(enum chan_side side)
{
	return side == CHAN_SIDE_CORE ? CHAN_SIDE_WORKER : CHAN_SIDE_CORE;
}

/* Same bytes when packed again means every field survived. */
static void assert_same_body(const ProtobufCMessage *want, const ProtobufCMessage *got)
{
	size_t len = protobuf_c_message_get_packed_size(want);
	uint8_t *a = malloc(len + 1), *b = malloc(len + 1);

	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_equal(got->descriptor, want->descriptor);
	assert_int_equal(protobuf_c_message_get_packed_size(got), len);
	protobuf_c_message_pack(want, a);
	protobuf_c_message_pack(got, b);
	assert_memory_equal(a, b, len);
	free(a);
	free(b);
}

/* The received fd is a new descriptor for the very file that was sent
 * (sent was fstat()ed before the sender closed it), close-on-exec, and
 * usable on its own. */
static void assert_same_file(const struct stat *sent, int received, unsigned int idx)
{
	struct stat r;
	char want[16], got[16] = { 0 };

	assert_true(received >= 0);
	assert_int_equal(fstat(received, &r), 0);
	assert_int_equal(sent->st_dev, r.st_dev);
	assert_int_equal(sent->st_ino, r.st_ino);
	assert_true(fcntl(received, F_GETFD) & FD_CLOEXEC);
	snprintf(want, sizeof(want), "fd %u", idx);
	assert_int_equal(pread(received, got, sizeof(got) - 1, 0), (ssize_t)strlen(want));
	assert_string_equal(got, want);
}

static void roundtrip_from(struct fixture *fx, enum chan_side from, enum chan_msg_type type,
			   const ProtobufCMessage *body, uint32_t seq)
{
	const struct chan_msg_info *info = chan_msg_info(type);
	enum chan_side to = other_side(from);
	struct stat sent[CHAN_MAX_FDS];
	int fds[CHAN_MAX_FDS];
	struct chan_msg msg;

	print_message("round-trip %s (%u fds)\n", info->name, info->nfds);
	make_test_fds(fds, info->nfds);
	for (unsigned int i = 0; i < info->nfds; i++)
		assert_int_equal(fstat(fds[i], &sent[i]), 0);
	assert_int_equal(chan_send(fixture_end(fx, from), from, type, seq, body, fds, info->nfds),
			 CHAN_OK);
	assert_int_equal(chan_recv(fixture_end(fx, to), to, &msg), CHAN_OK);
	assert_int_equal(msg.type, type);
	assert_int_equal(msg.seq, seq);
	assert_int_equal(msg.nfds, info->nfds);
	assert_same_body(body, msg.body);
	/* Closing ours first proves the receiver holds its own references. */
	close_test_fds(fds, info->nfds);
	for (unsigned int i = 0; i < info->nfds; i++)
		assert_same_file(&sent[i], msg.fds[i], i);
	chan_msg_clear(&msg);
	assert_no_fd_leak(fx);
}

static void roundtrip(struct fixture *fx, enum chan_msg_type type, const ProtobufCMessage *body)
{
	roundtrip_from(fx, sample_sender(type), type, body, 0x10000u + type);
}

static void test_every_type_roundtrips(void **state)
{
	for (unsigned int type = CHAN_MSG_FIRST; type <= CHAN_MSG_LAST; type++) {
		assert_non_null(sample_body(type));
		roundtrip(*state, type, sample_body(type));
	}
}

static void test_hello_from_worker(void **state)
{
	roundtrip_from(*state, CHAN_SIDE_WORKER, CHAN_MSG_HELLO, sample_body(CHAN_MSG_HELLO), 0);
}

static void test_configure_every_device(void **state)
{
	static const Ctl__Configure__DeviceCase devices[] = {
		CTL__CONFIGURE__DEVICE_RNG, CTL__CONFIGURE__DEVICE_BLK,
		CTL__CONFIGURE__DEVICE_NET, CTL__CONFIGURE__DEVICE_VSOCK,
	};

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		roundtrip(*state, CHAN_MSG_CONFIGURE, sample_configure(devices[i]));
}

/* The guest programs the rings itself unless the core restores them. */
static void test_queue_setup_without_rings(void **state)
{
	Ctl__QueueSetup q = *(const Ctl__QueueSetup *)sample_body(CHAN_MSG_QUEUE_SETUP);

	q.has_msix_vector = q.has_size = q.has_desc_addr = q.has_avail_addr = q.has_used_addr = 0;
	roundtrip(*state, CHAN_MSG_QUEUE_SETUP, &q.base);
}

/* Presence survives for values that are 0: guest address 0 is real. */
static void test_zero_values_keep_presence(void **state)
{
	struct fixture *fx = *state;
	Ctl__QueueSetup q = *(const Ctl__QueueSetup *)sample_body(CHAN_MSG_QUEUE_SETUP);
	int fds[2];
	struct chan_msg msg;
	const Ctl__QueueSetup *got;

	q.msix_vector = 0;
	q.desc_addr = 0;
	make_test_fds(fds, 2);
	assert_int_equal(chan_send(fx->core, CHAN_SIDE_CORE, CHAN_MSG_QUEUE_SETUP, 1, &q.base,
				   fds, 2), CHAN_OK);
	close_test_fds(fds, 2);
	assert_int_equal(chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg), CHAN_OK);
	got = (const Ctl__QueueSetup *)msg.body;
	assert_true(got->has_msix_vector);
	assert_int_equal(got->msix_vector, 0);
	assert_true(got->has_desc_addr);
	assert_int_equal(got->desc_addr, 0);
	chan_msg_clear(&msg);
	assert_no_fd_leak(fx);
}

/* A state blob that makes the packet exactly CHAN_MAX_PACKET bytes. */
static void test_largest_packet(void **state)
{
	Ctl__DeviceState s = *(const Ctl__DeviceState *)sample_body(CHAN_MSG_STATE);
	size_t len;
	uint8_t *data;

	/* format_version (2 bytes) + data tag (1) + 3-byte length varint. */
	len = CHAN_MAX_PAYLOAD - 2 - 1 - 3;
	data = calloc(1, len);
	assert_non_null(data);
	memset(data, 0xa5, len);
	s.data.data = data;
	s.data.len = len;
	assert_int_equal(CHAN_HDR_SIZE + protobuf_c_message_get_packed_size(&s.base),
			 CHAN_MAX_PACKET);
	roundtrip(*state, CHAN_MSG_STATE, &s.base);
	free(data);
}

static void test_take_fd_and_clear(void **state)
{
	struct fixture *fx = *state;
	struct chan_msg msg;
	int fds[3], kept;

	make_test_fds(fds, 3);
	assert_int_equal(chan_send(fx->core, CHAN_SIDE_CORE, CHAN_MSG_MAILBOX, 5,
				   sample_body(CHAN_MSG_MAILBOX), fds, 3), CHAN_OK);
	close_test_fds(fds, 3);
	assert_int_equal(chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg), CHAN_OK);
	kept = chan_msg_take_fd(&msg, 1);
	assert_true(kept >= 0);
	assert_int_equal(chan_msg_take_fd(&msg, 1), -1);
	assert_int_equal(chan_msg_take_fd(&msg, 3), -1);
	chan_msg_clear(&msg);
	/* The taken fd survives the clear; the two others are gone. */
	assert_int_equal(count_open_fds(), fx->baseline + 1);
	assert_true(fcntl(kept, F_GETFD) >= 0);
	close(kept);
	assert_no_fd_leak(fx);
	/* A cleared (zeroed) message can be cleared again. */
	chan_msg_clear(&msg);
	assert_no_fd_leak(fx);
}

/* Several packets queue up and arrive whole and in order. */
static void test_packets_keep_boundaries(void **state)
{
	struct fixture *fx = *state;
	struct chan_msg msg;

	for (uint32_t seq = 1; seq <= 3; seq++)
		assert_int_equal(chan_send(fx->worker, CHAN_SIDE_WORKER, CHAN_MSG_STATS, seq,
					   sample_body(CHAN_MSG_STATS), NULL, 0), CHAN_OK);
	for (uint32_t seq = 1; seq <= 3; seq++) {
		assert_int_equal(chan_recv(fx->core, CHAN_SIDE_CORE, &msg), CHAN_OK);
		assert_int_equal(msg.type, CHAN_MSG_STATS);
		assert_int_equal(msg.seq, seq);
		assert_int_equal(((const Ctl__Stats *)msg.body)->n_counters, 2);
		chan_msg_clear(&msg);
	}
	assert_no_fd_leak(fx);
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_every_type_roundtrips),
		FX_TEST(test_hello_from_worker),
		FX_TEST(test_configure_every_device),
		FX_TEST(test_queue_setup_without_rings),
		FX_TEST(test_zero_values_keep_presence),
		FX_TEST(test_largest_packet),
		FX_TEST(test_take_fd_and_clear),
		FX_TEST(test_packets_keep_boundaries),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
