/* PATCH /vm (Firecracker's Vm state: Paused | Resumed). */
#include "api_internal.h"
#include "json_schema.h"

enum { VM_PAUSED, VM_RESUMED };

static const char *const state_names[] = { "Paused", "Resumed" };

static const struct jfield fields[] = {
	{ "state", JF_STRING, JF_REQUIRED, 0, NULL },
};

void api_patch_vm(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	int (*op)(void *opaque, char *err, size_t errlen);
	struct jvalue v[1];
	char err[API_FAULT_MAX] = "";
	int state, rc;

	if (jschema_decode(body, fields, 1, v, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return;
	}
	state = jschema_variant(v[0].s, state_names, 2, false, err, sizeof(err));
	if (state < 0) {
		api_reply_deser(r, "%s", err);
		return;
	}
	if (!api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_PRE_BOOT);
		return;
	}
	op = ctx->ops ? (state == VM_PAUSED ? ctx->ops->pause : ctx->ops->resume) : NULL;
	if (!op) {
		api_reply_fault(r, "Changing the microVM state is not supported by this build.");
		return;
	}
	err[0] = '\0';
	rc = op(ctx->opaque, err, sizeof(err));
	if (rc) {
		api_reply_op_error(r, rc, err, state == VM_PAUSED ? "Pausing the microVM" :
				   "Resuming the microVM");
		return;
	}
	ctx->paused = state == VM_PAUSED;
}
