/* The device worker process: startup, sandbox, control channel and event
 * loop shared by every vmm-worker-<dev> binary.  A device's main() is
 *
 *     int main(int argc, char **argv)
 *     {
 *             return worker_main(argc, argv, &rng_worker_device);
 *     }
 *
 * File descriptors: worker_fds.h.
 *
 * Sequence: the worker enters its sandbox, then exchanges Hello with the
 * core (protocol version and device type must match), then serves control
 * messages, mailbox requests and queue kicks on one libevent loop until
 * Shutdown or until the core hangs up.  Every request from the core is
 * answered with a Reply (0 or a positive errno).  When the device enters
 * DEVICE_NEEDS_RESET the worker sends an Event (EVENT_NEEDS_RESET).
 *
 * Options (development): --seccomp-log (or SPLITVM_SECCOMP_LOG=1) puts
 * seccomp in log mode; --log-level LEVEL; --print-policy lists the seccomp
 * allowlist and exits; --version.  --mailbox-spin-us N (0 to 1000, default
 * 0) keeps polling the register mailbox for N microseconds after each
 * batch of requests (mailbox.h, "Polling").
 */
#ifndef SPLITVM_WORKERS_WORKER_H
#define SPLITVM_WORKERS_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "control.pb-c.h"
#include "sandbox.h"
#include "virtio_dev.h"
#include "worker_fds.h"

struct worker_device {
	const struct virtio_device_ops *ops;
	const struct sandbox_policy *policy;
	Ctl__DeviceType device_type;
	/* RLIMIT_FSIZE 0: the device writes no files at all. */
	bool no_file_writes;
	/* Allocates the device state for a Configure message (its device oneof
	 * is already known to match device_type).  Returns the state (priv of
	 * the virtio_dev) or NULL with *err set to a negative errno. */
	void *(*configure)(const Ctl__Configure *cfg, int *err);
	void (*destroy)(void *priv);
	/* Device counters for GetStats: fills up to max names/values,
	 * returns how many.  Optional. */
	unsigned int (*stats)(void *priv, const char **names, uint64_t *values,
			      unsigned int max);
};

/* Runs the worker; returns the process exit status. */
int worker_main(int argc, char **argv, const struct worker_device *wd);

#endif
