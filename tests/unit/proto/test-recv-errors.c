/* Malformed and hostile packets: each one gives its own named error, no
 * crash, nothing allocated and every fd that came with it closed. */
#include "helpers.h"
#include "samples.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static uint8_t pkt[CHAN_MAX_PACKET + 64];

/* Sends len bytes of pkt from the core with n fresh fds, closes the
 * sender's copies and expects the worker to reject it with err. */
static void inject(struct fixture *fx, size_t len, unsigned int nfds, enum chan_err err)
{
	int fds[16];

	assert_true(nfds <= 16);
	make_test_fds(fds, nfds);
	raw_send(fx->core, pkt, len, fds, nfds);
	close_test_fds(fds, nfds);
	expect_recv_error(fx, CHAN_SIDE_WORKER, err);
	assert_no_fd_leak(fx);
}

static size_t encode_sample(enum chan_msg_type type)
{
	return encode_packet(type, 7, sample_body(type), pkt);
}

static void set_le16(size_t off, uint16_t v)
{
	v = htole16(v);
	memcpy(pkt + off, &v, sizeof(v));
}

static void set_le32(size_t off, uint32_t v)
{
	v = htole32(v);
	memcpy(pkt + off, &v, sizeof(v));
}

static void test_shorter_than_header(void **state)
{
	size_t len = encode_sample(CHAN_MSG_QUEUE_SETUP);

	assert_true(len > CHAN_HDR_SIZE);
	inject(*state, 5, 2, CHAN_ERR_TRUNCATED);
	inject(*state, CHAN_HDR_SIZE - 1, 0, CHAN_ERR_TRUNCATED);
}

static void test_payload_shorter_than_header_says(void **state)
{
	size_t len = encode_sample(CHAN_MSG_QUEUE_SETUP);

	inject(*state, len - 3, 2, CHAN_ERR_TRUNCATED);
	inject(*state, CHAN_HDR_SIZE, 2, CHAN_ERR_TRUNCATED);
}

static void test_trailing_bytes(void **state)
{
	size_t len = encode_sample(CHAN_MSG_QUEUE_SETUP);

	inject(*state, len + 1, 2, CHAN_ERR_BAD_HEADER);
}

static void test_bad_magic_and_flags(void **state)
{
	size_t len = encode_sample(CHAN_MSG_MEMORY_MAP);

	pkt[0] ^= 0x01;
	inject(*state, len, 1, CHAN_ERR_BAD_HEADER);
	encode_sample(CHAN_MSG_MEMORY_MAP);
	set_le16(6, 0x8000);
	inject(*state, len, 1, CHAN_ERR_BAD_HEADER);
}

/* One byte over the limit, with fds attached: the kernel truncates the
 * copy (MSG_TRUNC) and the fds still have to be closed. */
static void test_oversized_packet(void **state)
{
	memset(pkt, 0, sizeof(pkt));
	encode_sample(CHAN_MSG_MEMORY_MAP);
	set_le32(12, CHAN_MAX_PAYLOAD + 1);
	inject(*state, CHAN_MAX_PACKET + 1, 1, CHAN_ERR_TOO_BIG);
	inject(*state, sizeof(pkt), 3, CHAN_ERR_TOO_BIG);
}

static void test_unknown_type(void **state)
{
	static const uint16_t types[] = { 0, CHAN_MSG_LAST + 1, 0x7fff, 0xffff };
	size_t len = encode_sample(CHAN_MSG_CONFIG_INTERRUPT);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		set_le16(4, types[i]);
		inject(*state, len, 1, CHAN_ERR_UNKNOWN_TYPE);
	}
}

/* A worker may not configure the core, nor the core report stats to it. */
static void test_wrong_direction(void **state)
{
	struct fixture *fx = *state;
	size_t len;

	len = encode_sample(CHAN_MSG_STATS);
	raw_send(fx->core, pkt, len, NULL, 0);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_WRONG_DIRECTION);
	len = encode_sample(CHAN_MSG_CONFIGURE);
	raw_send(fx->worker, pkt, len, NULL, 0);
	expect_recv_error(fx, CHAN_SIDE_CORE, CHAN_ERR_WRONG_DIRECTION);
	assert_no_fd_leak(fx);
}

static void test_too_many_fds(void **state)
{
	size_t len = encode_sample(CHAN_MSG_QUEUE_SETUP);

	inject(*state, len, 3, CHAN_ERR_BAD_FD_COUNT);
	len = encode_sample(CHAN_MSG_ACTIVATE);
	inject(*state, len, 1, CHAN_ERR_BAD_FD_COUNT);
	len = encode_sample(CHAN_MSG_MEMORY_MAP);
	inject(*state, len, 2, CHAN_ERR_BAD_FD_COUNT);
}

static void test_too_few_fds(void **state)
{
	size_t len = encode_sample(CHAN_MSG_QUEUE_SETUP);

	inject(*state, len, 1, CHAN_ERR_BAD_FD_COUNT);
	inject(*state, len, 0, CHAN_ERR_BAD_FD_COUNT);
	len = encode_sample(CHAN_MSG_MAILBOX);
	inject(*state, len, 2, CHAN_ERR_BAD_FD_COUNT);
}

/* More fds than the receive control buffer holds: MSG_CTRUNC.  The kernel
 * installs those that fit, and they must be closed too. */
static void test_control_data_truncated(void **state)
{
	size_t len = encode_sample(CHAN_MSG_MAILBOX);

	inject(*state, len, 8, CHAN_ERR_CTRUNC);
	inject(*state, len, 16, CHAN_ERR_CTRUNC);
}

/* Credentials are only delivered to a socket that asked for them. */
static void test_credentials_rejected(void **state)
{
	struct fixture *fx = *state;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctrl;
	struct ucred cred = { .pid = getpid(), .uid = getuid(), .gid = getgid() };
	struct iovec iov = { .iov_base = pkt };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = ctrl.buf, .msg_controllen = sizeof(ctrl.buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&mh);
	int on = 1;

	iov.iov_len = encode_sample(CHAN_MSG_ACTIVATE);
	memset(&ctrl, 0, sizeof(ctrl));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_CREDENTIALS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(cred));
	memcpy(CMSG_DATA(cmsg), &cred, sizeof(cred));
	assert_int_equal(setsockopt(fx->worker, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)), 0);
	assert_int_equal(sendmsg(fx->core, &mh, 0), (ssize_t)iov.iov_len);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_BAD_CMSG);
	assert_no_fd_leak(fx);
}

static void test_garbage_payload(void **state)
{
	struct fixture *fx = *state;
	uint8_t junk[64];
	int fds[2];

	memset(junk, 0xff, sizeof(junk));
	make_test_fds(fds, 2);
	send_with_payload(fx->core, CHAN_MSG_QUEUE_SETUP, junk, sizeof(junk), fds, 2);
	close_test_fds(fds, 2);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_DECODE);
	assert_no_fd_leak(fx);
}

/* A length-delimited field that claims more bytes than follow. */
static void test_truncated_protobuf(void **state)
{
	size_t len = encode_sample(CHAN_MSG_CONFIGURE);

	set_le32(12, (uint32_t)(len - CHAN_HDR_SIZE - 4));
	inject(*state, len - 4, 0, CHAN_ERR_DECODE);
}

static void test_missing_required_field(void **state)
{
	struct fixture *fx = *state;
	static const uint8_t index_only[] = { 0x08, 0x01 };	/* QueueSetup.index = 1 */
	int fds[2];

	make_test_fds(fds, 2);
	send_with_payload(fx->core, CHAN_MSG_QUEUE_SETUP, index_only, sizeof(index_only), fds, 2);
	close_test_fds(fds, 2);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_DECODE);
	assert_no_fd_leak(fx);
}

static void test_unknown_field(void **state)
{
	size_t len = encode_sample(CHAN_MSG_RESET);

	/* field 15, varint 1: not in Reset (nor anywhere) in version 1 */
	pkt[len] = 0x78;
	pkt[len + 1] = 0x01;
	set_le32(12, 2);
	inject(*state, len + 2, 0, CHAN_ERR_INVALID);
}

/* Unknown fields are refused at any depth, not only at the top. */
static void test_unknown_nested_field(void **state)
{
	struct fixture *fx = *state;
	/* MemoryMap { regions { gpa 0, size 4096, offset 0, field 9 = 1 } } */
	uint8_t payload[] = { 0x0a, 0x09, 0x08, 0x00, 0x10, 0x80, 0x20, 0x18, 0x00, 0x48, 0x01 };
	struct chan_msg msg;
	int fd;

	make_test_fds(&fd, 1);
	send_with_payload(fx->core, CHAN_MSG_MEMORY_MAP, payload, sizeof(payload), &fd, 1);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_INVALID);
	/* The same region without the unknown field is accepted. */
	payload[1] = 0x07;
	send_with_payload(fx->core, CHAN_MSG_MEMORY_MAP, payload, sizeof(payload) - 2, &fd, 1);
	assert_int_equal(chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg), CHAN_OK);
	chan_msg_clear(&msg);
	close(fd);
	assert_no_fd_leak(fx);
}

static void test_unknown_enum_value(void **state)
{
	struct fixture *fx = *state;
	/* Hello { protocol_version 1, device_type 77, software_version "" } */
	static const uint8_t payload[] = { 0x08, 0x01, 0x10, 77, 0x1a, 0x00 };

	send_with_payload(fx->core, CHAN_MSG_HELLO, payload, sizeof(payload), NULL, 0);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_INVALID);
	assert_no_fd_leak(fx);
}

static void test_zero_length_packet_is_hangup(void **state)
{
	inject(*state, 0, 2, CHAN_ERR_HANGUP);
}

static void test_peer_closed(void **state)
{
	struct fixture *fx = *state;

	close(fx->core);
	fx->core = -1;
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_HANGUP);
	/* and keeps saying so */
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_HANGUP);
	fx->baseline--;
	assert_no_fd_leak(fx);
}

/* Closing a socket with unread packets resets the peer (ECONNRESET). */
static void test_peer_reset(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(chan_send(fx->worker, CHAN_SIDE_WORKER, CHAN_MSG_EVENT, 0,
				   sample_body(CHAN_MSG_EVENT), NULL, 0), CHAN_OK);
	close(fx->core);
	fx->core = -1;
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_HANGUP);
	fx->baseline--;
	assert_no_fd_leak(fx);
}

static void test_nothing_to_read(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(fcntl(fx->worker, F_SETFL, O_NONBLOCK), 0);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_AGAIN);
	assert_no_fd_leak(fx);
}

static void test_not_a_socket(void **state)
{
	struct fixture *fx = *state;
	struct chan_msg msg;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(chan_recv(p[0], CHAN_SIDE_CORE, &msg), CHAN_ERR_IO);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
	assert_no_fd_leak(fx);
}

/* Random payloads under every type tag with 0-3 fds: whatever the verdict,
 * no fd may survive it unless the message was accepted and then cleared. */
static void test_random_payloads(void **state)
{
	struct fixture *fx = *state;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	uint8_t junk[96];
	struct chan_msg msg;
	int fds[3];

	for (int round = 0; round < 3000; round++) {
		unsigned int type = CHAN_MSG_FIRST + round % CHAN_MSG_LAST;
		unsigned int nfds = (round / CHAN_MSG_LAST) % 4;
		size_t len = (round * 7) % sizeof(junk);

		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			junk[i] = (uint8_t)x;
		}
		make_test_fds(fds, nfds);
		send_with_payload(fx->core, (uint16_t)type, junk, len, fds, nfds);
		close_test_fds(fds, nfds);
		if (chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg) == CHAN_OK)
			chan_msg_clear(&msg);
		assert_no_fd_leak(fx);
	}
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_shorter_than_header),
		FX_TEST(test_payload_shorter_than_header_says),
		FX_TEST(test_trailing_bytes),
		FX_TEST(test_bad_magic_and_flags),
		FX_TEST(test_oversized_packet),
		FX_TEST(test_unknown_type),
		FX_TEST(test_wrong_direction),
		FX_TEST(test_too_many_fds),
		FX_TEST(test_too_few_fds),
		FX_TEST(test_control_data_truncated),
		FX_TEST(test_credentials_rejected),
		FX_TEST(test_garbage_payload),
		FX_TEST(test_truncated_protobuf),
		FX_TEST(test_missing_required_field),
		FX_TEST(test_unknown_field),
		FX_TEST(test_unknown_nested_field),
		FX_TEST(test_unknown_enum_value),
		FX_TEST(test_zero_length_packet_is_hangup),
		FX_TEST(test_peer_closed),
		FX_TEST(test_peer_reset),
		FX_TEST(test_nothing_to_read),
		FX_TEST(test_not_a_socket),
		FX_TEST(test_random_payloads),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
