/* A stand-in device worker that misbehaves on purpose, so the supervisor's
 * failure paths can be tested without a broken real worker.  The
 * supervisor starts it as vmm-worker-fake with its control socket on fd 3;
 * SPLITVM_FAKE_WORKER (inherited from the test) picks the misbehaviour:
 *
 *   exit           exits with status 3 before saying anything
 *   old-protocol   answers Hello with another protocol version
 *   hostile        says Hello, then sends a Reply nobody asked for
 *   needs-reset    says Hello, reports EVENT_NEEDS_RESET, obeys Shutdown
 *   mute           says Hello, then reads and ignores everything, even
 *                  Shutdown, until the socket closes
 *
 * It claims to be an entropy device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"

#define CTL_FD 3
#define HELLO_MS 2000

static int say_hello(void)
{
	return chan_hello(CTL_FD, CHAN_SIDE_WORKER, CTL__DEVICE_TYPE__DEVICE_RNG, "fake",
			  HELLO_MS, NULL) == CHAN_OK ? 0 : -1;
}

/* Hello by hand: chan_hello() would only ever send the right version. */
static int say_old_hello(void)
{
	Ctl__Hello h = CTL__HELLO__INIT;

	h.protocol_version = CHAN_PROTOCOL_VERSION + 41;
	h.device_type = CTL__DEVICE_TYPE__DEVICE_RNG;
	h.software_version = "fake";
	return chan_send(CTL_FD, CHAN_SIDE_WORKER, CHAN_MSG_HELLO, 0, &h.base, NULL, 0) ==
	       CHAN_OK ? 0 : -1;
}

/* Reads until the socket closes; with obey_shutdown, until Shutdown. */
static int serve(int obey_shutdown)
{
	for (;;) {
		struct chan_msg msg = { 0 };
		enum chan_msg_type type;

		if (chan_recv(CTL_FD, CHAN_SIDE_WORKER, &msg) != CHAN_OK)
			return 0;
		type = msg.type;
		chan_msg_clear(&msg);
		if (obey_shutdown && type == CHAN_MSG_SHUTDOWN)
			return 0;
	}
}

static int send_unasked_reply(void)
{
	Ctl__Reply r = CTL__REPLY__INIT;

	return chan_send(CTL_FD, CHAN_SIDE_WORKER, CHAN_MSG_REPLY, 77, &r.base, NULL, 0) ==
	       CHAN_OK ? 0 : -1;
}

static int send_needs_reset(void)
{
	Ctl__Event ev = CTL__EVENT__INIT;

	ev.kind = CTL__EVENT_KIND__EVENT_NEEDS_RESET;
	ev.detail = "queue 0 descriptor out of range";
	return chan_send(CTL_FD, CHAN_SIDE_WORKER, CHAN_MSG_EVENT, 0, &ev.base, NULL, 0) ==
	       CHAN_OK ? 0 : -1;
}

int main(void)
{
	const char *mode = getenv("SPLITVM_FAKE_WORKER");

	if (!mode || !strcmp(mode, "exit"))
		return 3;
	if (!strcmp(mode, "old-protocol"))
		return say_old_hello() ? 1 : serve(0);
	if (say_hello())
		return 1;
	if (!strcmp(mode, "hostile")) {
		if (send_unasked_reply())
			return 1;
		return serve(0);
	}
	if (!strcmp(mode, "needs-reset"))
		return send_needs_reset() ? 1 : serve(1);
	if (!strcmp(mode, "mute"))
		return serve(0);
	fprintf(stderr, "fake worker: unknown mode '%s'\n", mode);
	return 2;
}
