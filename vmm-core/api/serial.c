/* PUT /serial (Firecracker's SerialConfig).  Only recorded: the VMM opens
 * (and may create) the file when the instance starts. */
#include <stdlib.h>

#include "api_internal.h"
#include "json_schema.h"

static const struct jfield fields[] = {
	{ "serial_out_path", JF_STRING, JF_NULLABLE, 0, NULL },
};

void api_put_serial(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	struct jvalue v[1];
	char err[API_FAULT_MAX];
	char *path;

	if (jschema_decode(body, fields, 1, v, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return;
	}
	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	if (v[0].given && (v[0].len == 0 || v[0].len >= API_PATH_MAX)) {
		api_reply_fault(r, "Invalid serial_out_path: the path is %s.",
				v[0].len ? "too long" : "empty");
		return;
	}
	if (api_strdup_opt(v[0].given ? v[0].s : NULL, &path)) {
		api_reply_oom(r);
		return;
	}
	free(ctx->cfg->serial.serial_out_path);
	ctx->cfg->serial.serial_out_path = path;
}
