/* PUT /logger (Firecracker's LoggerConfig).  Applied at once, as in
 * Firecracker: lines after a 204 go to the new log. */
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "json_schema.h"

enum {
	F_PATH,
	F_LEVEL,
	F_SHOW_LEVEL,
	F_SHOW_ORIGIN,
	F_MODULE,
	F_COUNT,
};

static const struct jfield fields[F_COUNT] = {
	[F_PATH] = { "log_path", JF_STRING, JF_NULLABLE, 0, NULL },
	[F_LEVEL] = { "level", JF_STRING, JF_NULLABLE, 0, NULL },
	[F_SHOW_LEVEL] = { "show_level", JF_BOOL, JF_NULLABLE, 0, NULL },
	[F_SHOW_ORIGIN] = { "show_log_origin", JF_BOOL, JF_NULLABLE, 0, NULL },
	[F_MODULE] = { "module", JF_STRING, JF_NULLABLE, 0, NULL },
};

static const char *const level_names[] = { "Error", "Warning", "Info", "Debug", "Trace", "Off" };

static int logger_decode(const json_t *body, struct jvalue *v, struct api_reply *r)
{
	char err[API_FAULT_MAX];

	if (jschema_decode(body, fields, F_COUNT, v, err, sizeof(err)) ||
	    (v[F_LEVEL].given &&
	     jschema_variant(v[F_LEVEL].s, level_names, 6, true, err, sizeof(err)) < 0)) {
		api_reply_deser(r, "%s", err);
		return -1;
	}
	return 0;
}

static int logger_copy(const struct jvalue *v, struct logger_config *lc, struct api_reply *r)
{
	memset(lc, 0, sizeof(*lc));
	lc->show_level = v[F_SHOW_LEVEL].b;
	lc->show_log_origin = v[F_SHOW_ORIGIN].b;
	if (api_strdup_opt(v[F_PATH].given ? v[F_PATH].s : NULL, &lc->log_path) ||
	    api_strdup_opt(v[F_LEVEL].given ? v[F_LEVEL].s : NULL, &lc->level) ||
	    api_strdup_opt(v[F_MODULE].given ? v[F_MODULE].s : NULL, &lc->module)) {
		free(lc->log_path);
		free(lc->level);
		api_reply_oom(r);
		return -1;
	}
	return 0;
}

static void logger_config_release(struct logger_config *lc)
{
	free(lc->log_path);
	free(lc->level);
	free(lc->module);
}

void api_put_logger(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	struct jvalue v[F_COUNT];
	struct logger_config next;
	char echo[API_ECHO_MAX + 8];
	char err[256] = "";

	if (logger_decode(body, v, r))
		return;
	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	if (v[F_PATH].given && (v[F_PATH].len == 0 || v[F_PATH].len >= API_PATH_MAX)) {
		api_reply_fault(r, "Invalid log_path: the path is %s.",
				v[F_PATH].len ? "too long" : "empty");
		return;
	}
	if (logger_copy(v, &next, r))
		return;
	if (ctx->host->apply_logger(&next, err, sizeof(err))) {
		api_echo(echo, sizeof(echo), v[F_PATH].s ? v[F_PATH].s : "stderr",
			 v[F_PATH].s ? v[F_PATH].len : 6);
		api_reply_fault(r, "Failed to configure the logger (%s): %s", echo, err);
		logger_config_release(&next);
		return;
	}
	logger_config_release(&ctx->cfg->logger);
	ctx->cfg->logger = next;
	ctx->cfg->logger_configured = true;
}
