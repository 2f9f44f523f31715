/* Shared plumbing of the proto unit tests: a socketpair fixture that knows
 * how many fds the process had, raw packet injection and test fds. */
#ifndef SPLITVM_TEST_PROTO_HELPERS_H
#define SPLITVM_TEST_PROTO_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "channel.h"

struct fixture {
	int core;	/* the core's end of the channel */
	int worker;	/* the worker's end */
	int baseline;	/* open fds with the socketpair open */
};

/* cmocka setup/teardown: a fresh SOCK_SEQPACKET pair per test.  Teardown
 * fails the test if fds were leaked. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

int count_open_fds(void);

#define assert_no_fd_leak(fx) assert_int_equal(count_open_fds(), (fx)->baseline)

/* The channel end a side reads from / writes to. */
int fixture_end(const struct fixture *fx, enum chan_side side);

/* sendmsg() of arbitrary bytes and fds, bypassing every check of chan_send(). */
void raw_send(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds);

/* Packs a message with chan_encode() into buf (at least CHAN_MAX_PACKET). */
size_t encode_packet(enum chan_msg_type type, uint32_t seq, const ProtobufCMessage *body,
		     uint8_t *buf);

/* n memfds, the i-th holding the text "fd <i>", recognisable after passing. */
void make_test_fds(int *fds, unsigned int n);
void close_test_fds(const int *fds, unsigned int n);

/* Receives on the side's end and asserts the result is err (with nothing
 * left in the message). */
void expect_recv_error(const struct fixture *fx, enum chan_side side, enum chan_err err);

/* Sends a well-formed header of type with payload bytes as they are. */
void send_with_payload(int sock, uint16_t type, const void *payload, size_t len,
		       const int *fds, unsigned int nfds);

#endif
