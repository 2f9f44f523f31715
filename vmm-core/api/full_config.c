/* GET /vm/config: Firecracker's FullVmConfiguration (the config-file
 * format), with the sections splitvm does not support yet as null or []. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

/* A JSON string for s, or null.  Paths from the command line need not be
 * UTF-8; such bytes are shown as '?' rather than failing the request. */
static json_t *jstr(const char *s)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	copy = strdup(s);
	if (!copy)
		return NULL;
	api_echo_all(copy);
	j = json_string(copy);
	free(copy);
	return j;
}

static json_t *boot_source_json(const struct boot_source_config *b)
{
	json_t *j = json_pack("{s:o, s:o}",
			      "kernel_image_path", b->kernel_image_path ?
			      jstr(b->kernel_image_path) : json_string(""),
			      "initrd_path", jstr(b->initrd_path));

	/* Firecracker leaves boot_args out when it was not given. */
	if (j && b->boot_args && json_object_set_new(j, "boot_args", jstr(b->boot_args))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static json_t *logger_json(const struct vm_config *cfg)
{
	const struct logger_config *l = &cfg->logger;

	if (!cfg->logger_configured)
		return json_null();
	return json_pack("{s:o, s:o, s:b, s:b, s:o}",
			 "log_path", jstr(l->log_path),
			 "level", jstr(l->level),
			 "show_level", l->show_level,
			 "show_log_origin", l->show_log_origin,
			 "module", jstr(l->module));
}

static json_t *metrics_json(const struct metrics_config *m)
{
	if (!m->metrics_path)
		return json_null();
	return json_pack("{s:o}", "metrics_path", jstr(m->metrics_path));
}

static json_t *serial_json(const struct serial_config *s)
{
	if (!s->serial_out_path)
		return json_null();
	return json_pack("{s:o}", "serial_out_path", jstr(s->serial_out_path));
}

void api_get_vm_config(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	const struct vm_config *cfg = ctx->cfg;

	/* json_pack's "o" takes ownership even on failure, and fails the
	 * whole pack on a NULL, so out-of-memory anywhere gives NULL. */
	api_reply_json(r, json_pack("{s:n, s:[], s:o, s:n, s:o, s:o, s:o, s:n, s:[], s:n, s:o, s:o}",
				    "balloon",
				    "drives",
				    "boot-source", boot_source_json(&cfg->boot),
				    "cpu-config",
				    "logger", logger_json(cfg),
				    "machine-config", api_machine_config_json(&cfg->machine),
				    "metrics", metrics_json(&cfg->metrics),
				    "mmds-config",
				    "network-interfaces",
				    "vsock",
				    "entropy", api_entropy_json(&cfg->entropy),
				    "serial", serial_json(&cfg->serial)));
}
