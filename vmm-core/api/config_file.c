/* --config-file: Firecracker's VmmConfig JSON, applied through the same
 * handlers as the API so that both refuse the same things. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api_internal.h"

enum section_kind {
	SEC_APPLY,                /* an object handed to a PUT handler */
	SEC_EMPTY_LIST,           /* device lists: only [] until supported */
	SEC_UNSUPPORTED,          /* only null (= not configured) */
};

struct section {
	const char *name;
	enum section_kind kind;
	api_handler_fn handler;
};

/* In the order Firecracker applies them (the logger first, so that later
 * errors land in the configured log). */
static const struct section sections[] = {
	{ "logger", SEC_APPLY, api_put_logger },
	{ "metrics", SEC_APPLY, api_put_metrics },
	{ "machine-config", SEC_APPLY, api_put_machine_config },
	{ "boot-source", SEC_APPLY, api_put_boot_source },
	{ "serial", SEC_APPLY, api_put_serial },
	{ "entropy", SEC_APPLY, api_put_entropy },
	{ "drives", SEC_EMPTY_LIST, NULL },
	{ "network-interfaces", SEC_EMPTY_LIST, NULL },
	{ "pmem", SEC_EMPTY_LIST, NULL },
	{ "vsock", SEC_UNSUPPORTED, NULL },
	{ "balloon", SEC_UNSUPPORTED, NULL },
	{ "mmds-config", SEC_UNSUPPORTED, NULL },
	{ "cpu-config", SEC_UNSUPPORTED, NULL },
	{ "memory-hotplug", SEC_UNSUPPORTED, NULL },
};

#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

static const struct section *find_section(const char *name)
{
	for (size_t i = 0; i < N_SECTIONS; i++) {
		if (strcmp(sections[i].name, name) == 0)
			return &sections[i];
	}
	return NULL;
}

/* Checks every key before anything is applied, so that an unsupported
 * section is reported even when an earlier one is also wrong. */
static int check_keys(const json_t *root, char *err, size_t errlen)
{
	char echo[API_ECHO_MAX + 8];
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)root, key, v) {
		const struct section *s = find_section(key);

		api_echo(echo, sizeof(echo), key, strlen(key));
		if (!s) {
			snprintf(err, errlen, "Unknown section \"%s\" in the config file.", echo);
			return -EINVAL;
		}
		if (json_is_null(v))
			continue;
		if (s->kind == SEC_UNSUPPORTED) {
			snprintf(err, errlen, "The \"%s\" section is not supported by splitvm yet.",
				 echo);
			return -EOPNOTSUPP;
		}
		if (s->kind == SEC_EMPTY_LIST) {
			if (!json_is_array(v)) {
				snprintf(err, errlen, "Invalid \"%s\" section: expected a list.", echo);
				return -EINVAL;
			}
			if (json_array_size(v)) {
				snprintf(err, errlen, "The \"%s\" section is not supported by splitvm "
					 "yet (it lists %zu device%s; only [] is accepted).", echo,
					 json_array_size(v), json_array_size(v) == 1 ? "" : "s");
				return -EOPNOTSUPP;
			}
		}
	}
	return 0;
}

static int apply_sections(struct api_context *ctx, const json_t *root, char *err, size_t errlen)
{
	struct api_reply r;

	for (size_t i = 0; i < N_SECTIONS; i++) {
		const struct section *s = &sections[i];
		json_t *v = json_object_get(root, s->name);

		if (s->kind != SEC_APPLY || !v || json_is_null(v))
			continue;
		api_reply_init(&r);
		s->handler(ctx, v, &r);
		if (r.status >= 300) {
			snprintf(err, errlen, "Invalid \"%s\" section: %s", s->name, r.fault);
			api_reply_clear(&r);
			return -EINVAL;
		}
		api_reply_clear(&r);
	}
	return 0;
}

int api_apply_config_file(struct api_context *ctx, const char *json, size_t len,
			  char *err, size_t errlen)
{
	char echo[API_ECHO_MAX + 8];
	json_error_t jerr;
	json_t *root, *boot;
	int rc;

	root = json_loadb(json, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		api_echo(echo, sizeof(echo), jerr.text, strlen(jerr.text));
		snprintf(err, errlen, "Invalid JSON in the config file: %s at line %d column %d.",
			 echo, jerr.line, jerr.column);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "Invalid config file: expected a JSON object.");
		json_decref(root);
		return -EINVAL;
	}
	rc = check_keys(root, err, errlen);
	boot = json_object_get(root, "boot-source");
	if (!rc && (!boot || json_is_null(boot))) {
		snprintf(err, errlen, "Invalid config file: missing section \"boot-source\".");
		rc = -EINVAL;
	}
	if (!rc)
		rc = apply_sections(ctx, root, err, errlen);
	json_decref(root);
	return rc;
}
