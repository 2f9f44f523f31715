/* Control channel between vmm-core and a device worker.
 *
 * Wire format: one message per SOCK_SEQPACKET packet,
 *
 *   offset 0  u32 magic        CHAN_MAGIC
 *          4  u16 type         enum chan_msg_type
 *          6  u16 flags        0 (anything else is rejected)
 *          8  u32 seq          see below
 *         12  u32 payload_len  bytes that follow, == packet size - 16
 *         16  protobuf payload (control.proto message named by type)
 *
 * all little-endian, plus exactly msgtypes.c's fd count for the type as one
 * SCM_RIGHTS message.  A packet is never larger than CHAN_MAX_PACKET.
 *
 * seq: the sender numbers its requests as it likes; an answer (REPLY, STATE,
 * STATS) carries the seq of the request it answers.  HELLO, EVENT and ERROR
 * are unsolicited and carry 0 by convention.
 *
 * Everything received is hostile until chan_recv() returns CHAN_OK: by then
 * the header, direction, fd count, protobuf decoding and the rules of the
 * type (msgtypes.h, rules.c) have all been checked.  On every error path all received fds
 * are closed and nothing stays allocated.  chan_recv() logs each protocol
 * violation once, with the offending values; callers decide what to do with
 * the peer and need not log it again.
 */
#ifndef SPLITVM_PROTO_CHANNEL_H
#define SPLITVM_PROTO_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "msgtypes.h"

#define CHAN_PROTOCOL_VERSION	1u
#define CHAN_MAGIC		0x31435653u	/* "SVC1" on the wire */
#define CHAN_HDR_SIZE		16u
#define CHAN_MAX_PACKET		65536u
#define CHAN_MAX_PAYLOAD	(CHAN_MAX_PACKET - CHAN_HDR_SIZE)

enum chan_err {
	CHAN_OK = 0,
	CHAN_ERR_IO,		/* sendmsg/recvmsg failed; errno says why */
	CHAN_ERR_AGAIN,		/* non-blocking socket: nothing to read / no room */
	CHAN_ERR_HANGUP,	/* peer closed (EOF, empty packet, ECONNRESET, EPIPE) */
	CHAN_ERR_TIMEOUT,	/* chan_hello(): no answer before the deadline */
	CHAN_ERR_NOMEM,
	CHAN_ERR_TOO_BIG,	/* packet larger than CHAN_MAX_PACKET */
	CHAN_ERR_TRUNCATED,	/* shorter than the header or its payload_len */
	CHAN_ERR_BAD_HEADER,	/* wrong magic, flags set, trailing bytes */
	CHAN_ERR_UNKNOWN_TYPE,
	CHAN_ERR_WRONG_DIRECTION, /* type may not travel towards this side */
	CHAN_ERR_CTRUNC,	/* more fds than any message type carries */
	CHAN_ERR_BAD_CMSG,	/* ancillary data other than SCM_RIGHTS */
	CHAN_ERR_BAD_FD_COUNT,	/* fd count differs from the type's */
	CHAN_ERR_DECODE,	/* protobuf decoding failed (garbage, missing required field) */
	CHAN_ERR_INVALID,	/* decoded, but breaks a rule of msgtypes.c */
	CHAN_ERR_VERSION,	/* chan_hello(): peer speaks another protocol version */
	CHAN_ERR_UNEXPECTED,	/* chan_hello(): first message was not HELLO */
	CHAN_ERR_DEVICE_MISMATCH, /* chan_hello(): peer is another device type */
	CHAN_ERR_BAD_ARG,	/* caller bug on the sending side */
	CHAN_ERR_COUNT
};

/* Which end of the channel the caller is. */
enum chan_side {
	CHAN_SIDE_CORE,
	CHAN_SIDE_WORKER,
};

/* A received message.  body is the decoded protobuf message of the type's
 * descriptor (cast it, e.g. (Ctl__QueueSetup *)msg.body); fds are owned by
 * the message until taken.  A zeroed chan_msg is valid and empty. */
struct chan_msg {
	enum chan_msg_type type;
	uint32_t seq;
	ProtobufCMessage *body;
	unsigned int nfds;
	int fds[CHAN_MAX_FDS];
};

/* What the peer said in its Hello. */
struct chan_hello_peer {
	uint32_t protocol_version;
	Ctl__DeviceType device_type;
	char software_version[CHAN_MAX_VERSION_LEN + 1];
};

const char *chan_strerror(enum chan_err err);

/* Packs header + payload into buf.  Checks the type, that body is of the
 * type's descriptor and the packet size, nothing else: tests and the fuzz
 * corpus generator use it to build packets chan_send() would refuse. */
enum chan_err chan_encode(enum chan_msg_type type, uint32_t seq,
			  const ProtobufCMessage *body, uint8_t *buf, size_t cap,
			  size_t *len) __attribute__((warn_unused_result));

/* Sends one message with exactly the type's number of fds (still owned by
 * the caller afterwards).  The message is validated as the receiver will,
 * so a bug shows up here rather than as a torn-down peer. */
enum chan_err chan_send(int sock, enum chan_side self, enum chan_msg_type type,
			uint32_t seq, const ProtobufCMessage *body,
			const int *fds, unsigned int nfds)
	__attribute__((warn_unused_result));

/* Receives and fully validates one message.  On CHAN_OK, *out holds it and
 * must be released with chan_msg_clear(); on error *out is empty.  Received
 * fds have FD_CLOEXEC set. */
enum chan_err chan_recv(int sock, enum chan_side self, struct chan_msg *out)
	__attribute__((warn_unused_result));

/* Transfers ownership of fds[idx] to the caller; -1 if out of range or
 * already taken. */
int chan_msg_take_fd(struct chan_msg *msg, unsigned int idx);

/* Frees the body and closes every fd not taken; leaves *msg empty. */
void chan_msg_clear(struct chan_msg *msg);

/* Version handshake, the first exchange on a new channel.  Both sides send
 * their Hello, then read the peer's (so neither waits for the other and each
 * sees a mismatch), waiting at most timeout_ms (-1: no limit).  Fails with
 * CHAN_ERR_VERSION or CHAN_ERR_DEVICE_MISMATCH when the peer's protocol
 * version or device type differs from ours (logged with both values); peer
 * (optional) is filled in whenever the peer's Hello was received. */
enum chan_err chan_hello(int sock, enum chan_side self, Ctl__DeviceType device_type,
			 const char *software_version, int timeout_ms,
			 struct chan_hello_peer *peer)
	__attribute__((warn_unused_result));

#endif
