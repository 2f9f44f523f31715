/* GET / (InstanceInfo) and GET /version (FirecrackerVersion). */
#include "api_internal.h"

static const char *state_name(enum vm_run_state s)
{
	switch (s) {
	case VM_STATE_NOT_STARTED:
		return "Not started";
	case VM_STATE_RUNNING:
		return "Running";
	case VM_STATE_PAUSED:
		return "Paused";
	case VM_STATE_HALTED:
		return "Halted";
	}
	return "Running";
}

void api_get_instance_info(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	api_reply_json(r, json_pack("{s:s, s:s, s:s, s:s}",
				    "id", ctx->cfg->id,
				    "state", state_name(api_vm_state(ctx)),
				    "vmm_version", ctx->vmm_version,
				    "app_name", "splitvm"));
}

void api_get_version(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	/* Firecracker's only field; SDKs read it.  It carries our version,
	 * not a Firecracker one we do not implement. */
	api_reply_json(r, json_pack("{s:s}", "firecracker_version", ctx->vmm_version));
}
