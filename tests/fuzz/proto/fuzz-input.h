/* Input format of fuzz-proto-recv, shared with the corpus generator:
 *
 *   byte 0   control: bits 0-2  fds to attach (0-7; above CHAN_MAX_FDS the
 *                               control buffer overflows: MSG_CTRUNC)
 *                     bit 3     receiver is the core (else the worker)
 *                     bit 4     attach pipe ends instead of /dev/null
 *                     bit 5     pad the packet with zeros to one byte over
 *                               CHAN_MAX_PACKET
 *   byte 1-  the packet, sent as one SOCK_SEQPACKET packet
 */
#ifndef SPLITVM_FUZZ_PROTO_INPUT_H
#define SPLITVM_FUZZ_PROTO_INPUT_H

#define FUZZ_CTL_NFDS_MASK	0x07u
#define FUZZ_CTL_TO_CORE	0x08u
#define FUZZ_CTL_PIPE_FDS	0x10u
#define FUZZ_CTL_OVERSIZE	0x20u

#endif
