/* PUT /boot-source (Firecracker's BootSourceConfig).  Like Firecracker,
 * the kernel and initrd are checked here, so a typo is reported by the
 * request that made it; the VMM opens them for real at InstanceStart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "json_schema.h"

enum {
	F_KERNEL,
	F_INITRD,
	F_ARGS,
	F_COUNT,
};

static const struct jfield fields[F_COUNT] = {
	[F_KERNEL] = { "kernel_image_path", JF_STRING, JF_REQUIRED, 0, NULL },
	[F_INITRD] = { "initrd_path", JF_STRING, JF_NULLABLE, 0, NULL },
	[F_ARGS] = { "boot_args", JF_STRING, JF_NULLABLE, 0, NULL },
};

static int check_file(struct api_context *ctx, const struct jvalue *v, const char *what,
		      struct api_reply *r)
{
	char echo[API_ECHO_MAX + 8];
	int rc;

	api_echo(echo, sizeof(echo), v->s, v->len);
	if (v->len == 0 || v->len >= API_PATH_MAX) {
		api_reply_fault(r, "The %s file cannot be opened: the path \"%s\" is %s.", what,
				echo, v->len ? "too long" : "empty");
		return -1;
	}
	rc = ctx->host->check_readable_file(v->s);
	if (rc) {
		api_reply_fault(r, "The %s file cannot be opened: %s: %s (os error %d)", what, echo,
				strerror(-rc), -rc);
		return -1;
	}
	return 0;
}

static int check_boot_args(const struct jvalue *v, struct api_reply *r)
{
	if (!v->given)
		return 0;
	if (v->len >= API_CMDLINE_MAX) {
		api_reply_fault(r, "The kernel command line is invalid: it is %zu bytes long, "
				"the limit is %d.", v->len, API_CMDLINE_MAX - 1);
		return -1;
	}
	for (size_t i = 0; i < v->len; i++) {
		unsigned char c = (unsigned char)v->s[i];

		/* The kernel parses printable ASCII separated by spaces; a
		 * newline or a control byte would split or corrupt it. */
		if (c < 0x20 || c >= 0x7f) {
			api_reply_fault(r, "The kernel command line is invalid: byte 0x%02x at "
					"offset %zu is not printable ASCII.", c, i);
			return -1;
		}
	}
	return 0;
}

void api_put_boot_source(struct api_context *ctx, const json_t *body, struct api_reply *r)
{
	struct boot_source_config *b = &ctx->cfg->boot;
	struct jvalue v[F_COUNT];
	char err[API_FAULT_MAX];
	char *kernel = NULL, *initrd = NULL, *args = NULL;

	if (jschema_decode(body, fields, F_COUNT, v, err, sizeof(err))) {
		api_reply_deser(r, "%s", err);
		return;
	}
	if (api_vm_started(ctx)) {
		api_reply_fault(r, API_MSG_POST_BOOT);
		return;
	}
	if (check_file(ctx, &v[F_KERNEL], "kernel", r))
		return;
	if (v[F_INITRD].given && check_file(ctx, &v[F_INITRD], "initrd", r))
		return;
	if (check_boot_args(&v[F_ARGS], r))
		return;

	if (api_strdup_opt(v[F_KERNEL].s, &kernel) ||
	    api_strdup_opt(v[F_INITRD].given ? v[F_INITRD].s : NULL, &initrd) ||
	    api_strdup_opt(v[F_ARGS].given ? v[F_ARGS].s : NULL, &args)) {
		free(kernel);
		free(initrd);
		free(args);
		api_reply_oom(r);
		return;
	}
	/* A PUT replaces the whole boot source, as in Firecracker. */
	free(b->kernel_image_path);
	free(b->initrd_path);
	free(b->boot_args);
	b->kernel_image_path = kernel;
	b->initrd_path = initrd;
	b->boot_args = args;
}
