/* Firecracker's RateLimiterConfig, shared by every device that takes one:
 * {"bandwidth": TokenBucket, "ops": TokenBucket}, each bucket
 * {"size": u64, "one_time_burst": u64 (optional), "refill_time": u64 ms}. */
#include "api_internal.h"
#include "json_schema.h"

static const struct jfield bucket_fields[] = {
	{ "size", JF_UINT, JF_REQUIRED, UINT64_MAX, "u64" },
	{ "one_time_burst", JF_UINT, JF_NULLABLE, UINT64_MAX, "u64" },
	{ "refill_time", JF_UINT, JF_REQUIRED, UINT64_MAX, "u64" },
};

static const struct jfield limiter_fields[] = {
	{ "bandwidth", JF_OBJECT, JF_NULLABLE, 0, "struct TokenBucketConfig" },
	{ "ops", JF_OBJECT, JF_NULLABLE, 0, "struct TokenBucketConfig" },
};

static int decode_bucket(const struct jvalue *v, struct token_bucket_config *b, char *err,
			 size_t errlen)
{
	struct jvalue f[3];
	int ret;

	*b = (struct token_bucket_config){ 0 };
	if (!v->given)
		return 0;
	ret = jschema_decode(v->obj, bucket_fields, 3, f, err, errlen);
	if (ret)
		return ret;
	*b = (struct token_bucket_config){ .present = true, .size = f[0].u,
					   .one_time_burst = f[1].u, .refill_time = f[2].u };
	return 0;
}

int api_rate_limiter_decode(const json_t *obj, struct rate_limiter_config *out, char *err,
			    size_t errlen)
{
	struct jvalue v[2];
	int ret;

	*out = (struct rate_limiter_config){ 0 };
	ret = jschema_decode(obj, limiter_fields, 2, v, err, errlen);
	if (!ret)
		ret = decode_bucket(&v[0], &out->bandwidth, err, errlen);
	if (!ret)
		ret = decode_bucket(&v[1], &out->ops, err, errlen);
	return ret;
}

static json_t *bucket_json(const struct token_bucket_config *b)
{
	if (!b->present)
		return json_null();
	return json_pack("{s:I, s:I, s:I}", "size", (json_int_t)b->size,
			 "one_time_burst", (json_int_t)b->one_time_burst,
			 "refill_time", (json_int_t)b->refill_time);
}

json_t *api_rate_limiter_json(const struct rate_limiter_config *rl)
{
	return json_pack("{s:o, s:o}", "bandwidth", bucket_json(&rl->bandwidth),
			 "ops", bucket_json(&rl->ops));
}
