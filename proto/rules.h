/* Per-type rules of msgtypes.c, each checking one decoded message beyond
 * what protobuf decoding and the schema-wide checks guarantee.  Internal to
 * the proto library. */
#ifndef SPLITVM_PROTO_RULES_H
#define SPLITVM_PROTO_RULES_H

#include <stdbool.h>

#include "control.pb-c.h"

bool rules_hello(const ProtobufCMessage *body);
bool rules_reply(const ProtobufCMessage *body);
bool rules_configure(const ProtobufCMessage *body);
bool rules_memory_map(const ProtobufCMessage *body);
bool rules_backend(const ProtobufCMessage *body);
bool rules_mailbox(const ProtobufCMessage *body);
bool rules_queue_setup(const ProtobufCMessage *body);
bool rules_config_interrupt(const ProtobufCMessage *body);
bool rules_device_state(const ProtobufCMessage *body);
bool rules_stats(const ProtobufCMessage *body);
bool rules_event(const ProtobufCMessage *body);
bool rules_error(const ProtobufCMessage *body);

#endif
