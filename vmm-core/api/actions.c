/* PUT /actions (Firecracker's ActionBody): InstanceStart, SendCtrlAltDel,
 * FlushMetrics. */
#include <errno.h>
#include <stdio.h>

#include "api_internal.h"
#include "json_schema.h"
#include "log.h"

enum action { ACT_FLUSH_METRICS, ACT_INSTANCE_START, ACT_CTRL_ALT_DEL };

static const char *const action_names[] = { "FlushMetrics", "InstanceStart", "SendCtrlAltDel" };

static const struct jfield fields[] = {
	{ "action_type", JF_STRING, JF_REQUIRED, 0, NULL },
};

static void instance_start(struct api_context *ctx, struct api_reply *r)
{
	char err[API_FAULT_MAX] = "";
	int rc;

	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	if (!ctx->cfg->boot.kernel_image_path) {
		api_reply_fault(r, "Cannot start microvm without kernel configuration.");
		return;
	}
	if (!ctx->ops || !ctx->ops->instance_start) {
		api_reply_fault(r, "Starting the microVM is not supported by this build.");
		return;
	}
	rc = ctx->ops->instance_start(ctx->opaque, ctx->cfg, err, sizeof(err));
	if (rc) {
		api_reply_op_error(r, rc, err, "Starting the microVM");
		return;
	}
	ctx->started = true;
	ctx->paused = false;
	log_info("microVM %s started", ctx->cfg->id);
}

static void ctrl_alt_del(struct api_context *ctx, struct api_reply *r)
{
	char err[API_FAULT_MAX] = "";
	int rc;

	if (!api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_PRE_BOOT);
		return;
	}
	if (!ctx->ops || !ctx->ops->send_ctrl_alt_del) {
		api_reply_fault(r, "SendCtrlAltDel is not supported by this build.");
		return;
	}
	rc = ctx->ops->send_ctrl_alt_del(ctx->opaque, err, sizeof(err));
	if (rc)
		api_reply_op_error(r, rc, err, "SendCtrlAltDel");
}

static void flush_metrics(struct api_context *ctx, struct api_reply *r)
{
	char err[API_FAULT_MAX] = "";
	int rc;

	/* Allowed before and after boot, as in Firecracker. */
	if (!ctx->ops || !ctx->ops->flush_metrics) {
		api_reply_fault(r, "FlushMetrics is not supported by this build.");
		return;
	}
	rc = ctx->ops->flush_metrics(ctx->opaque, err, sizeof(err));
	if (rc)
		api_reply_op_error(r, rc, err, "FlushMetrics");
}

void api_put_actions(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	struct jvalue v[1];
	char err[API_FAULT_MAX];
	int act;

	if (jschema_decode(body, fields, 1, v, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return;
	}
	act = jschema_variant(v[0].s, action_names, 3, false, err, sizeof(err));
	switch (act) {
	case ACT_INSTANCE_START:
		instance_start(ctx, r);
		break;
	case ACT_CTRL_ALT_DEL:
		ctrl_alt_del(ctx, r);
		break;
	case ACT_FLUSH_METRICS:
		flush_metrics(ctx, r);
		break;
	default:
		api_reply_deser(r, "%s", err);
		break;
	}
}

int api_instance_start(struct api_context *ctx, char *err, size_t errlen)
{
	struct api_reply r;

	api_reply_init(&r);
	instance_start(ctx, &r);
	if (r.status < 300) {
		api_reply_clear(&r);
		return 0;
	}
	snprintf(err, errlen, "%s", r.fault);
	api_reply_clear(&r);
	return -EINVAL;
}
