/* PUT /entropy (Firecracker's EntropyDeviceConfig): adds the virtio-rng
 * device, served by its own worker process.  Pre-boot only. */
#include "api_internal.h"
#include "json_schema.h"

static const struct jfield fields[] = {
	{ "rate_limiter", JF_OBJECT, JF_NULLABLE, 0, "struct RateLimiterConfig" },
};

int api_entropy_decode(const json_t *body, struct entropy_config *out, char *err, size_t errlen)
{
	struct jvalue v[1];
	int ret;

	*out = (struct entropy_config){ 0 };
	ret = jschema_decode(body, fields, 1, v, err, errlen);
	if (!ret && v[0].given)
		ret = api_rate_limiter_decode(v[0].obj, &out->rate_limiter, err, errlen);
	if (!ret)
		out->present = true;
	return ret;
}

void api_put_entropy(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	struct entropy_config e;
	char err[API_FAULT_MAX];

	if (api_entropy_decode(body, &e, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return;
	}
	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	ctx->cfg->entropy = e;
}

json_t *api_entropy_json(const struct entropy_config *e)
{
	if (!e->present)
		return json_null();
	return json_pack("{s:o}", "rate_limiter", api_rate_limiter_json(&e->rate_limiter));
}

/* GET /workers: a splitvm extension, the state of every device worker. */
void api_get_workers(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	json_t *list = NULL;

	(void)body;
	if (ctx->ops && ctx->ops->workers)
		list = ctx->ops->workers(ctx->opaque);
	api_reply_json(r, list ? list : json_array());
}
