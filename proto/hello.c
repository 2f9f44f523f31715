/* The version handshake that opens every control channel. */
#include "channel.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "log.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the socket has something to report (a packet, EOF or an
 * error: chan_recv() tells which) or the deadline passes. */
static enum chan_err wait_readable(int sock, int timeout_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int left = timeout_ms;
	int ret;

	for (;;) {
		ret = poll(&pfd, 1, left);
		if (ret > 0)
			return CHAN_OK;
		if (ret == 0)
			return CHAN_ERR_TIMEOUT;
		if (errno != EINTR)
			return CHAN_ERR_IO;
		if (timeout_ms >= 0) {
			int64_t rest = deadline - now_ms();

			left = rest > 0 ? (int)rest : 0;
		}
	}
}

static void copy_peer(const Ctl__Hello *hello, struct chan_hello_peer *peer)
{
	size_t len = strnlen(hello->software_version, CHAN_MAX_VERSION_LEN);

	peer->protocol_version = hello->protocol_version;
	peer->device_type = hello->device_type;
	memcpy(peer->software_version, hello->software_version, len);
	peer->software_version[len] = '\0';
}

static enum chan_err check_peer(const struct chan_msg *msg, Ctl__DeviceType device_type,
				struct chan_hello_peer *peer)
{
	const Ctl__Hello *hello;

	if (msg->type != CHAN_MSG_HELLO) {
		log_warn("expected Hello, peer sent %s", chan_msg_info(msg->type)->name);
		return CHAN_ERR_UNEXPECTED;
	}
	hello = (const Ctl__Hello *)msg->body;
	if (peer)
		copy_peer(hello, peer);
	if (hello->protocol_version != CHAN_PROTOCOL_VERSION) {
		log_warn("peer speaks protocol version %u, we speak %u",
			 hello->protocol_version, CHAN_PROTOCOL_VERSION);
		return CHAN_ERR_VERSION;
	}
	if (hello->device_type != device_type) {
		log_warn("peer is device type %d, expected %d", hello->device_type, device_type);
		return CHAN_ERR_DEVICE_MISMATCH;
	}
	return CHAN_OK;
}

enum chan_err chan_hello(int sock, enum chan_side self, Ctl__DeviceType device_type,
			 const char *software_version, int timeout_ms,
			 struct chan_hello_peer *peer)
{
	Ctl__Hello mine = CTL__HELLO__INIT;
	struct chan_msg msg;
	enum chan_err err;

	mine.protocol_version = CHAN_PROTOCOL_VERSION;
	mine.device_type = device_type;
	mine.software_version = (char *)software_version;
	err = chan_send(sock, self, CHAN_MSG_HELLO, 0, &mine.base, NULL, 0);
	if (err != CHAN_OK)
		return err;
	err = wait_readable(sock, timeout_ms);
	if (err != CHAN_OK)
		return err;
	err = chan_recv(sock, self, &msg);
	if (err != CHAN_OK)
		return err;
	err = check_peer(&msg, device_type, peer);
	chan_msg_clear(&msg);
	return err;
}
