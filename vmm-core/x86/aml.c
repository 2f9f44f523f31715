#include "aml.h"

#include <errno.h>
#include <string.h>

/* ACPI 6.5 20.3 AML grammar: the opcodes used here. */
#define AML_ZERO_OP         0x00
#define AML_ONE_OP          0x01
#define AML_NAME_OP         0x08
#define AML_BYTE_PREFIX     0x0a
#define AML_WORD_PREFIX     0x0b
#define AML_DWORD_PREFIX    0x0c
#define AML_STRING_PREFIX   0x0d
#define AML_QWORD_PREFIX    0x0e
#define AML_SCOPE_OP        0x10
#define AML_BUFFER_OP       0x11
#define AML_PACKAGE_OP      0x12
#define AML_DUAL_NAME       0x2e
#define AML_MULTI_NAME      0x2f
#define AML_EXT_OP          0x5b
#define AML_DEVICE_OP       0x82   /* after AML_EXT_OP */
#define AML_ROOT_CHAR       0x5c   /* '\\' */

/* ACPI 6.5 6.4 resource data tags. */
#define RES_IRQ_NOFLAGS     0x22   /* small item 0x4, length 2 */
#define RES_IO              0x47   /* small item 0x8, length 7 */
#define RES_END_TAG         0x79   /* small item 0xf, length 1 */
#define RES_MEM32_FIXED     0x86
#define RES_DWORD_SPACE     0x87
#define RES_WORD_SPACE      0x88
#define RES_EXT_IRQ         0x89
#define RES_QWORD_SPACE     0x8a

/* 6.4.3.5 Address Space Resource Descriptors: resource type and the
 * general flags of a producer window whose Min and Max are fixed. */
#define RES_SPACE_MEMORY    0
#define RES_SPACE_BUS       2
#define RES_GFLAGS_FIXED_WINDOW 0x0c   /* _MAF | _MIF, producer, PosDecode */
#define RES_MEM_RW_NONCACHE 0x01       /* _RW set, _MEM = non-cacheable */

/* PkgLength (20.2.4) holds at most 28 bits in up to four bytes. */
#define PKG_MAX             ((1u << 28) - 1)

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

long aml_finish(const struct aml *a)
{
	if (a->err)
		return a->err;
	if (a->depth)
		return -EINVAL;
	return (long)a->len;
}

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static void put(struct aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void put8(struct aml *a, uint8_t v)
{
	put(a, &v, 1);
}

static void put16(struct aml *a, uint16_t v)
{
	uint8_t b[2] = { v & 0xff, v >> 8 };

	put(a, b, sizeof(b));
}

static void put32(struct aml *a, uint32_t v)
{
	put16(a, v & 0xffff);
	put16(a, v >> 16);
}

static void put64(struct aml *a, uint64_t v)
{
	put32(a, v & 0xffffffff);
	put32(a, v >> 32);
}

/* 20.2.2 NameSeg: LeadNameChar (A-Z, '_') then three of A-Z, 0-9, '_'. */
static bool name_char_ok(char c, bool lead)
{
	if ((c >= 'A' && c <= 'Z') || c == '_')
		return true;
	return !lead && c >= '0' && c <= '9';
}

/* Parses one segment of at most four characters, padding it with '_'.
 * Returns the characters consumed, or 0 for a malformed segment. */
static size_t parse_seg(const char *p, char seg[4])
{
	size_t n = 0;

	while (p[n] && p[n] != '.') {
		if (n == 4 || !name_char_ok(p[n], n == 0))
			return 0;
		seg[n] = p[n];
		n++;
	}
	for (size_t i = n; i < 4; i++)
		seg[i] = '_';
	return n;
}

/* 20.2.2 NameString: an optional root prefix, then one NameSeg, a
 * DualNamePath or a MultiNamePath. */
static void put_name(struct aml *a, const char *path)
{
	char segs[AML_MAX_DEPTH][4];
	size_t count = 0, n;
	bool root = false;

	if (*path == '\\') {
		root = true;
		path++;
	}
	for (;;) {
		if (count == AML_MAX_DEPTH) {
			fail(a, -EINVAL);
			return;
		}
		n = parse_seg(path, segs[count]);
		if (!n) {
			fail(a, -EINVAL);
			return;
		}
		count++;
		path += n;
		if (!*path)
			break;
		path++;   /* the '.' */
	}
	if (root)
		put8(a, AML_ROOT_CHAR);
	if (count == 2) {
		put8(a, AML_DUAL_NAME);
	} else if (count > 2) {
		put8(a, AML_MULTI_NAME);
		put8(a, (uint8_t)count);
	}
	put(a, segs, count * 4);
}

/* The PkgLength is inserted in front of the body when the package is
 * closed and its size known.  Nothing is reserved ahead, so the output
 * never grows past its final size: whatever fits in the end fits all
 * along, and -ENOSPC means the result itself does not fit. */
static void open_pkg(struct aml *a, bool buffer)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		fail(a, -EINVAL);
		return;
	}
	a->open[a->depth].start = a->len;
	a->open[a->depth].buffer = buffer;
	a->depth++;
}

void aml_scope(struct aml *a, const char *path)
{
	put8(a, AML_SCOPE_OP);
	open_pkg(a, false);
	put_name(a, path);
}

void aml_device(struct aml *a, const char *path)
{
	put8(a, AML_EXT_OP);
	put8(a, AML_DEVICE_OP);
	open_pkg(a, false);
	put_name(a, path);
}

void aml_package(struct aml *a, uint8_t n_elements)
{
	put8(a, AML_PACKAGE_OP);
	open_pkg(a, false);
	put8(a, n_elements);
}

void aml_restemplate(struct aml *a)
{
	put8(a, AML_BUFFER_OP);
	open_pkg(a, true);
}

/* Encodes an integer as the smallest ComputationalData (20.2.3). */
static size_t encode_int(uint8_t out[9], uint64_t v)
{
	size_t n, i;

	if (v <= 1) {
		out[0] = v ? AML_ONE_OP : AML_ZERO_OP;
		return 1;
	}
	if (v <= 0xff) {
		out[0] = AML_BYTE_PREFIX;
		n = 1;
	} else if (v <= 0xffff) {
		out[0] = AML_WORD_PREFIX;
		n = 2;
	} else if (v <= 0xffffffff) {
		out[0] = AML_DWORD_PREFIX;
		n = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		n = 8;
	}
	for (i = 0; i < n; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + n;
}

/* 20.2.4 PkgLength: one byte holds lengths below 64; otherwise bits 7-6
 * of the lead byte count the following bytes, its bits 3-0 are the low
 * nibble and each following byte adds eight more bits.  The length counts
 * the PkgLength bytes themselves. */
static size_t encode_pkglen(uint8_t out[4], size_t body)
{
	size_t n, total;

	if (body + 1 < 0x40) {
		out[0] = (uint8_t)(body + 1);
		return 1;
	}
	for (n = 2; n <= 4; n++) {
		total = body + n;
		if (total < (1u << (4 + 8 * (n - 1))))
			break;
	}
	out[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
	for (size_t i = 1; i < n; i++)
		out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	return n;
}

void aml_end(struct aml *a)
{
	uint8_t hdr[4 + 9], size[9];
	size_t start, body, hlen, slen = 0;

	if (a->err)
		return;
	if (!a->depth) {
		fail(a, -EINVAL);
		return;
	}
	if (a->open[a->depth - 1].buffer) {
		/* 6.4.2.9 End Tag; a zero checksum means "not checked". */
		put8(a, RES_END_TAG);
		put8(a, 0);
		if (a->err)
			return;
	}
	a->depth--;
	start = a->open[a->depth].start;
	body = a->len - start;
	if (a->open[a->depth].buffer)
		slen = encode_int(size, body);
	if (body + slen + 4 > PKG_MAX) {
		fail(a, -ENOSPC);
		return;
	}
	hlen = encode_pkglen(hdr, body + slen);
	memcpy(hdr + hlen, size, slen);
	hlen += slen;
	if (hlen > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memmove(a->buf + start + hlen, a->buf + start, body);
	memcpy(a->buf + start, hdr, hlen);
	a->len += hlen;
}

void aml_name(struct aml *a, const char *path)
{
	put8(a, AML_NAME_OP);
	put_name(a, path);
}

void aml_int(struct aml *a, uint64_t value)
{
	uint8_t b[9];

	put(a, b, encode_int(b, value));
}

void aml_string(struct aml *a, const char *s)
{
	/* 20.2.3 String: AsciiCharList of 0x01-0x7F, then NullChar. */
	for (const char *p = s; *p; p++) {
		if ((unsigned char)*p > 0x7f) {
			fail(a, -EINVAL);
			return;
		}
	}
	put8(a, AML_STRING_PREFIX);
	put(a, s, strlen(s) + 1);
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v = 0;

	/* 19.3.4: three upper-case letters, five bits each ('A' is 1),
	 * then four hex digits; the 32-bit result is stored big endian. */
	if (strlen(id) != 7) {
		fail(a, -EINVAL);
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(a, -EINVAL);
			return;
		}
		v |= (uint32_t)(id[i] - '@') << (26 - 5 * i);
	}
	for (int i = 3; i < 7; i++) {
		int h = hex_val(id[i]);

		if (h < 0) {
			fail(a, -EINVAL);
			return;
		}
		v |= (uint32_t)h << (4 * (6 - i));
	}
	aml_int(a, __builtin_bswap32(v));
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t align, uint8_t len)
{
	put8(a, RES_IO);
	put8(a, 0x01);            /* _DEC: decodes 16 address bits */
	put16(a, base);           /* _MIN */
	put16(a, base);           /* _MAX */
	put8(a, align);
	put8(a, len);
}

void aml_res_irq(struct aml *a, unsigned int irq)
{
	if (irq > 15) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, RES_IRQ_NOFLAGS);
	put16(a, (uint16_t)(1u << irq));
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	put8(a, RES_MEM32_FIXED);
	put16(a, 9);              /* length of what follows the header */
	put8(a, 0x01);            /* _RW */
	put32(a, base);
	put32(a, len);
}

void aml_res_ext_irq_edge(struct aml *a, uint32_t gsi)
{
	put8(a, RES_EXT_IRQ);
	put16(a, 6);
	/* bit 0 consumer, bit 1 edge (_HE), bit 2 clear: active high (_LL),
	 * bit 3 clear: exclusive (_SHR). */
	put8(a, 0x03);
	put8(a, 1);               /* interrupt table length */
	put32(a, gsi);
}

void aml_res_bus_numbers(struct aml *a, uint16_t first, uint16_t last)
{
	if (last < first) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, RES_WORD_SPACE);
	put16(a, 13);
	put8(a, RES_SPACE_BUS);
	put8(a, RES_GFLAGS_FIXED_WINDOW);
	put8(a, 0);               /* no type-specific flags for bus numbers */
	put16(a, 0);              /* _GRA */
	put16(a, first);          /* _MIN */
	put16(a, last);           /* _MAX */
	put16(a, 0);              /* _TRA */
	put16(a, (uint16_t)(last - first + 1));   /* _LEN */
}

void aml_res_mem32_window(struct aml *a, uint32_t start, uint64_t end)
{
	if (end <= start || end > (1ULL << 32)) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, RES_DWORD_SPACE);
	put16(a, 23);
	put8(a, RES_SPACE_MEMORY);
	put8(a, RES_GFLAGS_FIXED_WINDOW);
	put8(a, RES_MEM_RW_NONCACHE);
	put32(a, 0);              /* _GRA */
	put32(a, start);          /* _MIN */
	put32(a, (uint32_t)(end - 1));   /* _MAX */
	put32(a, 0);              /* _TRA */
	put32(a, (uint32_t)(end - start));   /* _LEN */
}

void aml_res_mem64_window(struct aml *a, uint64_t start, uint64_t end)
{
	if (end <= start) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, RES_QWORD_SPACE);
	put16(a, 43);
	put8(a, RES_SPACE_MEMORY);
	put8(a, RES_GFLAGS_FIXED_WINDOW);
	put8(a, RES_MEM_RW_NONCACHE);
	put64(a, 0);
	put64(a, start);
	put64(a, end - 1);
	put64(a, 0);
	put64(a, end - start);
}
