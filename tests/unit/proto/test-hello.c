/* chan_hello(): both ends run it at once (the worker end in a thread). */
#include "helpers.h"
#include "samples.h"

#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

struct hello_run {
	int sock;
	enum chan_side side;
	Ctl__DeviceType device_type;
	const char *version;
	int timeout_ms;
	struct chan_hello_peer peer;
	enum chan_err err;
};

static void *run_hello(void *arg)
{
	struct hello_run *r = arg;

	r->err = chan_hello(r->sock, r->side, r->device_type, r->version, r->timeout_ms, &r->peer);
	return NULL;
}

/* Runs the core's and the worker's handshakes concurrently. */
static void handshake(struct fixture *fx, struct hello_run *core, struct hello_run *worker)
{
	pthread_t t;

	core->sock = fx->core;
	core->side = CHAN_SIDE_CORE;
	worker->sock = fx->worker;
	worker->side = CHAN_SIDE_WORKER;
	core->timeout_ms = worker->timeout_ms = 5000;
	assert_int_equal(pthread_create(&t, NULL, run_hello, worker), 0);
	run_hello(core);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static void test_handshake(void **state)
{
	struct hello_run core = { .device_type = CTL__DEVICE_TYPE__DEVICE_NET, .version = "core 1.2" };
	struct hello_run worker = { .device_type = CTL__DEVICE_TYPE__DEVICE_NET,
				    .version = "vmm-worker-net 1.2" };

	handshake(*state, &core, &worker);
	assert_int_equal(core.err, CHAN_OK);
	assert_int_equal(worker.err, CHAN_OK);
	assert_int_equal(core.peer.protocol_version, CHAN_PROTOCOL_VERSION);
	assert_int_equal(core.peer.device_type, CTL__DEVICE_TYPE__DEVICE_NET);
	assert_string_equal(core.peer.software_version, "vmm-worker-net 1.2");
	assert_string_equal(worker.peer.software_version, "core 1.2");
	assert_no_fd_leak((struct fixture *)*state);
}

/* Both sides see the mismatch, because both sent before reading. */
static void test_device_mismatch(void **state)
{
	struct hello_run core = { .device_type = CTL__DEVICE_TYPE__DEVICE_BLK, .version = "c" };
	struct hello_run worker = { .device_type = CTL__DEVICE_TYPE__DEVICE_RNG, .version = "w" };

	handshake(*state, &core, &worker);
	assert_int_equal(core.err, CHAN_ERR_DEVICE_MISMATCH);
	assert_int_equal(worker.err, CHAN_ERR_DEVICE_MISMATCH);
	assert_int_equal(core.peer.device_type, CTL__DEVICE_TYPE__DEVICE_RNG);
	assert_no_fd_leak((struct fixture *)*state);
}

static void test_version_mismatch(void **state)
{
	struct fixture *fx = *state;
	Ctl__Hello h = *(const Ctl__Hello *)sample_body(CHAN_MSG_HELLO);
	struct chan_hello_peer peer;
	struct chan_msg msg;

	h.protocol_version = CHAN_PROTOCOL_VERSION + 1;
	assert_int_equal(chan_send(fx->worker, CHAN_SIDE_WORKER, CHAN_MSG_HELLO, 0, &h.base, NULL, 0),
			 CHAN_OK);
	assert_int_equal(chan_hello(fx->core, CHAN_SIDE_CORE, h.device_type, "core", 1000, &peer),
			 CHAN_ERR_VERSION);
	assert_int_equal(peer.protocol_version, CHAN_PROTOCOL_VERSION + 1);
	/* The core's own Hello went out first. */
	assert_int_equal(chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg), CHAN_OK);
	assert_int_equal(msg.type, CHAN_MSG_HELLO);
	assert_int_equal(((Ctl__Hello *)msg.body)->protocol_version, CHAN_PROTOCOL_VERSION);
	chan_msg_clear(&msg);
	assert_no_fd_leak(fx);
}

static void test_first_message_not_hello(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(chan_send(fx->worker, CHAN_SIDE_WORKER, CHAN_MSG_EVENT, 0,
				   sample_body(CHAN_MSG_EVENT), NULL, 0), CHAN_OK);
	assert_int_equal(chan_hello(fx->core, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_BLK, "core",
				    1000, NULL), CHAN_ERR_UNEXPECTED);
	assert_no_fd_leak(fx);
}

static void test_garbage_instead_of_hello(void **state)
{
	struct fixture *fx = *state;
	int fd;

	make_test_fds(&fd, 1);
	raw_send(fx->worker, "garbage that is no header", 25, &fd, 1);
	close(fd);
	assert_int_equal(chan_hello(fx->core, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_BLK, "core",
				    1000, NULL), CHAN_ERR_BAD_HEADER);
	assert_no_fd_leak(fx);
}

static int64_t elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* A worker that never answers cannot hold the core past the deadline. */
static void test_silent_peer_times_out(void **state)
{
	struct fixture *fx = *state;
	struct timespec start;
	int64_t took;

	clock_gettime(CLOCK_MONOTONIC, &start);
	assert_int_equal(chan_hello(fx->core, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_BLK, "core",
				    100, NULL), CHAN_ERR_TIMEOUT);
	took = elapsed_ms(&start);
	assert_true(took >= 100);
	assert_true(took < 3000);
	assert_no_fd_leak(fx);
}

static void test_peer_gone(void **state)
{
	struct fixture *fx = *state;

	close(fx->worker);
	fx->worker = -1;
	fx->baseline--;
	assert_int_equal(chan_hello(fx->core, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_BLK, "core",
				    1000, NULL), CHAN_ERR_HANGUP);
	assert_no_fd_leak(fx);
}

/* The peer hangs up after reading our Hello, without answering. */
static void *hang_up_after_hello(void *arg)
{
	struct fixture *fx = arg;
	struct chan_msg msg;

	if (chan_recv(fx->worker, CHAN_SIDE_WORKER, &msg) == CHAN_OK)
		chan_msg_clear(&msg);
	shutdown(fx->worker, SHUT_RDWR);
	return NULL;
}

static void test_peer_hangs_up_mid_handshake(void **state)
{
	struct fixture *fx = *state;
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, hang_up_after_hello, fx), 0);
	assert_int_equal(chan_hello(fx->core, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_BLK, "core",
				    5000, NULL), CHAN_ERR_HANGUP);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_no_fd_leak(fx);
}

#define FX_TEST(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_handshake),
		FX_TEST(test_device_mismatch),
		FX_TEST(test_version_mismatch),
		FX_TEST(test_first_message_not_hello),
		FX_TEST(test_garbage_instead_of_hello),
		FX_TEST(test_silent_peer_times_out),
		FX_TEST(test_peer_gone),
		FX_TEST(test_peer_hangs_up_mid_handshake),
	};

	log_set_level(LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
