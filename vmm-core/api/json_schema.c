#include "json_schema.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api_internal.h"

void jschema_describe(const json_t *v, char *buf, size_t len)
{
	char echo[API_ECHO_MAX + 8];

	switch (json_typeof(v)) {
	case JSON_STRING:
		api_echo(echo, sizeof(echo), json_string_value(v), json_string_length(v));
		snprintf(buf, len, "string \"%s\"", echo);
		break;
	case JSON_INTEGER:
		snprintf(buf, len, "integer `%" JSON_INTEGER_FORMAT "`", json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, len, "floating point `%g`", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(buf, len, "boolean `true`");
		break;
	case JSON_FALSE:
		snprintf(buf, len, "boolean `false`");
		break;
	case JSON_NULL:
		snprintf(buf, len, "null");
		break;
	case JSON_OBJECT:
		snprintf(buf, len, "map");
		break;
	case JSON_ARRAY:
	default:
		snprintf(buf, len, "sequence");
		break;
	}
}

/* "`a`, `b`, `c`" for the "expected one of" part of a message. */
static void list_names(char *buf, size_t len, const char *const *names, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s`%s`", i ? ", " : "", names[i]);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static void unknown_field(const char *key, const struct jfield *fields, size_t n,
			  char *err, size_t errlen)
{
	const char *names[16] = { NULL };
	char echo[API_ECHO_MAX + 8];
	char list[384];
	size_t k = n < 16 ? n : 16;

	for (size_t i = 0; i < k; i++)
		names[i] = fields[i].name;
	list_names(list, sizeof(list), names, k);
	api_echo(echo, sizeof(echo), key, strlen(key));
	if (n == 0)
		snprintf(err, errlen, "unknown field `%s`, there are no fields", echo);
	else if (n == 1)
		snprintf(err, errlen, "unknown field `%s`, expected %s", echo, list);
	else
		snprintf(err, errlen, "unknown field `%s`, expected one of %s", echo, list);
}

static int invalid_type(const json_t *v, const char *expect, char *err, size_t errlen)
{
	char what[API_ECHO_MAX + 32];

	jschema_describe(v, what, sizeof(what));
	snprintf(err, errlen, "invalid type: %s, expected %s", what, expect);
	return -EINVAL;
}

static int decode_uint(const json_t *v, const struct jfield *f, struct jvalue *out,
		       char *err, size_t errlen)
{
	json_int_t i;

	if (!json_is_integer(v))
		return invalid_type(v, f->expect, err, errlen);
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > f->max) {
		snprintf(err, errlen, "invalid value: integer `%" JSON_INTEGER_FORMAT "`, expected %s",
			 i, f->expect);
		return -EINVAL;
	}
	out->u = (uint64_t)i;
	return 0;
}

static int decode_one(const json_t *v, const struct jfield *f, struct jvalue *out,
		      char *err, size_t errlen)
{
	int rc = 0;

	if (json_is_null(v) && (f->flags & JF_NULLABLE))
		return 0;       /* Option<T>: null means not given */
	switch (f->type) {
	case JF_STRING:
		if (!json_is_string(v))
			return invalid_type(v, "a string", err, errlen);
		out->s = json_string_value(v);
		out->len = json_string_length(v);
		break;
	case JF_BOOL:
		if (!json_is_boolean(v))
			return invalid_type(v, "a boolean", err, errlen);
		out->b = json_is_true(v);
		break;
	case JF_UINT:
		rc = decode_uint(v, f, out, err, errlen);
		break;
	case JF_OBJECT:
		if (!json_is_object(v))
			return invalid_type(v, f->expect ? f->expect : "a map", err, errlen);
		out->obj = v;
		break;
	}
	if (rc == 0)
		out->given = true;
	return rc;
}

static const struct jfield *find_field(const struct jfield *fields, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(fields[i].name, key) == 0)
			return &fields[i];
	}
	return NULL;
}

int jschema_decode(const json_t *obj, const struct jfield *fields, size_t n,
		   struct jvalue *out, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	int rc;

	memset(out, 0, n * sizeof(*out));
	if (!json_is_object(obj))
		return invalid_type(obj, "a JSON object", err, errlen);

	/* json_object_foreach wants a non-const object; it does not modify it. */
	json_object_foreach((json_t *)obj, key, v) {
		const struct jfield *f = find_field(fields, n, key);

		if (!f) {
			unknown_field(key, fields, n, err, errlen);
			return -EINVAL;
		}
		rc = decode_one(v, f, &out[f - fields], err, errlen);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		/* A required field given as null was refused above (it is not
		 * nullable), so "not given" here means absent. */
		if ((fields[i].flags & JF_REQUIRED) && !out[i].given) {
			snprintf(err, errlen, "missing field `%s`", fields[i].name);
			return -EINVAL;
		}
	}
	return 0;
}

int jschema_variant(const char *value, const char *const *variants, size_t n,
		    bool nocase, char *err, size_t errlen)
{
	char echo[API_ECHO_MAX + 8];
	char list[256];

	for (size_t i = 0; i < n; i++) {
		if ((nocase ? strcasecmp(value, variants[i]) : strcmp(value, variants[i])) == 0)
			return (int)i;
	}
	api_echo(echo, sizeof(echo), value, strlen(value));
	list_names(list, sizeof(list), variants, n);
	snprintf(err, errlen, "unknown variant `%s`, expected one of %s", echo, list);
	return -EINVAL;
}
