/* GET, PUT and PATCH /machine-config (Firecracker's MachineConfig and
 * MachineConfigUpdate, with VmConfig::update's checks). */
#include <stdio.h>
#include <string.h>

#include "api_internal.h"
#include "json_schema.h"

/* The memory size in bytes must fit in 64 bits for every later sum. */
#define MEM_SIZE_MIB_MAX (UINT64_MAX >> 20)

enum {
	F_VCPU,
	F_MEM,
	F_SMT,
	F_DIRTY,
	F_HUGE,
	F_TEMPLATE,
	F_COUNT,
};

static const char *const huge_pages_names[] = { "None", "2M" };

/* A partial update: what PATCH gave, or everything for PUT. */
struct mc_update {
	bool has[F_COUNT];
	unsigned int vcpu_count;
	uint64_t mem_size_mib;
	bool smt;
	bool track_dirty_pages;
	int huge_pages;           /* index in huge_pages_names */
};

json_t *api_machine_config_json(const struct machine_config *m)
{
	return json_pack("{s:i, s:I, s:b, s:b, s:s}",
			 "vcpu_count", (int)m->vcpu_count,
			 "mem_size_mib", (json_int_t)m->mem_size_mib,
			 "smt", m->smt,
			 "track_dirty_pages", m->track_dirty_pages,
			 "huge_pages", m->huge_pages);
}

void api_get_machine_config(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	api_reply_json(r, api_machine_config_json(&ctx->cfg->machine));
}

static int decode_template(const struct jvalue *v, struct api_reply *r)
{
	char echo[API_ECHO_MAX + 8];

	if (!v->given || strcmp(v->s, "None") == 0)
		return 0;
	/* Firecracker's static templates (C3, T2, ...) mask CPUID bits;
	 * splitvm does not implement them, and running without the mask the
	 * client asked for would be a silent lie. */
	api_echo(echo, sizeof(echo), v->s, v->len);
	api_reply_fault(r, "CPU templates are not supported by splitvm (cpu_template \"%s\"); "
			"omit the field or set it to \"None\".", echo);
	return -1;
}

static int mc_decode(const json_t *body, bool put, struct mc_update *u, struct api_reply *r)
{
	/* PUT: Firecracker's MachineConfig (two required fields, defaults for
	 * the rest); PATCH: MachineConfigUpdate (everything optional). */
	unsigned int opt = put ? 0 : JF_NULLABLE;
	unsigned int req = put ? JF_REQUIRED : JF_NULLABLE;
	const struct jfield fields[F_COUNT] = {
		[F_VCPU] = { "vcpu_count", JF_UINT, req, JF_U8_MAX, "u8" },
		[F_MEM] = { "mem_size_mib", JF_UINT, req, JF_USIZE_MAX, "usize" },
		[F_SMT] = { "smt", JF_BOOL, opt, 0, NULL },
		[F_DIRTY] = { "track_dirty_pages", JF_BOOL, opt, 0, NULL },
		[F_HUGE] = { "huge_pages", JF_STRING, opt, 0, NULL },
		[F_TEMPLATE] = { "cpu_template", JF_STRING, JF_NULLABLE, 0, NULL },
	};
	struct jvalue v[F_COUNT];
	char err[API_FAULT_MAX];
	int huge = 0;

	if (jschema_decode(body, fields, F_COUNT, v, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return -1;
	}
	if (v[F_HUGE].given) {
		huge = jschema_variant(v[F_HUGE].s, huge_pages_names, 2, false, err, sizeof(err));
		if (huge < 0) {
			api_reply_deser(r, "%s", err);
			return -1;
		}
	}
	if (decode_template(&v[F_TEMPLATE], r))
		return -1;

	memset(u, 0, sizeof(*u));
	for (int i = 0; i < F_COUNT; i++)
		u->has[i] = put || v[i].given;
	u->has[F_TEMPLATE] = v[F_TEMPLATE].given;
	if (!put) {
		bool any = false;

		for (int i = 0; i < F_COUNT; i++)
			any |= u->has[i];
		if (!any) {
			api_reply_fault(r, "Empty PATCH request.");
			return -1;
		}
	}
	/* Absent PUT fields take their defaults (v[] is zeroed). */
	u->vcpu_count = (unsigned int)v[F_VCPU].u;
	u->mem_size_mib = v[F_MEM].u;
	u->smt = v[F_SMT].b;
	u->track_dirty_pages = v[F_DIRTY].b;
	u->huge_pages = huge;
	return 0;
}

/* VmConfig::update(): computes the new machine config into out. */
static int mc_apply(const struct machine_config *cur, const struct mc_update *u,
		    struct machine_config *out, struct api_reply *r)
{
	*out = *cur;
	if (u->has[F_VCPU])
		out->vcpu_count = u->vcpu_count;
	if (u->has[F_SMT])
		out->smt = u->smt;
	if (u->has[F_MEM])
		out->mem_size_mib = u->mem_size_mib;
	if (u->has[F_DIRTY])
		out->track_dirty_pages = u->track_dirty_pages;
	if (u->has[F_HUGE])
		snprintf(out->huge_pages, sizeof(out->huge_pages), "%s",
			 huge_pages_names[u->huge_pages]);

	if (out->vcpu_count == 0 || out->vcpu_count > VM_VCPU_MAX ||
	    (out->smt && out->vcpu_count > 1 && out->vcpu_count % 2)) {
		api_reply_fault(r, "The number of vCPUs must be greater than 0, less than %d and must "
				"be 1 or an even number if SMT is enabled. (vcpu_count %u, smt %s)",
				VM_VCPU_MAX, out->vcpu_count, out->smt ? "true" : "false");
		return -1;
	}
	if (out->mem_size_mib == 0 ||
	    (machine_config_huge_2m(out) && out->mem_size_mib % 2)) {
		api_reply_fault(r, "The memory size (MiB) is either 0, or not a multiple of the "
				"configured page size. (mem_size_mib %llu, huge_pages %s)",
				(unsigned long long)out->mem_size_mib, out->huge_pages);
		return -1;
	}
	if (out->mem_size_mib > MEM_SIZE_MIB_MAX) {
		api_reply_fault(r, "The memory size (MiB) is too large: %llu (at most %llu).",
				(unsigned long long)out->mem_size_mib,
				(unsigned long long)MEM_SIZE_MIB_MAX);
		return -1;
	}
	return 0;
}

static void mc_update(struct api_context *ctx, const json_t *body, bool put, struct api_reply *r)
{
	struct mc_update u;
	struct machine_config next;

	if (mc_decode(body, put, &u, r))
		return;
	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	/* The whole update fails if any value is bad: compute, then commit. */
	if (mc_apply(&ctx->cfg->machine, &u, &next, r))
		return;
	ctx->cfg->machine = next;
}

void api_put_machine_config(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	mc_update(ctx, body, true, r);
}

void api_patch_machine_config(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	mc_update(ctx, body, false, r);
}
