/* Framing, sending and receiving of control messages with their fds.
 * The receive path is the trust boundary: it owns every fd the kernel
 * installs until the message has passed all checks, and closes them on any
 * failure, so a hostile peer can neither leak fds into us nor get half a
 * message acted upon. */
#include "channel.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

/* Header layout, see channel.h. */
#define HDR_MAGIC	0
#define HDR_TYPE	4
#define HDR_FLAGS	6
#define HDR_SEQ		8
#define HDR_LEN		12

struct chan_hdr {
	uint32_t magic;
	uint16_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t payload_len;
};

/* Control buffer for the largest legal fd count.  Alignment padding may let
 * the kernel put one more fd in it (reported as a wrong count); beyond what
 * fits it sets MSG_CTRUNC and drops the rest itself. */
#define CMSG_BUF_SIZE	CMSG_SPACE(CHAN_MAX_FDS * sizeof(int))
#define RX_FD_SLOTS	(CMSG_BUF_SIZE / sizeof(int))

union cmsg_buf {
	struct cmsghdr align;
	uint8_t buf[CMSG_BUF_SIZE];
};

struct rx_fds {
	int fd[RX_FD_SLOTS];
	unsigned int n;
};

static void put_le16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static uint16_t get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static uint32_t get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static enum chan_err err_from_errno(int err)
{
	switch (err) {
	case EAGAIN:
		return CHAN_ERR_AGAIN;
	case ECONNRESET:
	case EPIPE:
		return CHAN_ERR_HANGUP;
	default:
		return CHAN_ERR_IO;
	}
}

/* The side a message from self is addressed to. */
static enum chan_dir dir_towards_peer(enum chan_side self)
{
	return self == CHAN_SIDE_CORE ? CHAN_DIR_TO_WORKER : CHAN_DIR_TO_CORE;
}

static enum chan_dir dir_towards_self(enum chan_side self)
{
	return self == CHAN_SIDE_CORE ? CHAN_DIR_TO_CORE : CHAN_DIR_TO_WORKER;
}

/* ------------------------------------------------------------------ send */

static enum chan_err check_body(const struct chan_msg_info *info, unsigned int type,
				const ProtobufCMessage *body)
{
	if (!info) {
		log_err("sending unknown message type %u", type);
		return CHAN_ERR_BAD_ARG;
	}
	if (!body || body->descriptor != info->descriptor) {
		log_err("sending %s with a body of type %s", info->name,
			body ? body->descriptor->name : "(none)");
		return CHAN_ERR_BAD_ARG;
	}
	return CHAN_OK;
}

enum chan_err chan_encode(enum chan_msg_type type, uint32_t seq,
			  const ProtobufCMessage *body, uint8_t *buf, size_t cap,
			  size_t *len)
{
	const struct chan_msg_info *info = chan_msg_info(type);
	enum chan_err err = check_body(info, type, body);
	size_t payload;

	if (err != CHAN_OK)
		return err;
	payload = protobuf_c_message_get_packed_size(body);
	if (payload > CHAN_MAX_PAYLOAD) {
		log_err("%s of %zu bytes exceeds the %u-byte payload limit", info->name,
			payload, CHAN_MAX_PAYLOAD);
		return CHAN_ERR_TOO_BIG;
	}
	if (cap < CHAN_HDR_SIZE + payload)
		return CHAN_ERR_BAD_ARG;
	put_le32(buf + HDR_MAGIC, CHAN_MAGIC);
	put_le16(buf + HDR_TYPE, (uint16_t)type);
	put_le16(buf + HDR_FLAGS, 0);
	put_le32(buf + HDR_SEQ, seq);
	put_le32(buf + HDR_LEN, (uint32_t)payload);
	protobuf_c_message_pack(body, buf + CHAN_HDR_SIZE);
	*len = CHAN_HDR_SIZE + payload;
	return CHAN_OK;
}

static enum chan_err check_send_fds(const struct chan_msg_info *info,
				    const int *fds, unsigned int nfds)
{
	if (nfds != info->nfds || (nfds && !fds)) {
		log_err("sending %s with %u fds, it carries %u", info->name, nfds, info->nfds);
		return CHAN_ERR_BAD_FD_COUNT;
	}
	for (unsigned int i = 0; i < nfds; i++) {
		if (fds[i] < 0) {
			log_err("sending %s with fd %u = %d", info->name, i, fds[i]);
			return CHAN_ERR_BAD_ARG;
		}
	}
	return CHAN_OK;
}

static enum chan_err send_packet(int sock, const uint8_t *pkt, size_t len,
				 const int *fds, unsigned int nfds)
{
	union cmsg_buf ctrl;
	struct iovec iov = { .iov_base = (void *)pkt, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;
	ssize_t n;

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
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_from_errno(errno);
	/* SOCK_SEQPACKET sends all or nothing; anything else is not our socket. */
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return CHAN_ERR_IO;
	}
	return CHAN_OK;
}

enum chan_err chan_send(int sock, enum chan_side self, enum chan_msg_type type,
			uint32_t seq, const ProtobufCMessage *body,
			const int *fds, unsigned int nfds)
{
	const struct chan_msg_info *info = chan_msg_info(type);
	enum chan_err err;
	uint8_t *pkt;
	size_t len;

	err = check_body(info, type, body);
	if (err != CHAN_OK)
		return err;
	if (!(info->dir & dir_towards_peer(self))) {
		log_err("%s may not be sent by the %s", info->name,
			self == CHAN_SIDE_CORE ? "core" : "worker");
		return CHAN_ERR_BAD_ARG;
	}
	err = check_send_fds(info, fds, nfds);
	if (err != CHAN_OK)
		return err;
	if (!chan_msg_validate(info, body))
		return CHAN_ERR_INVALID;

	len = CHAN_HDR_SIZE + protobuf_c_message_get_packed_size(body);
	pkt = malloc(len);
	if (!pkt)
		return CHAN_ERR_NOMEM;
	err = chan_encode(type, seq, body, pkt, len, &len);
	if (err == CHAN_OK)
		err = send_packet(sock, pkt, len, fds, nfds);
	free(pkt);
	return err;
}

/* --------------------------------------------------------------- receive */

static void close_fds(struct rx_fds *fds)
{
	int saved = errno;

	for (unsigned int i = 0; i < fds->n; i++)
		close(fds->fd[i]);
	fds->n = 0;
	errno = saved;
}

static void keep_fd(struct rx_fds *fds, int fd)
{
	if (fds->n < RX_FD_SLOTS)
		fds->fd[fds->n++] = fd;
	else
		close(fd);	/* cannot happen with our buffer; never leak */
}

/* Takes ownership of every fd in the control data, whatever else is wrong
 * with the packet.  Returns false when ancillary data other than SCM_RIGHTS
 * was present. */
static bool collect_fds(struct msghdr *mh, struct rx_fds *fds)
{
	const uint8_t *end = (const uint8_t *)mh->msg_control + mh->msg_controllen;
	bool only_rights = true;
	struct cmsghdr *cmsg;
	size_t n;
	int fd;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg; cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
			only_rights = false;
			continue;
		}
		if (cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (n > (size_t)(end - CMSG_DATA(cmsg)) / sizeof(int))
			n = (size_t)(end - CMSG_DATA(cmsg)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(fd));
			keep_fd(fds, fd);
		}
	}
	return only_rights;
}

static enum chan_err receive_packet(int sock, uint8_t *pkt, struct rx_fds *fds, size_t *len)
{
	union cmsg_buf ctrl;
	struct iovec iov = { .iov_base = pkt, .iov_len = CHAN_MAX_PACKET };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctrl.buf,
		.msg_controllen = sizeof(ctrl.buf),
	};
	bool only_rights;
	ssize_t n;

	/* MSG_TRUNC makes recvmsg return the packet's real length. */
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_from_errno(errno);
	only_rights = collect_fds(&mh, fds);
	/* Our packets always hold a header, so an empty one (which SOCK_SEQPACKET
	 * cannot tell apart from EOF) means the peer is gone or broken. */
	if (n == 0)
		return CHAN_ERR_HANGUP;
	if (mh.msg_flags & MSG_CTRUNC) {
		log_warn("packet with more fds than any message carries (%u received)", fds->n);
		return CHAN_ERR_CTRUNC;
	}
	if (!only_rights) {
		log_warn("packet with ancillary data other than SCM_RIGHTS");
		return CHAN_ERR_BAD_CMSG;
	}
	if ((mh.msg_flags & MSG_TRUNC) || (size_t)n > CHAN_MAX_PACKET) {
		log_warn("packet of %zd bytes exceeds %u", n, CHAN_MAX_PACKET);
		return CHAN_ERR_TOO_BIG;
	}
	*len = (size_t)n;
	return CHAN_OK;
}

static enum chan_err parse_header(const uint8_t *pkt, size_t len, struct chan_hdr *hdr)
{
	if (len < CHAN_HDR_SIZE) {
		log_warn("packet of %zu bytes, shorter than the header", len);
		return CHAN_ERR_TRUNCATED;
	}
	hdr->magic = get_le32(pkt + HDR_MAGIC);
	hdr->type = get_le16(pkt + HDR_TYPE);
	hdr->flags = get_le16(pkt + HDR_FLAGS);
	hdr->seq = get_le32(pkt + HDR_SEQ);
	hdr->payload_len = get_le32(pkt + HDR_LEN);
	if (hdr->magic != CHAN_MAGIC || hdr->flags != 0) {
		log_warn("bad header: magic 0x%08x flags 0x%04x", hdr->magic, hdr->flags);
		return CHAN_ERR_BAD_HEADER;
	}
	if (hdr->payload_len > len - CHAN_HDR_SIZE) {
		log_warn("payload of %zu bytes, header says %u", len - CHAN_HDR_SIZE,
			 hdr->payload_len);
		return CHAN_ERR_TRUNCATED;
	}
	if (hdr->payload_len < len - CHAN_HDR_SIZE) {
		log_warn("%zu bytes after the %u-byte payload",
			 len - CHAN_HDR_SIZE - hdr->payload_len, hdr->payload_len);
		return CHAN_ERR_BAD_HEADER;
	}
	return CHAN_OK;
}

static enum chan_err check_type(const struct chan_hdr *hdr, enum chan_side self,
				unsigned int nfds, const struct chan_msg_info **infop)
{
	const struct chan_msg_info *info = chan_msg_info(hdr->type);

	if (!info) {
		log_warn("unknown message type %u", hdr->type);
		return CHAN_ERR_UNKNOWN_TYPE;
	}
	if (!(info->dir & dir_towards_self(self))) {
		log_warn("%s may not be sent to the %s", info->name,
			 self == CHAN_SIDE_CORE ? "core" : "worker");
		return CHAN_ERR_WRONG_DIRECTION;
	}
	if (nfds != info->nfds) {
		log_warn("%s with %u fds, it carries %u", info->name, nfds, info->nfds);
		return CHAN_ERR_BAD_FD_COUNT;
	}
	*infop = info;
	return CHAN_OK;
}

static enum chan_err decode_body(const struct chan_msg_info *info, const uint8_t *data,
				 size_t len, ProtobufCMessage **bodyp)
{
	ProtobufCMessage *body = protobuf_c_message_unpack(info->descriptor, NULL, len, data);

	if (!body) {
		log_warn("%s: payload of %zu bytes does not decode", info->name, len);
		return CHAN_ERR_DECODE;
	}
	if (!chan_msg_validate(info, body)) {
		protobuf_c_message_free_unpacked(body, NULL);
		return CHAN_ERR_INVALID;
	}
	*bodyp = body;
	return CHAN_OK;
}

enum chan_err chan_recv(int sock, enum chan_side self, struct chan_msg *out)
{
	const struct chan_msg_info *info = NULL;
	struct rx_fds fds = { .n = 0 };
	ProtobufCMessage *body = NULL;
	struct chan_hdr hdr;
	enum chan_err err;
	uint8_t *pkt;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	pkt = malloc(CHAN_MAX_PACKET);
	if (!pkt)
		return CHAN_ERR_NOMEM;
	err = receive_packet(sock, pkt, &fds, &len);
	if (err == CHAN_OK)
		err = parse_header(pkt, len, &hdr);
	if (err == CHAN_OK)
		err = check_type(&hdr, self, fds.n, &info);
	if (err == CHAN_OK)
		err = decode_body(info, pkt + CHAN_HDR_SIZE, hdr.payload_len, &body);
	free(pkt);
	if (err != CHAN_OK) {
		close_fds(&fds);
		return err;
	}

	out->type = hdr.type;
	out->seq = hdr.seq;
	out->body = body;
	out->nfds = fds.n;
	for (unsigned int i = 0; i < CHAN_MAX_FDS; i++)
		out->fds[i] = i < fds.n ? fds.fd[i] : -1;
	return CHAN_OK;
}

int chan_msg_take_fd(struct chan_msg *msg, unsigned int idx)
{
	int fd;

	if (idx >= msg->nfds || idx >= CHAN_MAX_FDS)
		return -1;
	fd = msg->fds[idx];
	msg->fds[idx] = -1;
	return fd;
}

void chan_msg_clear(struct chan_msg *msg)
{
	int saved = errno;

	for (unsigned int i = 0; i < msg->nfds && i < CHAN_MAX_FDS; i++) {
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	}
	if (msg->body)
		protobuf_c_message_free_unpacked(msg->body, NULL);
	memset(msg, 0, sizeof(*msg));
	errno = saved;
}
