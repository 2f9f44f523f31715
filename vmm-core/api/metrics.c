/* PUT /metrics (Firecracker's MetricsConfig).  The file is checked here
 * as Firecracker opens it here; the VMM writes to it on FlushMetrics. */
#include <string.h>

#include "api_internal.h"
#include "json_schema.h"

static const struct jfield fields[] = {
	{ "metrics_path", JF_STRING, JF_REQUIRED, 0, NULL },
};

void api_put_metrics(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	struct jvalue v[1];
	char err[API_FAULT_MAX];
	char echo[API_ECHO_MAX + 8];
	char *path;
	int rc;

	if (jschema_decode(body, fields, 1, v, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return;
	}
	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	/* Firecracker's metrics system is initialised once per process. */
	if (ctx->cfg->metrics.metrics_path) {
		api_reply_fault(r, "Reinitialization of metrics not allowed.");
		return;
	}
	api_echo(echo, sizeof(echo), v[0].s, v[0].len);
	if (v[0].len == 0 || v[0].len >= API_PATH_MAX) {
		api_reply_fault(r, "Invalid metrics_path \"%s\": the path is %s.", echo,
				v[0].len ? "too long" : "empty");
		return;
	}
	rc = ctx->host->check_output_file(v[0].s);
	if (rc) {
		api_reply_fault(r, "Cannot initialize the metrics system: %s: %s (os error %d)", echo,
				strerror(-rc), -rc);
		return;
	}
	if (api_strdup_opt(v[0].s, &path)) {
		api_reply_oom(r);
		return;
	}
	ctx->cfg->metrics.metrics_path = path;
}
