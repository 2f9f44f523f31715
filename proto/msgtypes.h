/* The control channel's message types: per type tag, the protobuf message it
 * carries, the direction it may travel, the exact number of fds attached and
 * the rules a decoded message must follow beyond protobuf's own. */
#ifndef SPLITVM_PROTO_MSGTYPES_H
#define SPLITVM_PROTO_MSGTYPES_H

#include <stdbool.h>

#include "control.pb-c.h"

/* Wire values of the header's type tag; never renumber. */
enum chan_msg_type {
	CHAN_MSG_HELLO = 1,
	CHAN_MSG_REPLY = 2,
	CHAN_MSG_CONFIGURE = 3,
	CHAN_MSG_MEMORY_MAP = 4,	/* fd: guest memory memfd */
	CHAN_MSG_ATTACH_BACKEND = 5,	/* fd: backend */
	CHAN_MSG_MAILBOX = 6,		/* fds: shm, request eventfd, reply eventfd */
	CHAN_MSG_QUEUE_SETUP = 7,	/* fds: notify eventfd, interrupt eventfd */
	CHAN_MSG_CONFIG_INTERRUPT = 8,	/* fd: config interrupt eventfd */
	CHAN_MSG_ACTIVATE = 9,
	CHAN_MSG_RESET = 10,
	CHAN_MSG_PAUSE = 11,
	CHAN_MSG_RESUME = 12,
	CHAN_MSG_SAVE_STATE = 13,
	CHAN_MSG_STATE = 14,		/* answer to SAVE_STATE */
	CHAN_MSG_RESTORE_STATE = 15,
	CHAN_MSG_UPDATE_BACKEND = 16,	/* fd: new backend */
	CHAN_MSG_GET_STATS = 17,
	CHAN_MSG_STATS = 18,		/* answer to GET_STATS */
	CHAN_MSG_SHUTDOWN = 19,
	CHAN_MSG_EVENT = 20,
	CHAN_MSG_ERROR = 21,
};

#define CHAN_MSG_FIRST	CHAN_MSG_HELLO
#define CHAN_MSG_LAST	CHAN_MSG_ERROR

/* Directions a type may travel, as a bit set. */
enum chan_dir {
	CHAN_DIR_TO_WORKER = 1u << 0,
	CHAN_DIR_TO_CORE = 1u << 1,
	CHAN_DIR_BOTH = CHAN_DIR_TO_WORKER | CHAN_DIR_TO_CORE,
};

/* Most fds any type carries (MAILBOX). */
#define CHAN_MAX_FDS		3u

/* Bounds enforced on decoded messages. */
#define CHAN_MAX_STRING_LEN	256u	/* any string field */
#define CHAN_MAX_VERSION_LEN	64u	/* Hello.software_version */
#define CHAN_MAX_MEM_REGIONS	64u
#define CHAN_MAX_QUEUES		256u
#define CHAN_MAX_QUEUE_SIZE	32768u	/* virtio split queue limit */
#define CHAN_MAX_MSIX_VECTORS	2048u	/* PCI MSI-X table limit */
#define CHAN_MAX_COUNTERS	256u
#define CHAN_MAX_MAILBOX_SIZE	(1u << 20)
#define CHAN_MAX_RNG_REQUEST	65536u
#define CHAN_BLK_ID_BYTES	20u	/* VIRTIO_BLK_ID_BYTES */
#define CHAN_MAC_BYTES		6u
#define CHAN_PAGE_SIZE		4096u

struct chan_msg_info {
	const char *name;
	const ProtobufCMessageDescriptor *descriptor;
	enum chan_dir dir;
	unsigned int nfds;
	/* Rules beyond decoding; NULL when there are none.  Logs the first
	 * broken rule. */
	bool (*validate)(const ProtobufCMessage *body);
};

/* NULL for a type that does not exist. */
const struct chan_msg_info *chan_msg_info(unsigned int type);

/* Full check of a message of info's type: no unknown fields, enum values
 * that exist, strings within CHAN_MAX_STRING_LEN, then info->validate.
 * Logs what it rejects. */
bool chan_msg_validate(const struct chan_msg_info *info, const ProtobufCMessage *body);

#endif
