/* Per-type rules: cheap checks that spare every handler from re-checking
 * the same fields.  Semantics that depend on device state (is this queue
 * index valid for a blk device, may Activate come now) belong to the
 * handlers, not here.  Each rejection is logged once with the bad value. */
#include "rules.h"

#include <inttypes.h>
#include <string.h>

#include "log.h"
#include "msgtypes.h"

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* Required strings are never NULL once decoded, but a sender may leave
 * one unset. */
static size_t str_len(const char *s)
{
	return s ? strlen(s) : 0;
}

static bool is_page_aligned(uint64_t v)
{
	return (v & (CHAN_PAGE_SIZE - 1)) == 0;
}

static bool is_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

bool rules_hello(const ProtobufCMessage *body)
{
	const Ctl__Hello *m = (const Ctl__Hello *)body;

	if (m->protocol_version == 0) {
		log_warn("Hello: protocol_version 0");
		return false;
	}
	if (m->device_type == CTL__DEVICE_TYPE__DEVICE_UNSPECIFIED) {
		log_warn("Hello: device_type unspecified");
		return false;
	}
	if (str_len(m->software_version) > CHAN_MAX_VERSION_LEN) {
		log_warn("Hello: software_version longer than %u bytes", CHAN_MAX_VERSION_LEN);
		return false;
	}
	return true;
}

bool rules_reply(const ProtobufCMessage *body)
{
	const Ctl__Reply *m = (const Ctl__Reply *)body;

	if (m->status < 0) {
		log_warn("Reply: status %" PRId32 " (want 0 or a positive errno)", m->status);
		return false;
	}
	return true;
}

static bool rules_rng(const Ctl__RngConfig *rng)
{
	if (rng->has_max_bytes_per_request &&
	    (rng->max_bytes_per_request == 0 ||
	     rng->max_bytes_per_request > CHAN_MAX_RNG_REQUEST)) {
		log_warn("RngConfig: max_bytes_per_request %" PRIu32 " not in 1..%u",
			 rng->max_bytes_per_request, CHAN_MAX_RNG_REQUEST);
		return false;
	}
	return true;
}

static bool rules_blk(const Ctl__BlkConfig *blk)
{
	if (blk->cache_type == CTL__CACHE_TYPE__CACHE_UNSPECIFIED ||
	    blk->io_engine == CTL__IO_ENGINE__IO_ENGINE_UNSPECIFIED) {
		log_warn("BlkConfig: cache_type %d / io_engine %d unspecified",
			 blk->cache_type, blk->io_engine);
		return false;
	}
	if (str_len(blk->disk_id) > CHAN_BLK_ID_BYTES) {
		log_warn("BlkConfig: disk_id longer than %u bytes", CHAN_BLK_ID_BYTES);
		return false;
	}
	return true;
}

static bool rules_net(const Ctl__NetConfig *net)
{
	if (net->mac.len != CHAN_MAC_BYTES) {
		log_warn("NetConfig: mac of %zu bytes", net->mac.len);
		return false;
	}
	return true;
}

static bool rules_vsock(const Ctl__VsockConfig *vsock)
{
	/* CIDs 0-2 belong to the hypervisor and host; U32_MAX is "any". */
	if (vsock->guest_cid < 3 || vsock->guest_cid >= UINT32_MAX) {
		log_warn("VsockConfig: guest_cid %" PRIu64 " not in 3..%" PRIu32,
			 vsock->guest_cid, UINT32_MAX - 1);
		return false;
	}
	return true;
}

bool rules_configure(const ProtobufCMessage *body)
{
	const Ctl__Configure *m = (const Ctl__Configure *)body;

	if (m->transport == CTL__TRANSPORT__TRANSPORT_UNSPECIFIED) {
		log_warn("Configure: transport unspecified");
		return false;
	}
	switch (m->device_case) {
	case CTL__CONFIGURE__DEVICE_RNG:
		return rules_rng(m->rng);
	case CTL__CONFIGURE__DEVICE_BLK:
		return rules_blk(m->blk);
	case CTL__CONFIGURE__DEVICE_NET:
		return rules_net(m->net);
	case CTL__CONFIGURE__DEVICE_VSOCK:
		return rules_vsock(m->vsock);
	default:
		log_warn("Configure: no device config (case %d)", (int)m->device_case);
		return false;
	}
}

static bool rules_region(const Ctl__MemoryRegion *r, size_t i, uint64_t *prev_end)
{
	uint64_t gpa_end, fd_end;

	if (r->size == 0 || !is_page_aligned(r->guest_phys_addr | r->size | r->memfd_offset)) {
		log_warn("MemoryMap: region %zu (gpa 0x%" PRIx64 " size 0x%" PRIx64
			 " offset 0x%" PRIx64 ") empty or not page-aligned",
			 i, r->guest_phys_addr, r->size, r->memfd_offset);
		return false;
	}
	if (__builtin_add_overflow(r->guest_phys_addr, r->size, &gpa_end) ||
	    __builtin_add_overflow(r->memfd_offset, r->size, &fd_end)) {
		log_warn("MemoryMap: region %zu wraps (gpa 0x%" PRIx64 " offset 0x%" PRIx64
			 " size 0x%" PRIx64 ")", i, r->guest_phys_addr, r->memfd_offset, r->size);
		return false;
	}
	if (r->guest_phys_addr < *prev_end) {
		log_warn("MemoryMap: region %zu at gpa 0x%" PRIx64 " overlaps or precedes the"
			 " previous one (ends 0x%" PRIx64 ")", i, r->guest_phys_addr, *prev_end);
		return false;
	}
	*prev_end = gpa_end;
	return true;
}

bool rules_memory_map(const ProtobufCMessage *body)
{
	const Ctl__MemoryMap *m = (const Ctl__MemoryMap *)body;
	uint64_t prev_end = 0;

	if (m->n_regions == 0 || m->n_regions > CHAN_MAX_MEM_REGIONS) {
		log_warn("MemoryMap: %zu regions (want 1..%u)", m->n_regions, CHAN_MAX_MEM_REGIONS);
		return false;
	}
	for (size_t i = 0; i < m->n_regions; i++) {
		if (!rules_region(m->regions[i], i, &prev_end))
			return false;
	}
	return true;
}

bool rules_backend(const ProtobufCMessage *body)
{
	const Ctl__Backend *m = (const Ctl__Backend *)body;

	if (m->kind == CTL__BACKEND_KIND__BACKEND_UNSPECIFIED) {
		log_warn("Backend: kind unspecified");
		return false;
	}
	return true;
}

bool rules_mailbox(const ProtobufCMessage *body)
{
	const Ctl__Mailbox *m = (const Ctl__Mailbox *)body;

	if (m->layout_version == 0) {
		log_warn("Mailbox: layout_version 0");
		return false;
	}
	if (m->shm_size == 0 || m->shm_size > CHAN_MAX_MAILBOX_SIZE ||
	    !is_page_aligned(m->shm_size)) {
		log_warn("Mailbox: shm_size 0x%" PRIx64 " not a page multiple in 1..0x%x",
			 m->shm_size, CHAN_MAX_MAILBOX_SIZE);
		return false;
	}
	return true;
}

static bool rules_msix_vector(const char *what, protobuf_c_boolean has, uint32_t vector)
{
	if (has && vector >= CHAN_MAX_MSIX_VECTORS) {
		log_warn("%s: msix_vector %" PRIu32 " >= %u", what, vector, CHAN_MAX_MSIX_VECTORS);
		return false;
	}
	return true;
}

/* The programmed state of a split virtqueue (virtio 1.2, 2.7): size a power
 * of two no larger than QueueNumMax; descriptor table 16-byte, available
 * ring 2-byte and used ring 4-byte aligned. */
static bool rules_queue_programmed(const Ctl__QueueSetup *m)
{
	int present = m->has_size + m->has_desc_addr + m->has_avail_addr + m->has_used_addr;

	if (present == 0)
		return true;
	if (present != 4) {
		log_warn("QueueSetup %" PRIu32 ": only %d of size/desc/avail/used", m->index, present);
		return false;
	}
	if (!is_pow2(m->size) || m->size > m->max_size) {
		log_warn("QueueSetup %" PRIu32 ": size %" PRIu32 " (max %" PRIu32 ")",
			 m->index, m->size, m->max_size);
		return false;
	}
	if (!is_aligned(m->desc_addr, 16) || !is_aligned(m->avail_addr, 2) ||
	    !is_aligned(m->used_addr, 4)) {
		log_warn("QueueSetup %" PRIu32 ": misaligned rings desc 0x%" PRIx64
			 " avail 0x%" PRIx64 " used 0x%" PRIx64,
			 m->index, m->desc_addr, m->avail_addr, m->used_addr);
		return false;
	}
	return true;
}

bool rules_queue_setup(const ProtobufCMessage *body)
{
	const Ctl__QueueSetup *m = (const Ctl__QueueSetup *)body;

	if (m->index >= CHAN_MAX_QUEUES) {
		log_warn("QueueSetup: index %" PRIu32 " >= %u", m->index, CHAN_MAX_QUEUES);
		return false;
	}
	if (!is_pow2(m->max_size) || m->max_size > CHAN_MAX_QUEUE_SIZE) {
		log_warn("QueueSetup %" PRIu32 ": max_size %" PRIu32 " not a power of two <= %u",
			 m->index, m->max_size, CHAN_MAX_QUEUE_SIZE);
		return false;
	}
	return rules_msix_vector("QueueSetup", m->has_msix_vector, m->msix_vector) &&
	       rules_queue_programmed(m);
}

bool rules_config_interrupt(const ProtobufCMessage *body)
{
	const Ctl__ConfigInterrupt *m = (const Ctl__ConfigInterrupt *)body;

	return rules_msix_vector("ConfigInterrupt", m->has_msix_vector, m->msix_vector);
}

bool rules_device_state(const ProtobufCMessage *body)
{
	const Ctl__DeviceState *m = (const Ctl__DeviceState *)body;

	if (m->format_version == 0) {
		log_warn("DeviceState: format_version 0");
		return false;
	}
	return true;
}

bool rules_stats(const ProtobufCMessage *body)
{
	const Ctl__Stats *m = (const Ctl__Stats *)body;

	if (m->n_counters > CHAN_MAX_COUNTERS) {
		log_warn("Stats: %zu counters (max %u)", m->n_counters, CHAN_MAX_COUNTERS);
		return false;
	}
	for (size_t i = 0; i < m->n_counters; i++) {
		if (str_len(m->counters[i]->name) == 0) {
			log_warn("Stats: counter %zu has no name", i);
			return false;
		}
	}
	return true;
}

bool rules_event(const ProtobufCMessage *body)
{
	const Ctl__Event *m = (const Ctl__Event *)body;

	if (m->kind == CTL__EVENT_KIND__EVENT_UNSPECIFIED) {
		log_warn("Event: kind unspecified");
		return false;
	}
	return true;
}

bool rules_error(const ProtobufCMessage *body)
{
	const Ctl__Error *m = (const Ctl__Error *)body;

	if (m->code <= 0) {
		log_warn("Error: code %" PRId32 " (want a positive errno)", m->code);
		return false;
	}
	return true;
}
