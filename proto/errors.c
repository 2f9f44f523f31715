/* Names of the channel's error codes, for logs. */
#include "channel.h"

#include "checked.h"

static const char *const err_names[] = {
	[CHAN_OK] = "success",
	[CHAN_ERR_IO] = "socket I/O error",
	[CHAN_ERR_AGAIN] = "would block",
	[CHAN_ERR_HANGUP] = "peer hung up",
	[CHAN_ERR_TIMEOUT] = "peer did not answer in time",
	[CHAN_ERR_NOMEM] = "out of memory",
	[CHAN_ERR_TOO_BIG] = "packet too big",
	[CHAN_ERR_TRUNCATED] = "packet truncated",
	[CHAN_ERR_BAD_HEADER] = "bad packet header",
	[CHAN_ERR_UNKNOWN_TYPE] = "unknown message type",
	[CHAN_ERR_WRONG_DIRECTION] = "message type not allowed in this direction",
	[CHAN_ERR_CTRUNC] = "too many fds (control data truncated)",
	[CHAN_ERR_BAD_CMSG] = "unexpected ancillary data",
	[CHAN_ERR_BAD_FD_COUNT] = "wrong number of fds for the message type",
	[CHAN_ERR_DECODE] = "payload does not decode",
	[CHAN_ERR_INVALID] = "message breaks a protocol rule",
	[CHAN_ERR_VERSION] = "protocol version mismatch",
	[CHAN_ERR_UNEXPECTED] = "unexpected message type",
	[CHAN_ERR_DEVICE_MISMATCH] = "device type mismatch",
	[CHAN_ERR_BAD_ARG] = "invalid argument",
};

_Static_assert(ARRAY_SIZE(err_names) == CHAN_ERR_COUNT, "a name for every error");

const char *chan_strerror(enum chan_err err)
{
	if ((unsigned int)err >= ARRAY_SIZE(err_names) || !err_names[err])
		return "unknown channel error";
	return err_names[err];
}
