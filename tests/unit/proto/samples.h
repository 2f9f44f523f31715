/* A valid message of every control-channel type, with every field set, for
 * the unit tests and the fuzz corpus generator. */
#ifndef SPLITVM_TEST_PROTO_SAMPLES_H
#define SPLITVM_TEST_PROTO_SAMPLES_H

#include "channel.h"

/* Static storage, rebuilt on each call: copy it before changing it. */
const ProtobufCMessage *sample_body(enum chan_msg_type type);
/* Configure for one device kind (sample_body() gives blk). */
const ProtobufCMessage *sample_configure(Ctl__Configure__DeviceCase device);
/* The side a type is sent from (the core for HELLO). */
enum chan_side sample_sender(enum chan_msg_type type);

#endif
