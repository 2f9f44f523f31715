/* api_handle(): from (method, path, body) to a handler, in the order
 * Firecracker's parsed_request.rs checks things, so that the same bad
 * request gets the same fault_message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "log.h"

struct api_route {
	const char *method;
	const char *path;         /* without the leading '/' */
	api_handler_fn handler;
};

static const struct api_route routes[] = {
	{ "GET", "", api_get_instance_info },
	{ "GET", "version", api_get_version },
	{ "GET", "machine-config", api_get_machine_config },
	{ "GET", "vm/config", api_get_vm_config },
	{ "PUT", "boot-source", api_put_boot_source },
	{ "PUT", "machine-config", api_put_machine_config },
	{ "PATCH", "machine-config", api_patch_machine_config },
	{ "PUT", "logger", api_put_logger },
	{ "PUT", "metrics", api_put_metrics },
	{ "PUT", "serial", api_put_serial },
	{ "PUT", "entropy", api_put_entropy },
	{ "GET", "workers", api_get_workers },
	{ "PUT", "actions", api_put_actions },
	{ "PATCH", "vm", api_patch_vm },
};

/* Firecracker resources splitvm does not implement yet: the fault says
 * so, after Firecracker's own wording. */
static const char *const unsupported[] = {
	"drives", "network-interfaces", "vsock", "balloon", "mmds",
	"snapshot", "cpu-config", "hotplug", "pmem",
};

static const char *unsupported_resource(const char *key, size_t len)
{
	size_t first = 0;

	while (first < len && key[first] != '/')
		first++;
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		if (strlen(unsupported[i]) == first && memcmp(unsupported[i], key, first) == 0)
			return unsupported[i];
	}
	return NULL;
}

/* Firecracker trims every leading '/' and ignores a trailing one
 * ("/machine-config/" is /machine-config). */
static void route_key(const char *path, const char **start, size_t *len)
{
	size_t n;

	while (*path == '/')
		path++;
	n = strlen(path);
	while (n && path[n - 1] == '/')
		n--;
	*start = path;
	*len = n;
}

static const struct api_route *find_route(const char *method, const char *key, size_t len)
{
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		if (strcmp(routes[i].method, method) == 0 && strlen(routes[i].path) == len &&
		    memcmp(routes[i].path, key, len) == 0)
			return &routes[i];
	}
	return NULL;
}

static json_t *parse_body(const char *body, size_t len, struct api_reply *r)
{
	json_error_t jerr;
	json_t *j;

	/* Duplicate keys are refused as serde refuses duplicate fields; NUL
	 * inside strings stays refused (no JSON_ALLOW_NUL); any JSON type
	 * parses so that the handler names what it expected. */
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!j) {
		char echo[API_ECHO_MAX + 8];

		api_echo(echo, sizeof(echo), jerr.text, strlen(jerr.text));
		api_reply_deser(r, "%s at line %d column %d", echo, jerr.line, jerr.column);
	}
	return j;
}

static void dispatch(struct api_context *ctx, const char *method, const char *path,
		     const char *body, size_t body_len, struct api_reply *r)
{
	const struct api_route *route;
	const char *key;
	char echo_m[API_ECHO_MAX + 8], echo_p[API_ECHO_MAX + 8];
	size_t key_len;
	json_t *j = NULL;
	bool has_body = body && body_len;

	if (strcmp(method, "GET") == 0 && has_body) {
		api_reply_fault(r, "GET request cannot have a body.");
		return;
	}
	if (strcmp(method, "PUT") == 0 && !has_body) {
		api_reply_fault(r, "Empty PUT request.");
		return;
	}
	if (strcmp(method, "PATCH") == 0 && !has_body) {
		api_reply_fault(r, "Empty PATCH request.");
		return;
	}
	route_key(path, &key, &key_len);
	route = find_route(method, key, key_len);
	if (!route) {
		const char *res = unsupported_resource(key, key_len);

		api_echo(echo_m, sizeof(echo_m), method, strlen(method));
		api_echo(echo_p, sizeof(echo_p), key, key_len);
		if (res)
			api_reply_fault(r, "Invalid request method and/or path: %s %s. (splitvm does "
					"not support /%s yet)", echo_m, echo_p, res);
		else
			api_reply_fault(r, "Invalid request method and/or path: %s %s.", echo_m,
					echo_p);
		return;
	}
	if (has_body) {
		j = parse_body(body, body_len, r);
		if (!j)
			return;
	}
	route->handler(ctx, j, r);
	json_decref(j);
}

/* Turns a reply into the bytes the server sends. */
static void to_response(struct api_reply *r, struct api_response *resp)
{
	json_t *fault;

	resp->status = r->status;
	resp->body = NULL;
	if (r->status == 204)
		return;
	if (r->json) {
		resp->body = json_dumps(r->json, JSON_COMPACT);
	} else {
		fault = json_pack("{s:s}", "fault_message", r->fault);
		if (!fault) {
			/* A message from a VMM callback may carry bytes that are
			 * not UTF-8; show them as '?' rather than failing. */
			api_echo_all(r->fault);
			fault = json_pack("{s:s}", "fault_message", r->fault);
		}
		resp->body = fault ? json_dumps(fault, JSON_COMPACT) : NULL;
		json_decref(fault);
	}
	if (!resp->body) {
		/* Out of memory (or a message jansson refused): a fixed body
		 * that needs no allocation beyond the copy. */
		resp->status = 500;
		resp->body = strdup("{\"fault_message\":\"Internal error while building the response.\"}");
	}
}

void api_handle(struct api_context *ctx, const char *method, const char *path,
		const char *body, size_t body_len, struct api_response *resp)
{
	struct api_reply r;
	char echo_m[API_ECHO_MAX + 8], echo_p[API_ECHO_MAX + 8];

	api_reply_init(&r);
	dispatch(ctx, method ? method : "", path ? path : "/", body, body_len, &r);
	api_echo(echo_m, sizeof(echo_m), method ? method : "", method ? strlen(method) : 0);
	api_echo(echo_p, sizeof(echo_p), path ? path : "", path ? strlen(path) : 0);
	/* The one place a refused request is logged. */
	if (r.status >= 400)
		log_warn("API %s %s: %d %s", echo_m, echo_p, r.status, r.fault);
	else
		log_debug("API %s %s: %d", echo_m, echo_p, r.status);
	to_response(&r, resp);
	api_reply_clear(&r);
}

void api_response_free(struct api_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
}
