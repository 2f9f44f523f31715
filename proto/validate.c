/* Schema-wide checks of a decoded message.  protobuf-c accepts fields this
 * schema does not know (it keeps them as unknown fields) and enum numbers
 * that no enum value has; both mean the peer is not speaking our protocol
 * version, so they are rejected here for every message type at once. */
#include "msgtypes.h"

#include <string.h>

#include "log.h"

/* The schema nests at most four levels (Configure > BlkConfig > RateLimiter
 * > TokenBucket); anything deeper is a descriptor bug, not input. */
#define MAX_DEPTH 8

static bool check_message(const ProtobufCMessage *msg, unsigned int depth);

static const void *member_at(const ProtobufCMessage *msg, unsigned int offset)
{
	return (const char *)msg + offset;
}

/* Number of values a field holds in msg: 0 or 1, or the repeated count. */
static size_t field_count(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
	const void *quant = member_at(msg, f->quantifier_offset);

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)quant;
	/* A oneof's members share storage; only the selected one is valid. */
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)quant == f->id;
	if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->type == PROTOBUF_C_TYPE_STRING)
		return *(const void *const *)member_at(msg, f->offset) != NULL;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return 1;
	return *(const protobuf_c_boolean *)quant != 0;
}

/* The i-th value of a field: the member itself, or an element of the
 * repeated field's array. */
static const void *field_value(const ProtobufCMessage *msg,
			       const ProtobufCFieldDescriptor *f, size_t i, size_t elem_size)
{
	const void *member = member_at(msg, f->offset);

	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return member;
	return *(const char *const *)member + i * elem_size;
}

static bool check_value(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
			const void *value, unsigned int depth)
{
	const ProtobufCEnumDescriptor *ed;
	const char *str;
	int num;

	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
		ed = f->descriptor;
		memcpy(&num, value, sizeof(num));
		if (protobuf_c_enum_descriptor_get_value(ed, num))
			return true;
		log_warn("%s.%s: %d is not a %s value", msg->descriptor->short_name,
			 f->name, num, ed->short_name);
		return false;
	case PROTOBUF_C_TYPE_STRING:
		str = *(const char *const *)value;
		if (!str || strnlen(str, CHAN_MAX_STRING_LEN + 1) <= CHAN_MAX_STRING_LEN)
			return true;
		log_warn("%s.%s: string longer than %u bytes", msg->descriptor->short_name,
			 f->name, CHAN_MAX_STRING_LEN);
		return false;
	case PROTOBUF_C_TYPE_MESSAGE:
		/* Only a sender can leave a selected oneof member NULL. */
		if (*(const ProtobufCMessage *const *)value)
			return check_message(*(const ProtobufCMessage *const *)value, depth + 1);
		log_err("%s.%s: selected but NULL", msg->descriptor->short_name, f->name);
		return false;
	default:
		return true;
	}
}

/* Size of one element in a repeated field's array, for the types
 * check_value() looks at. */
static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_ENUM:
		return sizeof(int);
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	default:
		return 0;
	}
}

static bool check_field(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
			unsigned int depth)
{
	size_t n = field_count(msg, f);
	size_t esize = elem_size(f);

	if (esize == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (!check_value(msg, f, field_value(msg, f, i, esize), depth))
			return false;
	}
	return true;
}

static bool check_message(const ProtobufCMessage *msg, unsigned int depth)
{
	const ProtobufCMessageDescriptor *d = msg->descriptor;

	if (depth > MAX_DEPTH) {
		log_err("%s: nested deeper than %d", d->short_name, MAX_DEPTH);
		return false;
	}
	if (msg->n_unknown_fields) {
		log_warn("%s: %u field(s) unknown to this protocol version (first tag %u)",
			 d->short_name, msg->n_unknown_fields, msg->unknown_fields[0].tag);
		return false;
	}
	for (unsigned int i = 0; i < d->n_fields; i++) {
		if (!check_field(msg, &d->fields[i], depth))
			return false;
	}
	return true;
}

bool chan_msg_validate(const struct chan_msg_info *info, const ProtobufCMessage *body)
{
	if (!check_message(body, 0))
		return false;
	return !info->validate || info->validate(body);
}
