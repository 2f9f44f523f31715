/* A virtio device for transport tests: two queues of up to 16, one
 * device-specific feature bit, 8 bytes of config space kept in memory; a
 * kick completes every available chain with 0 bytes written, or fails with
 * fail_with. */
#ifndef SPLITVM_TESTS_DUMMY_DEV_H
#define SPLITVM_TESTS_DUMMY_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtio_dev.h"

#define DUMMY_FEATURE 3

struct dummy {
	uint8_t config[8];
	unsigned int notified;
	int fail_with;
	unsigned int activated;
	unsigned int resets;
};

extern const struct virtio_device_ops dummy_ops;

/* The transport tests' guest memory, at guest address 0, and where they
 * put a queue's rings in it. */
#define DUMMY_MEM_SIZE	0x40000ULL
#define DESC		0x1000ULL
#define AVAIL		0x2000ULL
#define USED		0x3000ULL

extern uint8_t dummy_mem[DUMMY_MEM_SIZE];

/* The transport tests' common setup: dummy_mem, cleared, becomes gm and
 * dev a dummy device on transport.  Returns 0 or -errno. */
int dummy_dev_setup(struct virtio_dev *dev, struct dummy *d, struct guest_mem *gm,
		    enum virtio_transport transport);

/* A guest's register read or write through dev's transport (the MMIO
 * window or the PCI BAR), as the core forwards it; a refused access fails
 * the test.  A read that does not fill the value shows 0xdeadbeef. */
uint64_t guest_rd(struct virtio_dev *dev, uint64_t off, uint32_t size);
void guest_wr(struct virtio_dev *dev, uint64_t off, uint32_t size, uint64_t v);

/* True when the (non-blocking) eventfd was signalled; consumes the signal. */
bool eventfd_fired(int fd);

#endif
