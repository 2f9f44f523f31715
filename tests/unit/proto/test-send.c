/* The sending side: caller mistakes are refused before anything reaches
 * the socket, and a vanished peer is a hang-up, not a SIGPIPE. */
#include "helpers.h"
#include "samples.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Nothing may have reached the worker. */
static void assert_worker_got_nothing(struct fixture *fx)
{
	assert_int_equal(fcntl(fx->worker, F_SETFL, O_NONBLOCK), 0);
	expect_recv_error(fx, CHAN_SIDE_WORKER, CHAN_ERR_AGAIN);
}

static enum chan_err core_send(struct fixture *fx, unsigned int type, const ProtobufCMessage *body,
			       const int *fds, unsigned int nfds)
{
	return chan_send(fx->core, CHAN_SIDE_CORE, type, 1, body, fds, nfds);
}

static void test_unknown_type_or_body(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(core_send(fx, 0, sample_body(CHAN_MSG_RESET), NULL, 0), CHAN_ERR_BAD_ARG);
	assert_int_equal(core_send(fx, CHAN_MSG_LAST + 1, sample_body(CHAN_MSG_RESET), NULL, 0),
			 CHAN_ERR_BAD_ARG);
	assert_int_equal(core_send(fx, CHAN_MSG_RESET, NULL, NULL, 0), CHAN_ERR_BAD_ARG);
	/* a Pause body under the Reset tag */
	assert_int_equal(core_send(fx, CHAN_MSG_RESET, sample_body(CHAN_MSG_PAUSE), NULL, 0),
			 CHAN_ERR_BAD_ARG);
	assert_worker_got_nothing(fx);
	assert_no_fd_leak(fx);
}

static void test_wrong_direction(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(core_send(fx, CHAN_MSG_STATS, sample_body(CHAN_MSG_STATS), NULL, 0),
			 CHAN_ERR_BAD_ARG);
	assert_int_equal(chan_send(fx->worker, CHAN_SIDE_WORKER, CHAN_MSG_SHUTDOWN, 1,
				   sample_body(CHAN_MSG_SHUTDOWN), NULL, 0), CHAN_ERR_BAD_ARG);
	assert_worker_got_nothing(fx);
	assert_int_equal(fcntl(fx->core, F_SETFL, O_NONBLOCK), 0);
	expect_recv_error(fx, CHAN_SIDE_CORE, CHAN_ERR_AGAIN);
	assert_no_fd_leak(fx);
}

static void test_fd_count_must_match(void **state)
{
	struct fixture *fx = *state;
	const ProtobufCMessage *q = sample_body(CHAN_MSG_QUEUE_SETUP);
	int fds[3];

	make_test_fds(fds, 3);
	assert_int_equal(core_send(fx, CHAN_MSG_QUEUE_SETUP, q, fds, 1), CHAN_ERR_BAD_FD_COUNT);
	assert_int_equal(core_send(fx, CHAN_MSG_QUEUE_SETUP, q, fds, 3), CHAN_ERR_BAD_FD_COUNT);
	assert_int_equal(core_send(fx, CHAN_MSG_QUEUE_SETUP, q, NULL, 2), CHAN_ERR_BAD_FD_COUNT);
	assert_int_equal(core_send(fx, CHAN_MSG_ACTIVATE, sample_body(CHAN_MSG_ACTIVATE), fds, 1),
			 CHAN_ERR_BAD_FD_COUNT);
	assert_int_equal(core_send(fx, CHAN_MSG_QUEUE_SETUP, q, (int[]){ fds[0], -1 }, 2),
			 CHAN_ERR_BAD_ARG);
	close_test_fds(fds, 3);
	assert_worker_got_nothing(fx);
	assert_no_fd_leak(fx);
}

/* An fd number that is not open is the kernel's to refuse. */
static void test_closed_fd(void **state)
{
	struct fixture *fx = *state;
	int fd;

	make_test_fds(&fd, 1);
	close(fd);
	assert_int_equal(core_send(fx, CHAN_MSG_CONFIG_INTERRUPT,
				   sample_body(CHAN_MSG_CONFIG_INTERRUPT), &fd, 1), CHAN_ERR_IO);
	assert_int_equal(errno, EBADF);
	assert_worker_got_nothing(fx);
	assert_no_fd_leak(fx);
}

static void test_too_big(void **state)
{
	struct fixture *fx = *state;
	Ctl__DeviceState s = *(const Ctl__DeviceState *)sample_body(CHAN_MSG_RESTORE_STATE);
	static uint8_t buf[CHAN_MAX_PACKET];
	size_t len = 0;

	s.data.len = CHAN_MAX_PAYLOAD;
	s.data.data = calloc(1, s.data.len);
	assert_non_null(s.data.data);
	assert_int_equal(core_send(fx, CHAN_MSG_RESTORE_STATE, &s.base, NULL, 0), CHAN_ERR_TOO_BIG);
	assert_int_equal(chan_encode(CHAN_MSG_RESTORE_STATE, 0, &s.base, buf, sizeof(buf), &len),
			 CHAN_ERR_TOO_BIG);
	free(s.data.data);
	/* chan_encode never writes past cap */
	assert_int_equal(chan_encode(CHAN_MSG_SHUTDOWN, 0, sample_body(CHAN_MSG_SHUTDOWN), buf,
				     CHAN_HDR_SIZE, &len), CHAN_ERR_BAD_ARG);
	assert_worker_got_nothing(fx);
	assert_no_fd_leak(fx);
}

/* Without MSG_NOSIGNAL this test would die of SIGPIPE. */
static void test_peer_gone(void **state)
{
	struct fixture *fx = *state;

	close(fx->worker);
	fx->worker = -1;
	fx->baseline--;
	assert_int_equal(core_send(fx, CHAN_MSG_RESET, sample_body(CHAN_MSG_RESET), NULL, 0),
			 CHAN_ERR_HANGUP);
	assert_no_fd_leak(fx);
}

static void test_full_socket(void **state)
{
	struct fixture *fx = *state;
	Ctl__DeviceState s = *(const Ctl__DeviceState *)sample_body(CHAN_MSG_RESTORE_STATE);
	struct chan_msg msg;
	enum chan_err err;
	int sent = 0;

	s.data.len = 32768;
	s.data.data = calloc(1, s.data.len);
	assert_non_null(s.data.data);
	assert_int_equal(fcntl(fx->core, F_SETFL, O_NONBLOCK), 0);
	while ((err = core_send(fx, CHAN_MSG_RESTORE_STATE, &s.base, NULL, 0)) == CHAN_OK)
		assert_true(++sent < 1000);
	assert_int_equal(err, CHAN_ERR_AGAIN);
	assert_true(sent > 0);
	while (sent--) {
		assert_int_equal(chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg), CHAN_OK);
		assert_int_equal(((Ctl__DeviceState *)msg.body)->data.len, 32768);
		chan_msg_clear(&msg);
	}
	free(s.data.data);
	assert_worker_got_nothing(fx);
	assert_no_fd_leak(fx);
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_unknown_type_or_body),
		FX_TEST(test_wrong_direction),
		FX_TEST(test_fd_count_must_match),
		FX_TEST(test_closed_fd),
		FX_TEST(test_too_big),
		FX_TEST(test_peer_gone),
		FX_TEST(test_full_socket),
	};

	/* The refusals above are logged as errors by design; keep them quiet. */
	log_set_fd(open("/dev/null", O_WRONLY | O_CLOEXEC));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
