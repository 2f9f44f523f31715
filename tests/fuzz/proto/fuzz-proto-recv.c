/* libFuzzer target: one packet, with 0-7 fds, into chan_recv() as either
 * side.  Beyond "no crash" it checks two properties on every input:
 *  - no fd survives the input (counted in /proc/self/fd), whatever the
 *    verdict;
 *  - whatever chan_recv() accepts, chan_send() accepts back unchanged and
 *    it decodes again to the same message (the send-side checks and the
 *    receive-side checks agree). */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel.h"
#include "fuzz-input.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sock_send = -1, sock_recv = -1;
static int devnull = -1;
static uint8_t oversized[CHAN_MAX_PACKET + 1];

static int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!dir)
		abort();
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n - 1;
}

static void setup_once(void)
{
	int sp[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	sock_send = sp[0];
	sock_recv = sp[1];
	/* A bug must not turn into a hang: nothing queued means AGAIN. */
	if (fcntl(sock_recv, F_SETFL, O_NONBLOCK) < 0)
		abort();
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		abort();
	log_set_fd(devnull);
}

/* Fills fds with n descriptors of the kind the control byte asks for. */
static unsigned int make_fds(int *fds, unsigned int n, bool pipes)
{
	int p[2];

	for (unsigned int i = 0; i < n; i += 2) {
		if (pipes && pipe2(p, O_CLOEXEC) == 0) {
			fds[i] = p[0];
			if (i + 1 < n)
				fds[i + 1] = p[1];
			else
				close(p[1]);
		} else {
			fds[i] = dup(devnull);
			if (i + 1 < n)
				fds[i + 1] = dup(devnull);
		}
	}
	return n;
}

static bool send_raw(const uint8_t *pkt, size_t len, const int *fds, unsigned int nfds)
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(8 * sizeof(int))];
	} ctrl;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (nfds) {
		memset(&ctrl, 0, sizeof(ctrl));
		mh.msg_control = ctrl.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	return sendmsg(sock_send, &mh, MSG_NOSIGNAL) == (ssize_t)len;
}

static uint8_t *pack(const ProtobufCMessage *body, size_t *len)
{
	uint8_t *buf;

	*len = protobuf_c_message_get_packed_size(body);
	buf = malloc(*len + 1);
	if (!buf)
		abort();
	protobuf_c_message_pack(body, buf);
	return buf;
}

/* An accepted message goes back through chan_send() from the peer's side
 * and must come out the same. */
static void resend_and_compare(struct chan_msg *msg, enum chan_side self)
{
	enum chan_side peer = self == CHAN_SIDE_CORE ? CHAN_SIDE_WORKER : CHAN_SIDE_CORE;
	struct chan_msg again;
	size_t len1, len2;
	uint8_t *a, *b;

	if (chan_send(sock_send, peer, msg->type, msg->seq, msg->body, msg->fds, msg->nfds) != CHAN_OK)
		abort();
	if (chan_recv(sock_recv, self, &again) != CHAN_OK)
		abort();
	if (again.type != msg->type || again.seq != msg->seq || again.nfds != msg->nfds)
		abort();
	a = pack(msg->body, &len1);
	b = pack(again.body, &len2);
	if (len1 != len2 || memcmp(a, b, len1) != 0)
		abort();
	free(a);
	free(b);
	chan_msg_clear(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum chan_side self;
	struct chan_msg msg;
	const uint8_t *pkt;
	unsigned int nfds;
	int fds[8];
	int open_before;
	size_t len;
	bool sent;

	if (sock_send < 0)
		setup_once();
	if (size < 1)
		return 0;
	/* Counted per input: libFuzzer's leak checker keeps fds of its own
	 * open between inputs. */
	open_before = count_open_fds();
	nfds = data[0] & FUZZ_CTL_NFDS_MASK;
	self = data[0] & FUZZ_CTL_TO_CORE ? CHAN_SIDE_CORE : CHAN_SIDE_WORKER;
	pkt = data + 1;
	len = size - 1;
	if ((data[0] & FUZZ_CTL_OVERSIZE) && len <= CHAN_MAX_PACKET) {
		memset(oversized, 0, sizeof(oversized));
		memcpy(oversized, pkt, len);
		pkt = oversized;
		len = sizeof(oversized);
	}

	make_fds(fds, nfds, data[0] & FUZZ_CTL_PIPE_FDS);
	sent = send_raw(pkt, len, fds, nfds);
	for (unsigned int i = 0; i < nfds; i++)
		close(fds[i]);
	if (sent && chan_recv(sock_recv, self, &msg) == CHAN_OK) {
		resend_and_compare(&msg, self);
		chan_msg_clear(&msg);
	}
	if (count_open_fds() != open_before) {
		fprintf(stderr, "fd leak: %d open, expected %d\n", count_open_fds(), open_before);
		abort();
	}
	return 0;
}
