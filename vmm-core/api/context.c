/* The API context: the config it edits, the VMM it drives, and the
 * pre-/post-boot state that decides which routes are allowed. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

struct api_context *api_context_new(struct vm_config *cfg, const struct vmm_control_ops *ops,
				    void *opaque, const char *vmm_version)
{
	struct api_context *ctx = calloc(1, sizeof(*ctx));

	if (!ctx)
		return NULL;
	ctx->vmm_version = strdup(vmm_version ? vmm_version : "");
	if (!ctx->vmm_version) {
		free(ctx);
		return NULL;
	}
	ctx->cfg = cfg;
	ctx->ops = ops;
	ctx->opaque = opaque;
	ctx->host = &api_host_ops_default;
	return ctx;
}

void api_context_free(struct api_context *ctx)
{
	if (!ctx)
		return;
	free(ctx->vmm_version);
	free(ctx);
}

void api_context_set_host_ops(struct api_context *ctx, const struct api_host_ops *host)
{
	ctx->host = host ? host : &api_host_ops_default;
}

enum vm_run_state api_vm_state(struct api_context *ctx)
{
	if (ctx->ops && ctx->ops->state)
		return ctx->ops->state(ctx->opaque);
	if (!ctx->started)
		return VM_STATE_NOT_STARTED;
	return ctx->paused ? VM_STATE_PAUSED : VM_STATE_RUNNING;
}

bool api_vm_started(struct api_context *ctx)
{
	/* Our own flag as well as the VMM's view: a VMM that reports
	 * "not started" a moment after instance_start returned must still
	 * not see its config change under it. */
	return ctx->started || api_vm_state(ctx) != VM_STATE_NOT_STARTED;
}
