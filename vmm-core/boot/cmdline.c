/* The kernel command line, built by Firecracker's rules (boot.h), and its
 * length check against what the kernel accepts.
 *
 * User arguments are split the way the kernel's parse_args()/next_arg()
 * split them: on whitespace outside double quotes, and everything after a
 * lone "--" belongs to init, not to the kernel.  So "pci=off" is only seen
 * where the kernel would act on it, and the parameters we add go before a
 * user's "--". */
#include <errno.h>
#include <string.h>

#include "boot_priv.h"
#include "layout.h"

struct cmdline_tok {
	const char *start;
	size_t len;
};

/* The kernel's isspace(): the C whitespace set plus 0xa0, which its
 * lib/ctype.c also classifies as space. */
static bool cmdline_isspace(char c)
{
	unsigned char u = (unsigned char)c;

	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

/* Next token of *pos; *open_quote tells whether it ran to the end of the
 * string inside a double quote. */
static bool cmdline_next(const char **pos, struct cmdline_tok *tok, bool *open_quote)
{
	const char *p = *pos;
	bool quoted = false;

	while (*p && cmdline_isspace(*p))
		p++;
	if (!*p)
		return false;
	tok->start = p;
	for (; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && cmdline_isspace(*p))
			break;
	}
	tok->len = (size_t)(p - tok->start);
	*pos = p;
	*open_quote = quoted;
	return true;
}

static bool tok_is(const struct cmdline_tok *t, const char *s)
{
	return t->len == strlen(s) && memcmp(t->start, s, t->len) == 0;
}

/* True for a parameter that makes the kernel skip PCI: "pci=" with "off"
 * among its comma-separated options (pci_setup() hands each one to
 * pcibios_setup(), where "off" clears pci_probe).  Quotes around the
 * parameter or its value are dropped as next_arg() drops them. */
static bool tok_is_pci_off(const struct cmdline_tok *t)
{
	const char *s = t->start, *end = t->start + t->len;

	if (s < end && *s == '"')
		s++;
	if (end - s < 4 || memcmp(s, "pci=", 4) != 0)
		return false;
	s += 4;
	if (s < end && *s == '"')
		s++;
	if (end > s && end[-1] == '"')
		end--;
	while (s <= end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));

		if (!comma)
			comma = end;
		if (comma - s == 3 && memcmp(s, "off", 3) == 0)
			return true;
		s = comma + 1;
	}
	return false;
}

struct cmdline_scan {
	bool pci_off;           /* the kernel part turns PCI off */
	bool open_quote;        /* ... and ends inside a double quote */
	const char *init_part;  /* "--" and what follows; NULL when absent */
};

static void cmdline_scan(const char *args, struct cmdline_scan *sc)
{
	struct cmdline_tok t;
	const char *pos = args;

	memset(sc, 0, sizeof(*sc));
	while (cmdline_next(&pos, &t, &sc->open_quote)) {
		if (tok_is(&t, "--")) {
			sc->init_part = t.start;
			return;
		}
		if (tok_is_pci_off(&t))
			sc->pci_off = true;
	}
}

struct cmdline_buf {
	char *out;
	size_t max;
	size_t len;     /* length wanted so far, even past max */
};

/* Appends s[0, n) trimmed of surrounding whitespace, one space apart from
 * what is already there.  Bytes are only stored while the whole line still
 * fits with its NUL, so nothing is written past max. */
static void buf_append(struct cmdline_buf *b, const char *s, size_t n)
{
	while (n > 0 && cmdline_isspace(*s)) {
		s++;
		n--;
	}
	while (n > 0 && cmdline_isspace(s[n - 1]))
		n--;
	if (n == 0)
		return;
	if (b->len > 0) {
		if (b->len + 1 < b->max)
			b->out[b->len] = ' ';
		b->len++;
	}
	if (b->len < b->max && n < b->max - b->len)
		memcpy(b->out + b->len, s, n);
	b->len += n;
}

int cmdline_check_fits(size_t len, uint32_t kernel_max, char *err, size_t errlen)
{
	uint64_t max = kernel_max < LAYOUT_CMDLINE_MAX ? kernel_max : LAYOUT_CMDLINE_MAX;

	if ((uint64_t)len + 1 > max) {
		boot_errf(err, errlen, "Kernel command line too long (%zu bytes, max %llu)",
			  len + 1, (unsigned long long)max);
		return -E2BIG;
	}
	return 0;
}

int cmdline_build(const char *boot_args, bool pci_enabled,
		  const char *const *extra, size_t n_extra,
		  char *out, size_t max, char *err, size_t errlen)
{
	struct cmdline_buf b = { .out = out, .max = max };
	const char *args = boot_args ? boot_args : CMDLINE_DEFAULT;
	struct cmdline_scan sc;
	size_t i;

	if (!out || max == 0)
		return -EINVAL;
	cmdline_scan(args, &sc);
	/* The kernel would read everything after the quote, including what
	 * we append (pci=off, virtio_mmio.device=...), as one quoted value. */
	if (sc.open_quote) {
		boot_errf(err, errlen, "The kernel command line has an unterminated "
			  "double quote");
		return -EINVAL;
	}
	if (pci_enabled && sc.pci_off) {
		boot_errf(err, errlen, "The kernel command line contains pci=off, which "
			  "hides every PCI device; remove it or start without PCI");
		return -EINVAL;
	}
	buf_append(&b, args, sc.init_part ? (size_t)(sc.init_part - args) : strlen(args));
	if (!pci_enabled && !sc.pci_off)
		buf_append(&b, "pci=off", strlen("pci=off"));
	for (i = 0; i < n_extra; i++) {
		if (extra && extra[i])
			buf_append(&b, extra[i], strlen(extra[i]));
	}
	if (sc.init_part)
		buf_append(&b, sc.init_part, strlen(sc.init_part));

	if (b.len + 1 > max) {
		boot_errf(err, errlen, "Kernel command line too long (%zu bytes, max %zu)",
			  b.len + 1, max);
		out[0] = '\0';
		return -E2BIG;
	}
	out[b.len] = '\0';
	return 0;
}
