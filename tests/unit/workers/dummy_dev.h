/* A virtio device for transport tests: two queues of up to 16, one
 * device-specific feature bit, 8 bytes of config space kept in memory; a
 * kick completes every available chain with 0 bytes written, or fails with
 * fail_with. */
#ifndef SPLITVM_TESTS_DUMMY_DEV_H
#define SPLITVM_TESTS_DUMMY_DEV_H

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

#endif
