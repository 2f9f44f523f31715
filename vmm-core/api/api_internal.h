/* Shared by the API's own files (one per resource) and its tests and
 * fuzzer; not for the rest of the core, which uses api.h. */
#ifndef SPLITVM_API_INTERNAL_H
#define SPLITVM_API_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api.h"

/* Room for a fault_message; longer ones are cut. */
#define API_FAULT_MAX 512

/* Echoed user strings (paths, field values) are cut to this many bytes
 * and reduced to printable ASCII before they reach a message or a log. */
#define API_ECHO_MAX 96

#define API_PATH_MAX 4096         /* PATH_MAX, NUL included */
#define API_CMDLINE_MAX 2048      /* x86 kernel command line, NUL included */

#define API_MSG_POST_BOOT "The requested operation is not supported after starting the microVM."
#define API_MSG_PRE_BOOT "The requested operation is not supported before starting the microVM."

/* What the handlers need from the host filesystem.  The real ones
 * (api_host_ops_default) open and stat files; the fuzzer swaps in fakes so
 * that hostile paths never touch the machine it runs on. */
struct api_host_ops {
	/* 0 when path names a regular file this process may read, else
	 * -errno (never opens it: no side effects of opening a device). */
	int (*check_readable_file)(const char *path);
	/* 0 when path opens for writing as Firecracker opens its log and
	 * metrics outputs (existing file or FIFO, O_RDWR|O_NONBLOCK), else
	 * -errno.  The file is closed again. */
	int (*check_output_file)(const char *path);
	/* Points the process log at the logger config (log_config_apply). */
	int (*apply_logger)(const struct logger_config *lc, char *err, size_t errlen);
};

extern const struct api_host_ops api_host_ops_default;

struct api_context {
	struct vm_config *cfg;
	const struct vmm_control_ops *ops;
	void *opaque;
	char *vmm_version;
	const struct api_host_ops *host;
	bool started;             /* instance_start succeeded */
	bool paused;              /* tracked for ops without state() */
};

void api_context_set_host_ops(struct api_context *ctx, const struct api_host_ops *host);

bool api_vm_started(struct api_context *ctx);
enum vm_run_state api_vm_state(struct api_context *ctx);

/* The outcome of one handler: 204 unless it sets JSON (200) or a fault
 * (400).  json is owned by the reply. */
struct api_reply {
	int status;
	json_t *json;
	char fault[API_FAULT_MAX];
};

void api_reply_init(struct api_reply *r);
void api_reply_clear(struct api_reply *r);
void api_reply_fault(struct api_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Firecracker's wording for a body that does not deserialize. */
void api_reply_deser(struct api_reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Takes ownership of json; NULL (out of memory) becomes a 500. */
void api_reply_json(struct api_reply *r, json_t *json);
void api_reply_oom(struct api_reply *r);
/* A fault built from an ops callback's -errno and message. */
void api_reply_op_error(struct api_reply *r, int rc, const char *err, const char *what);

/* Copies at most API_ECHO_MAX bytes of src into dst as printable ASCII
 * (other bytes become '?', a cut string ends in "..."). */
void api_echo(char *dst, size_t dstlen, const char *src, size_t srclen);

/* Replaces, in place, every byte of s that is not printable ASCII. */
void api_echo_all(char *s);

/* Handlers: body is the parsed JSON of a PUT/PATCH (any JSON type: each
 * handler checks it is an object), NULL for GET. */
typedef void (*api_handler_fn)(struct api_context *ctx, const json_t *body, struct api_reply *r);

void api_get_instance_info(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_get_version(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_get_machine_config(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_machine_config(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_patch_machine_config(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_boot_source(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_logger(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_metrics(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_serial(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_entropy(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_get_workers(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_put_actions(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_patch_vm(struct api_context *ctx, const json_t *body, struct api_reply *r);
void api_get_vm_config(struct api_context *ctx, const json_t *body, struct api_reply *r);

/* JSON views of the config, shared by GET routes and GET /vm/config. */
json_t *api_machine_config_json(const struct machine_config *m);

/* Sets *out to a heap copy of s, or NULL when s is NULL.  Returns 0 or
 * -ENOMEM.  Handlers copy every string first and commit only when all
 * copies succeeded, so a refused request leaves the config unchanged. */
int api_strdup_opt(const char *s, char **out);

/* Firecracker's RateLimiterConfig and EntropyDeviceConfig bodies. */
int api_rate_limiter_decode(const json_t *obj, struct rate_limiter_config *out, char *err,
			    size_t errlen);
json_t *api_rate_limiter_json(const struct rate_limiter_config *rl);
int api_entropy_decode(const json_t *body, struct entropy_config *out, char *err,
		       size_t errlen);
json_t *api_entropy_json(const struct entropy_config *e);

#endif
