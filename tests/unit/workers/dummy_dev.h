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

/* The transport tests' common setup: mem (size bytes) becomes guest memory
 * at address 0 and dev a dummy device on transport.  Returns 0 or -errno. */
int dummy_dev_setup(struct virtio_dev *dev, struct dummy *d, struct guest_mem *gm,
		    enum virtio_transport transport, uint8_t *mem, uint64_t size);

/* True when the (non-blocking) eventfd was signalled; consumes the signal. */
bool eventfd_fired(int fd);

#endif
