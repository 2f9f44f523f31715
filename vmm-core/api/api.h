/* Firecracker-compatible REST API on a unix socket (libevent evhttp +
 * jansson).  The handlers are plain functions from (method, path, body) to
 * (status, body) so that unit tests call them without a socket; the server
 * part only moves bytes.  The API never waits on a vCPU: every action goes
 * through struct vmm_control_ops, whose implementations return at once.
 *
 * Threading: api_handle(), api_apply_config_file(), api_instance_start()
 * and the server run on one thread (the API thread; before the server
 * starts, main's thread).  Nothing here takes a lock; the ops callbacks are
 * called on that thread and must do their own synchronisation with the
 * vCPU threads. */
#ifndef SPLITVM_API_H
#define SPLITVM_API_H

#include <stddef.h>

#include "vm_config.h"

/* Firecracker's --http-api-max-payload-size default. */
#define API_DEFAULT_MAX_PAYLOAD 51200

enum vm_run_state {
	VM_STATE_NOT_STARTED,
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,
	VM_STATE_HALTED,          /* reported as "Halted" by GET / */
};

/* What the API asks of the VMM.  Each returns 0 or -errno and, on error,
 * writes a fault_message into err (NUL-terminated, errlen >= 256; an empty
 * err becomes a generic message built from the errno).  None of them may
 * block on a vCPU.
 *
 * instance_start: cfg is final (the API refuses every pre-boot route once
 *   this returned 0, so the VMM may keep the pointer and read it from any
 *   thread).  The kernel and initrd were checked readable at PUT
 *   /boot-source, but the VMM opens them for real here and reports a
 *   missing or bad file in err.  On failure the VM must be left as before
 *   the call (the client may fix the config and retry), or the VMM exits.
 * pause/resume: only called after a successful instance_start.
 * send_ctrl_alt_del: only called after a successful instance_start.
 * flush_metrics: called before and after start; cfg->metrics.metrics_path
 *   says where (NULL: not configured — the VMM decides whether that is an
 *   error).
 * state: cheap, called on every GET / and to decide pre/post boot.  May be
 *   NULL, then the API tracks the state itself (started after a successful
 *   instance_start, pause/resume as acknowledged). */
struct vmm_control_ops {
	int (*instance_start)(void *opaque, const struct vm_config *cfg, char *err, size_t errlen);
	int (*pause)(void *opaque, char *err, size_t errlen);
	int (*resume)(void *opaque, char *err, size_t errlen);
	int (*send_ctrl_alt_del)(void *opaque, char *err, size_t errlen);
	int (*flush_metrics)(void *opaque, char *err, size_t errlen);
	enum vm_run_state (*state)(void *opaque);
	/* GET /workers (a splitvm extension): a JSON array, owned by the
	 * caller; NULL op or NULL result: an empty list. */
	struct json_t *(*workers)(void *opaque);
};

struct api_response {
	int status;               /* 200, 204 or 400 (500 only when out of memory) */
	char *body;               /* malloc'd JSON or NULL (204) */
};

struct api_context;

/* cfg and ops stay owned by the caller and must outlive the context;
 * vmm_version is copied.  Returns NULL when out of memory. */
struct api_context *api_context_new(struct vm_config *cfg, const struct vmm_control_ops *ops,
				    void *opaque, const char *vmm_version);
void api_context_free(struct api_context *ctx);

/* Dispatches one request.  method is "GET", "PUT", "PATCH", ...; path is
 * the URI path without the query ("/machine-config").  body may be
 * NULL/0-length (no body).  Never fails: bad input becomes a 400 with
 * {"fault_message": "..."}.  Free resp with api_response_free(). */
void api_handle(struct api_context *ctx, const char *method, const char *path,
		const char *body, size_t body_len, struct api_response *resp);
void api_response_free(struct api_response *resp);

/* Applies a Firecracker JSON config file ("boot-source", "machine-config",
 * "logger", "metrics", "serial"; "drives" and "network-interfaces" only as
 * empty arrays) to the context's config through the same validation as the
 * API.  Sections splitvm does not support yet ("vsock",
 * "balloon", "mmds-config", "cpu-config", non-empty "drives", ...) and
 * unknown keys are refused with a message naming them.  Does not start the
 * VM: main.c calls api_instance_start() next, as Firecracker boots a
 * --config-file VM at once.  On failure the config may be partly applied
 * (the caller exits).  Returns 0 or -errno with a message in err. */
int api_apply_config_file(struct api_context *ctx, const char *json, size_t len,
			  char *err, size_t errlen);

/* PUT /actions {"action_type": "InstanceStart"} without HTTP: same checks,
 * same ops->instance_start call.  Returns 0 or -errno with the
 * fault_message in err. */
int api_instance_start(struct api_context *ctx, char *err, size_t errlen);

struct event_base;
struct api_server;
/* Binds a new unix socket at path (refusing an existing path: -EEXIST;
 * a path too long for sun_path: -ENAMETOOLONG) and serves ctx on base.
 * Returns 0 or -errno, without logging (the caller does).  Bodies over
 * max_payload bytes get Firecracker's 400 with a fault_message; evhttp
 * buffers at most max_payload + max(max_payload, 64 KiB) per request and
 * cuts off anything larger with its own 413 (see docs/api.md).  base is
 * the caller's; run it on the API thread. */
int api_server_start(struct event_base *base, struct api_context *ctx, const char *path,
		     size_t max_payload, struct api_server **out);
/* Told of every request the server answers, once its reply is queued: the
 * method ("GET", ..., "UNKNOWN"), the URI path without the query (client
 * bytes, unchecked) and the HTTP status.  Requests evhttp refuses before
 * they reach the server (malformed HTTP, its own 413) are not seen.  Runs
 * on the API thread; fn NULL turns it off. */
typedef void (*api_request_observer_fn)(void *opaque, const char *method, const char *path,
					int status);
void api_server_set_observer(struct api_server *srv, api_request_observer_fn fn, void *opaque);
/* Closes the socket and every connection, and removes the socket file if
 * it is still the one api_server_start() created (never another file).
 * Call on the API thread, with the loop stopped or from a callback on it. */
void api_server_stop(struct api_server *srv);

#endif
