/* The register-forwarding mailbox between vmm-core and one device worker.
 *
 * This header is a contract: the core implements the producer side, the
 * worker the consumer side, and both build the layout from it.  Bump
 * MBOX_LAYOUT_VERSION on any change; the core sends it in the Mailbox
 * control message and the worker also finds it in the page itself.
 *
 * Transport: the core creates one shared-memory fd (a memfd) of
 * MBOX_SHM_SIZE bytes and two eventfds, and hands all three to the worker
 * in one Mailbox message (fds in this order: shm, request eventfd, reply
 * eventfd).  Both map the fd MAP_SHARED read-write.
 *
 * Layout of the page (little-endian, offsets in bytes):
 *
 *   0x000  u32 magic      MBOX_MAGIC, written by the core before handing over
 *   0x004  u32 version    MBOX_LAYOUT_VERSION, idem
 *   0x008  u32 ring_size  MBOX_RING_SIZE, idem
 *   0x00c  u32 reserved   0
 *   0x040  u32 req_prod   free-running count of requests posted; core only
 *   0x080  u32 req_cons   free-running count of requests done; worker only
 *   0x084  u32 worker_polling  nonzero while the worker polls req_prod
 *                         (see "Polling" below); worker only, a hint
 *   0x0c0  u64 reply.seq  seq of the read answered last; worker only
 *   0x0c8  u64 reply.data its value (zero-extended); worker only
 *   0x100  struct mbox_req ring[MBOX_RING_SIZE], 32 bytes each; core only
 *
 * Each index sits in its own cache line so that the two sides never write
 * the same line (worker_polling shares the worker's line with req_cons).
 *
 * A request (struct mbox_req):
 *
 *   +0  u64 seq     chosen by the core, increasing; echoed in the reply
 *   +8  u8  op      MBOX_OP_READ or MBOX_OP_WRITE
 *   +9  u8  bar     register region: 0 = the device's virtio registers (the
 *                   virtio-pci BAR of virtio_pci.h, or the virtio-mmio
 *                   window); nothing else exists today
 *   +10 u8  size    1, 2, 4 or 8
 *   +11 u8  pad[5]  0
 *   +16 u64 offset  into the region
 *   +24 u64 data    write: the value in the low `size` bytes; read: ignored
 *
 * Protocol.  One producer per device: the core serialises the vCPUs that
 * trap on one device's registers with a per-device lock held from posting
 * a request until its reply (for a read) or its posting (for a write).
 *
 *   Core, to post:  wait until req_prod - req_cons < ring_size (the worker
 *                   frees slots in order; wait with a deadline), fill
 *                   ring[req_prod % ring_size], store req_prod + 1 with
 *                   release semantics, then a full (seq_cst) fence, then
 *                   write 1 to the request eventfd unless worker_polling
 *                   is nonzero.  Kicking always is also correct.
 *   Writes are posted: the vCPU returns to the guest at once.
 *   Reads are synchronous: after posting, the vCPU spins briefly on
 *                   reply.seq (acquire load) == its seq, then sleeps on the
 *                   reply eventfd with a deadline (DESIGN.md, failure model)
 *                   and reads reply.data.  A reply eventfd count is only a
 *                   wake-up; reply.seq says which read was answered, so a
 *                   late reply to a read that timed out is recognised.
 *   Worker:         on the request eventfd, takes requests in ring order
 *                   until req_cons reaches req_prod, so a read is answered
 *                   only after every write posted before it took effect
 *                   ("posted but ordered").  For a read it stores reply.data,
 *                   then reply.seq with release semantics, then advances
 *                   req_cons (release) and writes 1 to the reply eventfd.
 *
 * Polling (layout 2).  A worker may keep polling req_prod for a while after
 * serving a batch, so that a vCPU that spins on the reply gets its answer
 * in microseconds without a kick and a wake-up on either side.  While it
 * polls it keeps worker_polling nonzero.  To stop, it stores 0, issues a
 * full fence, and loads req_prod once more, serving whatever arrived,
 * before it goes back to sleeping on the request eventfd.  With the core's
 * store / fence / load above, one of the two always sees the other: either
 * the core reads 0 and kicks, or the worker's last look finds the request.
 * No kick is lost.  The core must treat the flag as a hint only: a worker
 * that claims to poll and does not just misses its deadline.  Workers take
 * the polling time from their --mailbox-spin-us option (worker.h; default
 * 0: never poll).
 *
 * Each side treats what the other wrote as untrusted: the worker copies a
 * slot once before using it and checks op, bar, size (1/2/4/8) and that
 * offset + size lies inside the region; a bad read is answered with all
 * ones, a bad write is dropped, both logged.  A req_prod more than
 * ring_size ahead of req_cons breaks the mailbox for good (the worker
 * reports it and stops reading the ring).  The core must likewise check
 * req_cons and reply.seq against what it posted.
 */
#ifndef SPLITVM_WORKERS_MAILBOX_H
#define SPLITVM_WORKERS_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MBOX_LAYOUT_VERSION	2u
#define MBOX_MAGIC		0x584f424du	/* "MBOX" */
#define MBOX_RING_SIZE		64u
#define MBOX_SHM_SIZE		4096u

#define MBOX_OP_READ		1u
#define MBOX_OP_WRITE		2u

#define MBOX_MAX_REGIONS	1u

/* Longest a worker polls after its last request: polling holds up the
 * worker's event loop (queue kicks, control messages) for that long. */
#define MBOX_MAX_POLL_US	1000u
/* Longest one mbox_process() call serves and polls, however fast requests
 * keep coming (a guest hammering a register must not starve the queues);
 * requests left over are served on the event loop's next round. */
#define MBOX_SERVE_BUDGET_US	2000u

struct mbox_req {
	uint64_t seq;
	uint8_t op;
	uint8_t bar;
	uint8_t size;
	uint8_t pad[5];
	uint64_t offset;
	uint64_t data;
};

struct mbox_reply {
	uint64_t seq;
	uint64_t data;
};

struct mbox_shared {
	uint32_t magic;
	uint32_t version;
	uint32_t ring_size;
	uint32_t reserved;
	_Alignas(64) uint32_t req_prod;
	_Alignas(64) uint32_t req_cons;
	uint32_t worker_polling;
	_Alignas(64) struct mbox_reply reply;
	_Alignas(64) struct mbox_req ring[MBOX_RING_SIZE];
};

_Static_assert(sizeof(struct mbox_req) == 32, "mbox_req layout");
_Static_assert(offsetof(struct mbox_shared, req_prod) == 0x40, "mailbox layout");
_Static_assert(offsetof(struct mbox_shared, req_cons) == 0x80, "mailbox layout");
_Static_assert(offsetof(struct mbox_shared, worker_polling) == 0x84, "mailbox layout");
_Static_assert(offsetof(struct mbox_shared, reply) == 0xc0, "mailbox layout");
_Static_assert(offsetof(struct mbox_shared, ring) == 0x100, "mailbox layout");
_Static_assert(sizeof(struct mbox_shared) <= MBOX_SHM_SIZE, "mailbox fits its page");

/* Serves one register access: bar and size are checked, offset + size lies
 * inside the region.  Fills *data for a read. */
typedef void (*mbox_access_fn)(void *opaque, uint8_t bar, uint64_t offset,
			       uint32_t size, bool write, uint64_t *data);

/* Worker side. */
struct mbox {
	struct mbox_shared *shm;
	int req_fd;
	int reply_fd;
	uint32_t cons;		/* our own count; never re-read from the page */
	bool broken;
	uint32_t poll_us;	/* mbox_set_poll() */
	uint64_t region_size[MBOX_MAX_REGIONS];
	mbox_access_fn access;
	void *opaque;
};

/* Maps shm_fd (checks layout_version, size, magic, version, ring size and
 * the initial indices) and takes ownership of the three fds on success
 * only.  region_size: bytes of region 0. */
int mbox_attach(struct mbox *mb, int shm_fd, uint64_t shm_size, uint32_t layout_version,
		int req_fd, int reply_fd, uint64_t region_size, mbox_access_fn access,
		void *opaque) __attribute__((warn_unused_result));

/* Unmaps and closes what mbox_attach() took.  Safe on a zeroed mbox. */
void mbox_detach(struct mbox *mb);

/* After each batch, keep polling the ring for up to poll_us microseconds
 * (capped at MBOX_MAX_POLL_US) before returning; 0, the default, returns
 * as soon as the ring is empty. */
void mbox_set_poll(struct mbox *mb, unsigned int poll_us);

/* Called when the request eventfd is readable: consumes its count, then
 * serves every request posted, polling for more if mbox_set_poll() asked
 * for it, for MBOX_SERVE_BUDGET_US at most; if requests are left then, it
 * writes the request eventfd itself so that they are not forgotten.
 * Returns the number served, or -EPROTO once the producer index is
 * corrupt (the mailbox is then broken for good). */
int mbox_process(struct mbox *mb);

/* Producer side: a reference implementation of the core's half, used by
 * the fake guest in tests (single producer, see above).  The core may use
 * it or implement the same protocol itself. */
struct mbox_producer {
	struct mbox_shared *shm;
	int req_fd;
	int reply_fd;
	uint32_t prod;
	uint64_t seq;
};

/* Writes the header and zeroes the indices of a fresh page. */
void mbox_producer_init(struct mbox_producer *p, void *shm, int req_fd, int reply_fd);
/* A posted write; waits up to timeout_ms for a free slot.  -ETIMEDOUT. */
int mbox_producer_write(struct mbox_producer *p, uint8_t bar, uint64_t offset,
			uint32_t size, uint64_t data, int timeout_ms);
/* A synchronous read; -ETIMEDOUT when the worker misses the deadline (the
 * caller then treats the value as all ones and the worker as dead). */
int mbox_producer_read(struct mbox_producer *p, uint8_t bar, uint64_t offset,
		       uint32_t size, uint64_t *data, int timeout_ms);

#endif
