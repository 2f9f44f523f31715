/* Decodes a JSON object against a table of fields the way Firecracker's
 * serde structs with deny_unknown_fields do, with serde's error wording
 * ("unknown field `x`, expected one of ...", "missing field `x`",
 * "invalid type: string \"a\", expected u8"), so that clients matching on
 * Firecracker's messages keep working.  Messages are raw (no prefix). */
#ifndef SPLITVM_JSON_SCHEMA_H
#define SPLITVM_JSON_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

enum jfield_type {
	JF_STRING,
	JF_BOOL,
	JF_UINT,
	JF_OBJECT,                /* a nested struct, decoded by the caller */
};

#define JF_REQUIRED (1u << 0)   /* serde: no Option, no default */
#define JF_NULLABLE (1u << 1)   /* serde: Option<T>, null = not given */

struct jfield {
	const char *name;
	enum jfield_type type;
	unsigned int flags;
	uint64_t max;             /* JF_UINT: the largest value of the Rust type */
	const char *expect;       /* JF_UINT: serde's name of it ("u8", "usize") */
};

#define JF_U8_MAX 255u
#define JF_USIZE_MAX UINT64_MAX

struct jvalue {
	bool given;               /* present and not null */
	const char *s;            /* JF_STRING: valid while the json_t lives */
	size_t len;
	bool b;
	uint64_t u;
	const json_t *obj;        /* JF_OBJECT */
};

/* Fills out[i] for fields[i].  Returns 0, or -EINVAL with a message. */
int jschema_decode(const json_t *obj, const struct jfield *fields, size_t n,
		   struct jvalue *out, char *err, size_t errlen);

/* Index of value among variants (exact, or ASCII case-insensitive when
 * nocase), or -EINVAL with serde's "unknown variant `x`, expected one of
 * `A`, `B`". */
int jschema_variant(const char *value, const char *const *variants, size_t n,
		    bool nocase, char *err, size_t errlen);

/* serde's description of an unexpected value: "string \"abc\"",
 * "integer `5`", "map", ... (strings echoed as printable ASCII, cut). */
void jschema_describe(const json_t *v, char *buf, size_t len);

#endif
