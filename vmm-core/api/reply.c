/* Building handler outcomes: faults in Firecracker's words, JSON bodies,
 * and the echoing of hostile strings into messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"

void api_reply_init(struct api_reply *r)
{
	r->status = 204;
	r->json = NULL;
	r->fault[0] = '\0';
}

void api_reply_clear(struct api_reply *r)
{
	json_decref(r->json);
	api_reply_init(r);
}

__attribute__((format(printf, 3, 0)))
static void reply_vfault(struct api_reply *r, const char *prefix, const char *fmt, va_list ap)
{
	size_t n = 0;

	json_decref(r->json);
	r->json = NULL;
	r->status = 400;
	if (prefix) {
		snprintf(r->fault, sizeof(r->fault), "%s", prefix);
		n = strlen(r->fault);
	}
	vsnprintf(r->fault + n, sizeof(r->fault) - n, fmt, ap);
}

void api_reply_fault(struct api_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_vfault(r, NULL, fmt, ap);
	va_end(ap);
}

void api_reply_deser(struct api_reply *r, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	reply_vfault(r, "An error occurred when deserializing the json body of a request: ", fmt, ap);
	va_end(ap);
	/* serde's messages end without a full stop; Firecracker adds one. */
	n = strlen(r->fault);
	if (n + 1 < sizeof(r->fault) && n && r->fault[n - 1] != '.') {
		r->fault[n] = '.';
		r->fault[n + 1] = '\0';
	}
}

void api_reply_json(struct api_reply *r, json_t *json)
{
	json_decref(r->json);
	r->json = json;
	if (json) {
		r->status = 200;
	} else {
		r->status = 500;
		snprintf(r->fault, sizeof(r->fault), "Out of memory while building the response.");
	}
}

void api_reply_oom(struct api_reply *r)
{
	api_reply_fault(r, "Out of memory.");
	r->status = 500;
}

void api_reply_op_error(struct api_reply *r, int rc, const char *err, const char *what)
{
	if (err && err[0])
		api_reply_fault(r, "%s", err);
	else
		api_reply_fault(r, "%s failed: %s", what, strerror(rc < 0 ? -rc : EIO));
}

void api_echo(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t max, n;
	bool cut;

	if (dstlen == 0)
		return;
	max = dstlen - 1 < API_ECHO_MAX ? dstlen - 1 : API_ECHO_MAX;
	cut = srclen > max;
	n = cut ? (max > 3 ? max - 3 : 0) : srclen;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		/* Printable ASCII only: keeps messages valid UTF-8 for jansson
		 * and stops control characters reaching a terminal or log. */
		dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (cut && max >= 3) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

void api_echo_all(char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
	}
}

int api_strdup_opt(const char *s, char **out)
{
	*out = NULL;
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}
