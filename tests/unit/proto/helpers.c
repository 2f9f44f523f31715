#include "helpers.h"

#include <dirent.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n - 1;	/* the directory's own fd */
}

int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int sp[2];

	if (!fx || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		free(fx);
		return -1;
	}
	fx->core = sp[0];
	fx->worker = sp[1];
	fx->baseline = count_open_fds();
	*state = fx;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *fx = *state;
	int leaked;

	leaked = count_open_fds() != fx->baseline;
	if (fx->core >= 0)
		close(fx->core);
	if (fx->worker >= 0)
		close(fx->worker);
	free(fx);
	return leaked ? -1 : 0;
}

int fixture_end(const struct fixture *fx, enum chan_side side)
{
	return side == CHAN_SIDE_CORE ? fx->core : fx->worker;
}

void raw_send(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	size_t space = CMSG_SPACE(nfds * sizeof(int));
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	void *ctrl = NULL;

	if (nfds) {
		ctrl = calloc(1, space);
		assert_non_null(ctrl);
		mh.msg_control = ctrl;
		mh.msg_controllen = space;
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
	free(ctrl);
}

size_t encode_packet(enum chan_msg_type type, uint32_t seq, const ProtobufCMessage *body,
		     uint8_t *buf)
{
	size_t len = 0;

	assert_int_equal(chan_encode(type, seq, body, buf, CHAN_MAX_PACKET, &len), CHAN_OK);
	return len;
}

void make_test_fds(int *fds, unsigned int n)
{
	char text[16];

	for (unsigned int i = 0; i < n; i++) {
		fds[i] = memfd_create("proto-test", MFD_CLOEXEC);
		assert_true(fds[i] >= 0);
		snprintf(text, sizeof(text), "fd %u", i);
		assert_int_equal(write(fds[i], text, strlen(text)), (ssize_t)strlen(text));
	}
}

void close_test_fds(const int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		close(fds[i]);
}

void expect_recv_error(const struct fixture *fx, enum chan_side side, enum chan_err err)
{
	struct chan_msg msg;
	enum chan_err got = chan_recv(fixture_end(fx, side), side, &msg);

	if (got == CHAN_OK)
		chan_msg_clear(&msg);
	assert_string_equal(chan_strerror(got), chan_strerror(err));
	assert_null(msg.body);
	assert_int_equal(msg.nfds, 0);
}

void send_with_payload(int sock, uint16_t type, const void *payload, size_t len,
		       const int *fds, unsigned int nfds)
{
	uint8_t *pkt = malloc(CHAN_HDR_SIZE + len);
	uint32_t v32;
	uint16_t v16;

	assert_non_null(pkt);
	v32 = htole32(CHAN_MAGIC);
	memcpy(pkt, &v32, 4);
	v16 = htole16(type);
	memcpy(pkt + 4, &v16, 2);
	memset(pkt + 6, 0, 6);		/* flags, seq */
	v32 = htole32((uint32_t)len);
	memcpy(pkt + 12, &v32, 4);
	if (len)
		memcpy(pkt + CHAN_HDR_SIZE, payload, len);
	raw_send(sock, pkt, CHAN_HDR_SIZE + len, fds, nfds);
	free(pkt);
}
