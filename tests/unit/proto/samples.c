#include "samples.h"

#include <errno.h>
#include <stddef.h>

static Ctl__RateLimiter *rate_limiter(void)
{
	static Ctl__TokenBucket bandwidth, ops;
	static Ctl__RateLimiter rl;

	ctl__token_bucket__init(&bandwidth);
	bandwidth.size = 1 << 20;
	bandwidth.has_one_time_burst = 1;
	bandwidth.one_time_burst = 2 << 20;
	bandwidth.refill_time_ms = 100;
	ctl__token_bucket__init(&ops);
	ops.size = 1000;
	ops.refill_time_ms = 1000;
	ctl__rate_limiter__init(&rl);
	rl.bandwidth = &bandwidth;
	rl.ops = &ops;
	return &rl;
}

static const ProtobufCMessage *hello(void)
{
	static Ctl__Hello m;

	ctl__hello__init(&m);
	m.protocol_version = CHAN_PROTOCOL_VERSION;
	m.device_type = CTL__DEVICE_TYPE__DEVICE_BLK;
	m.software_version = "splitvm-test 0.1";
	return &m.base;
}

static const ProtobufCMessage *reply(void)
{
	static Ctl__Reply m;

	ctl__reply__init(&m);
	m.status = 0;
	m.message = "done";
	return &m.base;
}

const ProtobufCMessage *sample_configure(Ctl__Configure__DeviceCase device)
{
	static uint8_t mac[CHAN_MAC_BYTES] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static Ctl__RngConfig rng;
	static Ctl__BlkConfig blk;
	static Ctl__NetConfig net;
	static Ctl__VsockConfig vsock;
	static Ctl__Configure m;

	ctl__configure__init(&m);
	m.transport = CTL__TRANSPORT__TRANSPORT_PCI;
	m.device_id = "dev0";
	m.device_case = device;
	switch (device) {
	case CTL__CONFIGURE__DEVICE_RNG:
		ctl__rng_config__init(&rng);
		rng.has_max_bytes_per_request = 1;
		rng.max_bytes_per_request = CHAN_MAX_RNG_REQUEST;
		rng.rate_limiter = rate_limiter();
		m.rng = &rng;
		break;
	case CTL__CONFIGURE__DEVICE_NET:
		ctl__net_config__init(&net);
		net.mac.data = mac;
		net.mac.len = sizeof(mac);
		net.rx_rate_limiter = rate_limiter();
		net.tx_rate_limiter = rate_limiter();
		m.net = &net;
		m.transport = CTL__TRANSPORT__TRANSPORT_MMIO;
		break;
	case CTL__CONFIGURE__DEVICE_VSOCK:
		ctl__vsock_config__init(&vsock);
		vsock.guest_cid = 3;
		m.vsock = &vsock;
		break;
	default:
		ctl__blk_config__init(&blk);
		blk.read_only = 1;
		blk.cache_type = CTL__CACHE_TYPE__CACHE_WRITEBACK;
		blk.io_engine = CTL__IO_ENGINE__IO_ENGINE_ASYNC;
		blk.disk_id = "serial-0001";
		blk.size_bytes = 1ull << 30;
		blk.rate_limiter = rate_limiter();
		m.device_case = CTL__CONFIGURE__DEVICE_BLK;
		m.blk = &blk;
		break;
	}
	return &m.base;
}

static const ProtobufCMessage *memory_map(void)
{
	static Ctl__MemoryRegion low, high;
	static Ctl__MemoryRegion *regions[] = { &low, &high };
	static Ctl__MemoryMap m;

	/* RAM split around the 32-bit PCI hole, as the core lays it out. */
	ctl__memory_region__init(&low);
	low.guest_phys_addr = 0;
	low.size = 0xc0000000ull;
	low.memfd_offset = 0;
	ctl__memory_region__init(&high);
	high.guest_phys_addr = 0x100000000ull;
	high.size = 0x40000000ull;
	high.memfd_offset = 0xc0000000ull;
	ctl__memory_map__init(&m);
	m.n_regions = 2;
	m.regions = regions;
	return &m.base;
}

static const ProtobufCMessage *backend(void)
{
	static Ctl__Backend m;

	ctl__backend__init(&m);
	m.kind = CTL__BACKEND_KIND__BACKEND_DISK_FILE;
	m.has_size_bytes = 1;
	m.size_bytes = 1ull << 30;
	return &m.base;
}

static const ProtobufCMessage *mailbox(void)
{
	static Ctl__Mailbox m;

	ctl__mailbox__init(&m);
	m.layout_version = 1;
	m.shm_size = CHAN_PAGE_SIZE;
	return &m.base;
}

static const ProtobufCMessage *queue_setup(void)
{
	static Ctl__QueueSetup m;

	ctl__queue_setup__init(&m);
	m.index = 1;
	m.max_size = 256;
	m.has_msix_vector = 1;
	m.msix_vector = 2;
	m.has_size = 1;
	m.size = 128;
	m.has_desc_addr = 1;
	m.desc_addr = 0x10000;
	m.has_avail_addr = 1;
	m.avail_addr = 0x11000;
	m.has_used_addr = 1;
	m.used_addr = 0x12000;
	return &m.base;
}

static const ProtobufCMessage *config_interrupt(void)
{
	static Ctl__ConfigInterrupt m;

	ctl__config_interrupt__init(&m);
	m.has_msix_vector = 1;
	m.msix_vector = 0;
	return &m.base;
}

static const ProtobufCMessage *device_state(void)
{
	static uint8_t data[] = "opaque device state";
	static Ctl__DeviceState m;

	ctl__device_state__init(&m);
	m.format_version = 1;
	m.data.data = data;
	m.data.len = sizeof(data);
	return &m.base;
}

static const ProtobufCMessage *stats(void)
{
	static Ctl__Counter reads, writes;
	static Ctl__Counter *counters[] = { &reads, &writes };
	static Ctl__Stats m;

	ctl__counter__init(&reads);
	reads.name = "read_bytes";
	reads.value = 4096;
	ctl__counter__init(&writes);
	writes.name = "write_count";
	writes.value = 7;
	ctl__stats__init(&m);
	m.n_counters = 2;
	m.counters = counters;
	return &m.base;
}

static const ProtobufCMessage *shutdown_msg(void)
{
	static Ctl__Shutdown m;

	ctl__shutdown__init(&m);
	m.reason = "vm stopping";
	return &m.base;
}

static const ProtobufCMessage *event(void)
{
	static Ctl__Event m;

	ctl__event__init(&m);
	m.kind = CTL__EVENT_KIND__EVENT_NEEDS_RESET;
	m.detail = "descriptor loop in queue 0";
	return &m.base;
}

static const ProtobufCMessage *error(void)
{
	static Ctl__Error m;

	ctl__error__init(&m);
	m.code = EIO;
	m.message = "disk read failed";
	return &m.base;
}

/* The commands without fields. */
static const ProtobufCMessage *empty(enum chan_msg_type type)
{
	static Ctl__Activate activate;
	static Ctl__Reset reset;
	static Ctl__Pause pause;
	static Ctl__Resume resume;
	static Ctl__SaveState save_state;
	static Ctl__GetStats get_stats;

	switch (type) {
	case CHAN_MSG_ACTIVATE:
		ctl__activate__init(&activate);
		return &activate.base;
	case CHAN_MSG_RESET:
		ctl__reset__init(&reset);
		return &reset.base;
	case CHAN_MSG_PAUSE:
		ctl__pause__init(&pause);
		return &pause.base;
	case CHAN_MSG_RESUME:
		ctl__resume__init(&resume);
		return &resume.base;
	case CHAN_MSG_SAVE_STATE:
		ctl__save_state__init(&save_state);
		return &save_state.base;
	case CHAN_MSG_GET_STATS:
		ctl__get_stats__init(&get_stats);
		return &get_stats.base;
	default:
		return NULL;
	}
}

const ProtobufCMessage *sample_body(enum chan_msg_type type)
{
	switch (type) {
	case CHAN_MSG_HELLO:
		return hello();
	case CHAN_MSG_REPLY:
		return reply();
	case CHAN_MSG_CONFIGURE:
		return sample_configure(CTL__CONFIGURE__DEVICE_BLK);
	case CHAN_MSG_MEMORY_MAP:
		return memory_map();
	case CHAN_MSG_ATTACH_BACKEND:
	case CHAN_MSG_UPDATE_BACKEND:
		return backend();
	case CHAN_MSG_MAILBOX:
		return mailbox();
	case CHAN_MSG_QUEUE_SETUP:
		return queue_setup();
	case CHAN_MSG_CONFIG_INTERRUPT:
		return config_interrupt();
	case CHAN_MSG_STATE:
	case CHAN_MSG_RESTORE_STATE:
		return device_state();
	case CHAN_MSG_STATS:
		return stats();
	case CHAN_MSG_SHUTDOWN:
		return shutdown_msg();
	case CHAN_MSG_EVENT:
		return event();
	case CHAN_MSG_ERROR:
		return error();
	default:
		return empty(type);
	}
}

enum chan_side sample_sender(enum chan_msg_type type)
{
	const struct chan_msg_info *info = chan_msg_info(type);

	return info && (info->dir & CHAN_DIR_TO_WORKER) ? CHAN_SIDE_CORE : CHAN_SIDE_WORKER;
}
