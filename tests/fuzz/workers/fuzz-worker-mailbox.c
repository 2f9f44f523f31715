/* fuzz-worker-mailbox: the worker's half of the forwarding mailbox reading
 * a page the core wrote (mailbox.h).  The core is more trusted than the
 * guest, but a bug there must not become a worker crash, and the promise
 * the worker's device code relies on is checked on every access: only
 * region 0, sizes 1/2/4/8, offset + size inside the region.
 *
 * Input:
 *   byte 0        bit 0: put a valid header (magic, version, ring size) on
 *                 the page so the fuzzer gets past mbox_attach()
 *                 bit 1: after attaching, store the next u32 as req_prod,
 *                 which mbox_attach() did not get to check
 *   bytes 1-4     that req_prod
 *   bytes 5-      the page, from offset 0 (the rest stays zero)
 */
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mailbox.h"

#define REGION_SIZE 0x4000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int shm_fd = -1;

static void check_access(void *opaque, uint8_t bar, uint64_t offset, uint32_t size,
			 bool write, uint64_t *val)
{
	(void)opaque;
	if (bar != 0 || (size != 1 && size != 2 && size != 4 && size != 8) ||
	    offset >= REGION_SIZE || size > REGION_SIZE - offset)
		__builtin_trap();
	if (!write)
		*val = offset * 0x0101010101010101ull;
}

static int make_fds(int fds[3])
{
	fds[0] = dup(shm_fd);
	fds[1] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	fds[2] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fds[0] >= 0 && fds[1] >= 0 && fds[2] >= 0)
		return 0;
	for (unsigned int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbox_shared *page;
	struct mbox mb;
	uint32_t prod;
	int fds[3];

	if (size < 5)
		return 0;
	if (shm_fd < 0) {
		shm_fd = memfd_create("fuzz-mailbox", MFD_CLOEXEC);
		if (shm_fd < 0 || ftruncate(shm_fd, MBOX_SHM_SIZE) < 0)
			__builtin_trap();
	}
	page = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, shm_fd, 0);
	if (page == MAP_FAILED)
		__builtin_trap();
	memset(page, 0, MBOX_SHM_SIZE);
	memcpy(page, data + 5, size - 5 < MBOX_SHM_SIZE ? size - 5 : MBOX_SHM_SIZE);
	if (data[0] & 1) {
		page->magic = MBOX_MAGIC;
		page->version = MBOX_LAYOUT_VERSION;
		page->ring_size = MBOX_RING_SIZE;
	}
	if (make_fds(fds))
		__builtin_trap();
	if (mbox_attach(&mb, fds[0], MBOX_SHM_SIZE, MBOX_LAYOUT_VERSION, fds[1], fds[2],
			REGION_SIZE, check_access, NULL)) {
		for (unsigned int i = 0; i < 3; i++)
			close(fds[i]);
		munmap(page, MBOX_SHM_SIZE);
		return 0;
	}
	if (data[0] & 2) {
		memcpy(&prod, data + 1, sizeof(prod));
		__atomic_store_n(&page->req_prod, prod, __ATOMIC_RELEASE);
	}
	(void)eventfd_write(mb.req_fd, 1);
	(void)mbox_process(&mb);
	(void)mbox_process(&mb);	/* once more: a broken mailbox stays broken */
	mbox_detach(&mb);
	munmap(page, MBOX_SHM_SIZE);
	return 0;
}
