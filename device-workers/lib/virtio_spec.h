/* Constants of the virtio 1.2 specification used by the workers: status
 * bits, feature bits, split-ring layout.  Values are the spec's; names follow
 * the spec (and Linux's uapi headers) so that they can be looked up. */
#ifndef SPLITVM_WORKERS_VIRTIO_SPEC_H
#define SPLITVM_WORKERS_VIRTIO_SPEC_H

#include <stdint.h>

/* "Device Status Field" */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED		0x80

/* "Reserved Feature Bits" */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32
#define VIRTIO_F_ACCESS_PLATFORM	33
#define VIRTIO_F_RING_PACKED		34

#define VIRTIO_BIT(b) (1ULL << (b))

/* ISR status / InterruptStatus bits */
#define VIRTIO_ISR_QUEUE		0x1
#define VIRTIO_ISR_CONFIG		0x2

/* "Common configuration structure layout": "a special value of 0xffff is used
 * to indicate no vector". */
#define VIRTIO_MSI_NO_VECTOR		0xffff

/* "Split Virtqueues": "The maximum Queue Size value is 32768." */
#define VIRTQ_MAX_SIZE			32768u

#define VIRTQ_DESC_F_NEXT		1
#define VIRTQ_DESC_F_WRITE		2
#define VIRTQ_DESC_F_INDIRECT		4

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1

/* Little-endian on the wire; the workers run on x86-64 only, so the layouts
 * are used directly and every field read goes through le*toh() anyway to
 * keep the intent visible. */
struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];	/* Queue Size entries, then used_event */
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];	/* Queue Size entries, then avail_event */
};

_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc layout");
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem layout");

/* Sizes of the three parts (2.7, table "Virtqueue Part ... Size"), including
 * the event-index words, which exist whether or not EVENT_IDX is used. */
static inline uint64_t virtq_desc_size(uint32_t qsz)
{
	return 16ULL * qsz;
}

static inline uint64_t virtq_avail_size(uint32_t qsz)
{
	return 6ULL + 2ULL * qsz;
}

static inline uint64_t virtq_used_size(uint32_t qsz)
{
	return 6ULL + 8ULL * qsz;
}

/* "Used Buffer Notification Suppression" with EVENT_IDX: the device must notify
 * when the used index moved past used_event since the last one (old .. new,
 * modulo 2^16). */
static inline int vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old);
}

/* Virtio device IDs ("Device Types") */
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_RNG			4
#define VIRTIO_ID_VSOCK			19

#endif
