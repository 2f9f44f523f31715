/* Firecracker-compatible REST API on a unix socket (libevent evhttp +
 * jansson).  The handlers are plain functions from (method, path, body) to
 * (status, body) so that unit tests call them without a socket; the server
 * part only moves bytes.  The API never waits on a vCPU: every action goes
 * through struct vmm_control_ops, whose implementations return at once. */
#ifndef SPLITVM_API_H
#define SPLITVM_API_H

#include <stddef.h>

#include "vm_config.h"

enum vm_run_state {
	VM_STATE_NOT_STARTED,
	VM_STATE_RUNNING,
	VM_STATE_PAUSED,
	VM_STATE_HALTED,
};

/* What the API asks of the VMM.  Each returns 0 or -errno and, on error,
 * writes a fault_message into err.  None of them may block on a vCPU. */
struct vmm_control_ops {
	int (*instance_start)(void *opaque, const struct vm_config *cfg, char *err, size_t errlen);
	int (*pause)(void *opaque, char *err, size_t errlen);
	int (*resume)(void *opaque, char *err, size_t errlen);
	int (*send_ctrl_alt_del)(void *opaque, char *err, size_t errlen);
	int (*flush_metrics)(void *opaque, char *err, size_t errlen);
	enum vm_run_state (*state)(void *opaque);
};

struct api_response {
	int status;               /* 200, 204, 400, 404, 405, 500 */
	char *body;               /* malloc'd JSON or NULL (204) */
};

struct api_context;

struct api_context *api_context_new(struct vm_config *cfg, const struct vmm_control_ops *ops,
				    void *opaque, const char *vmm_version);
void api_context_free(struct api_context *ctx);

/* Dispatches one request.  body may be NULL/0-length.  Never fails: bad
 * input becomes a 400 with {"fault_message": "..."}. */
void api_handle(struct api_context *ctx, const char *method, const char *path,
		const char *body, size_t body_len, struct api_response *resp);
void api_response_free(struct api_response *resp);

/* Applies a Firecracker JSON config file (boot-source, machine-config,
 * logger, metrics, serial, and later drives, network-interfaces, vsock,
 * entropy) to cfg through the same validation as the API.  Returns 0 or
 * -errno with a message in err. */
int api_apply_config_file(struct api_context *ctx, const char *json, size_t len,
			  char *err, size_t errlen);

struct event_base;
/* Binds a new unix socket at path (refusing an existing path: -EEXIST),
 * serves ctx on base with the body limit max_payload (an over-limit body
 * gets Firecracker's 400, not evhttp's 413).  The socket file is removed
 * by api_server_stop() only if this process created it. */
struct api_server;
int api_server_start(struct event_base *base, struct api_context *ctx, const char *path,
		     size_t max_payload, struct api_server **out);
void api_server_stop(struct api_server *srv);

#endif
