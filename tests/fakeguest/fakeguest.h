/* fakeguest: plays the guest driver and the core against a real device
 * worker binary, with no KVM and no privileges.
 *
 * As the core it creates the guest-memory memfd (two regions, sealed), the
 * mailbox page and its eventfds, the queue notify and interrupt eventfds,
 * spawns the worker with its control socket on fd 3 and sets it up over
 * the control channel (proto/channel.h).  As the guest driver it reads and
 * writes the device's registers through the mailbox exactly as trapped
 * guest accesses would arrive, builds split virtqueues in the memfd, kicks
 * the notify eventfd and waits for the interrupt eventfd.
 *
 * Functions return 0 / a value on success and a negative errno on failure;
 * register accessors record the first failure in fg->error (a test checks
 * it once instead of after every access).
 */
#ifndef SPLITVM_TESTS_FAKEGUEST_H
#define SPLITVM_TESTS_FAKEGUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "mailbox.h"
#include "virtio_spec.h"

/* Guest RAM: two regions of FG_REGION_SIZE, the second above 4 GiB, with
 * a hole between them. */
#define FG_REGION_SIZE		(2u << 20)
#define FG_REGION0_GPA		0x0ULL
#define FG_REGION1_GPA		0x100000000ULL
#define FG_MEM_SIZE		(2u * FG_REGION_SIZE)

/* Default ring placement (queue size up to 256). */
#define FG_DESC_GPA		0x10000ULL
#define FG_AVAIL_GPA		0x11000ULL
#define FG_USED_GPA		0x12000ULL
/* Buffers from here on. */
#define FG_BUF_GPA		0x20000ULL

#define FG_CONFIG_VECTOR	0
#define FG_QUEUE_VECTOR(q)	((q) + 1)
#define FG_MAX_QUEUES		4
#define FG_TIMEOUT_MS		5000

enum fg_transport {
	FG_PCI,
	FG_MMIO,
};

struct fg_options {
	enum fg_transport transport;
	uint32_t max_bytes_per_request;	/* RngConfig; 0: not sent */
	const char *const *extra_args;	/* appended to the worker's argv */
	const char *const *extra_env;	/* "NAME=value" added to its environment */
};

struct fg {
	enum fg_transport transport;
	pid_t pid;
	int ctl;
	uint32_t seq;
	int error;			/* first failure of a register access */

	int memfd;
	uint8_t *mem;

	int mbox_shm;
	int mbox_req;
	int mbox_reply;
	struct mbox_producer mbox;

	uint16_t num_queues;
	int notify_fd[FG_MAX_QUEUES];
	/* PCI: one per queue vector; MMIO: all are config_irq_fd (the pin) */
	int irq_fd[FG_MAX_QUEUES];
	int config_irq_fd;

	unsigned int needs_reset_events;

	/* driver-side state of the queue being driven */
	uint16_t qsize;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	uint16_t avail_idx;
	uint16_t used_seen;
};

/* Creates the resources and starts the worker at path (no messages yet). */
int fg_spawn(struct fg *g, const char *path, const struct fg_options *opts);
/* Hello, Configure, MemoryMap, Mailbox, QueueSetup for every queue,
 * ConfigInterrupt, Activate; each must be answered with status 0. */
int fg_setup(struct fg *g, const struct fg_options *opts, uint16_t num_queues,
	     uint16_t queue_max);
/* Sends Shutdown, waits for the reply and for the worker to exit; returns
 * its wait status, or negative errno. */
int fg_shutdown(struct fg *g);
/* Kills (SIGKILL) a worker still running, reaps it, frees everything. */
void fg_destroy(struct fg *g);

/* Waits up to timeout_ms for the worker to end; its wait status, or
 * -ETIMEDOUT. */
int fg_wait_exit(struct fg *g, int timeout_ms);
bool fg_worker_alive(struct fg *g);

/* Control channel: sends a request, returns the Reply's status (>= 0) or a
 * negative errno.  Events that arrive meanwhile are counted. */
int fg_call(struct fg *g, unsigned int type, const void *body, const int *fds,
	    unsigned int nfds);
/* Waits for an EVENT_NEEDS_RESET event (or finds one already counted);
 * consumes it. */
int fg_wait_needs_reset_event(struct fg *g, int timeout_ms);
/* GetStats: the counter's value, or negative errno. */
int64_t fg_stat(struct fg *g, const char *name);

/* Register accesses through the mailbox (region 0). */
uint64_t fg_read(struct fg *g, uint64_t offset, uint32_t size);
void fg_write(struct fg *g, uint64_t offset, uint32_t size, uint64_t value);

/* Transport-independent driver steps. */
uint8_t fg_get_status(struct fg *g);
void fg_set_status(struct fg *g, uint8_t status);
uint64_t fg_device_features(struct fg *g);
void fg_set_driver_features(struct fg *g, uint64_t features);
/* "Device Initialization" steps 1-6: reset, ACKNOWLEDGE, DRIVER, features,
 * FEATURES_OK and the re-read of status.  Returns 1 when FEATURES_OK stuck, 0
 * when the device refused the features, negative on a channel error. */
int fg_negotiate(struct fg *g, uint64_t features);
/* Programs and enables queue q with the given size and ring addresses. */
void fg_queue_setup(struct fg *g, uint16_t q, uint16_t size, uint64_t desc,
		    uint64_t avail, uint64_t used);
uint16_t fg_queue_max(struct fg *g, uint16_t q);
/* fg_negotiate + fg_queue_setup(0, size, defaults) + DRIVER_OK.  Returns
 * 0 when the device ends up DRIVER_OK without NEEDS_RESET. */
int fg_bring_up(struct fg *g, uint64_t features, uint16_t size);

/* Guest memory as the driver sees it. */
void *fg_gpa(struct fg *g, uint64_t gpa, uint64_t len);
void fg_set_desc(struct fg *g, uint64_t table_gpa, uint16_t idx, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next);
/* Puts head in the available ring and publishes it (release store). */
void fg_avail_add(struct fg *g, uint16_t head);
/* Writes avail->idx directly (for hostile-driver tests). */
void fg_set_avail_idx(struct fg *g, uint16_t idx);
void fg_set_used_event(struct fg *g, uint16_t v);
void fg_set_avail_flags(struct fg *g, uint16_t flags);
uint16_t fg_used_idx(struct fg *g);
uint16_t fg_avail_event(struct fg *g);
/* Reads used ring element n (acquire on used->idx first). */
void fg_used_elem(struct fg *g, uint16_t n, uint32_t *id, uint32_t *len);
void fg_kick(struct fg *g, uint16_t q);
/* Waits for the queue's (or config) interrupt eventfd: 1 fired, 0 not
 * within timeout_ms. */
int fg_wait_queue_irq(struct fg *g, uint16_t q, int timeout_ms);
int fg_wait_config_irq(struct fg *g, int timeout_ms);
/* Waits until used->idx reaches want: 0, or -ETIMEDOUT. */
int fg_wait_used(struct fg *g, uint16_t want, int timeout_ms);

#endif
