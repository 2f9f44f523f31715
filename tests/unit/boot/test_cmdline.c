/* Firecracker's command-line rules: default arguments, pci=off added
 * without PCI and refused with it (only where the kernel would act on it),
 * extra entries, and the size limit without writing past the buffer. */
#include <errno.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "boot.h"
#include "layout.h"

struct built {
	int ret;
	char out[LAYOUT_CMDLINE_MAX];
	char err[256];
};

static struct built build(const char *args, bool pci, const char *const *extra, size_t n)
{
	struct built b;

	memset(&b, 0, sizeof(b));
	b.ret = cmdline_build(args, pci, extra, n, b.out, sizeof(b.out), b.err, sizeof(b.err));
	return b;
}

static void assert_builds(const char *args, bool pci, const char *want)
{
	struct built b = build(args, pci, NULL, 0);

	if (b.ret != 0)
		fail_msg("\"%s\" (pci %d): %d %s", args, pci, b.ret, b.err);
	assert_string_equal(b.out, want);
}

static void assert_refused_with_pci(const char *args)
{
	struct built b = build(args, true, NULL, 0);

	if (b.ret != -EINVAL)
		fail_msg("\"%s\" was accepted with PCI: \"%s\"", args, b.out);
	assert_non_null(strstr(b.err, "pci=off"));
}

static void test_default_without_pci(void **state)
{
	assert_builds(NULL, false, CMDLINE_DEFAULT " pci=off");
}

static void test_default_with_pci(void **state)
{
	assert_builds(NULL, true, CMDLINE_DEFAULT);
}

static void test_user_args_kept(void **state)
{
	assert_builds("console=ttyS0 root=/dev/vda rw", true, "console=ttyS0 root=/dev/vda rw");
	assert_builds("console=ttyS0 root=/dev/vda rw", false,
		      "console=ttyS0 root=/dev/vda rw pci=off");
}

static void test_empty_args(void **state)
{
	assert_builds("", true, "");
	assert_builds("", false, "pci=off");
	assert_builds("  \t ", false, "pci=off");
}

static void test_whitespace_trimmed(void **state)
{
	assert_builds("  console=ttyS0   ", false, "console=ttyS0 pci=off");
}

static void test_user_pci_off_not_duplicated(void **state)
{
	assert_builds("console=ttyS0 pci=off", false, "console=ttyS0 pci=off");
	assert_builds("pci=off console=ttyS0", false, "pci=off console=ttyS0");
}

static void test_user_pci_off_refused_with_pci(void **state)
{
	assert_refused_with_pci("pci=off");
	assert_refused_with_pci("console=ttyS0 pci=off quiet");
	assert_refused_with_pci("quiet\tpci=off");
	/* pci_setup() hands every comma-separated option to pcibios_setup(). */
	assert_refused_with_pci("pci=noacpi,off");
	assert_refused_with_pci("pci=off,noacpi");
	/* next_arg() drops these quotes. */
	assert_refused_with_pci("\"pci=off\"");
	assert_refused_with_pci("pci=\"off\"");
}

static void test_pci_off_lookalikes_accepted(void **state)
{
	assert_builds("xpci=off", true, "xpci=off");
	assert_builds("apci=off pci=offx pci=off2 pci=noacpi", true,
		      "apci=off pci=offx pci=off2 pci=noacpi");
	assert_builds("pcie=off pci=of", true, "pcie=off pci=of");
	assert_builds("foo=\"a pci=off b\"", true, "foo=\"a pci=off b\"");
	/* Without PCI these do not turn it off, so ours is still added. */
	assert_builds("xpci=off", false, "xpci=off pci=off");
}

static void test_init_args_after_dashdash(void **state)
{
	/* After "--" everything goes to init: a pci=off there is init's. */
	assert_builds("console=ttyS0 -- pci=off", true, "console=ttyS0 -- pci=off");
	/* Our parameters must reach the kernel, so they go before "--". */
	assert_builds("console=ttyS0 -- single", false, "console=ttyS0 pci=off -- single");
	assert_builds("-- single", false, "pci=off -- single");
	assert_builds("a --x b", false, "a --x b pci=off");
}

static void test_unterminated_quote(void **state)
{
	/* What we append would end up inside the quoted value. */
	struct built b = build("console=ttyS0 foo=\"bar", true, NULL, 0);

	assert_int_equal(b.ret, -EINVAL);
	assert_non_null(strstr(b.err, "unterminated double quote"));
	assert_int_equal(build("foo=\"bar", false, NULL, 0).ret, -EINVAL);
	/* Balanced quotes, and quotes in init's part, are fine. */
	assert_builds("foo=\"a b\" x", false, "foo=\"a b\" x pci=off");
	assert_builds("x -- \"y", false, "x pci=off -- \"y");
}

static void test_extra_entries(void **state)
{
	const char *const extra[] = {
		"virtio_mmio.device=4K@0xd0000000:5",
		NULL,
		"virtio_mmio.device=4K@0xd0001000:6",
	};
	struct built b = build("console=ttyS0 -- single", false, extra, 3);

	assert_int_equal(b.ret, 0);
	assert_string_equal(b.out, "console=ttyS0 pci=off virtio_mmio.device=4K@0xd0000000:5 "
			    "virtio_mmio.device=4K@0xd0001000:6 -- single");
}

static void test_too_long(void **state)
{
	char out[32 + 8];
	char err[128];
	const char *args = "0123456789 0123456789 0123";   /* 26 chars */

	/* 26 + " pci=off" = 34 chars, 35 bytes: one more than fits in 34. */
	memset(out, '#', sizeof(out));
	assert_int_equal(cmdline_build(args, false, NULL, 0, out, 34, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "Kernel command line too long (35 bytes, max 34)");
	for (size_t i = 34; i < sizeof(out); i++)
		assert_int_equal(out[i], '#');

	assert_int_equal(cmdline_build(args, false, NULL, 0, out, 35, err, sizeof(err)), 0);
	assert_string_equal(out, "0123456789 0123456789 0123 pci=off");
	for (size_t i = 35; i < sizeof(out); i++)
		assert_int_equal(out[i], '#');
}

static void test_tiny_buffer(void **state)
{
	char out[2] = { '#', '#' };

	assert_int_equal(cmdline_build("", true, NULL, 0, out, 1, NULL, 0), 0);
	assert_string_equal(out, "");
	assert_int_equal(cmdline_build("x", true, NULL, 0, out, 1, NULL, 0), -E2BIG);
	assert_int_equal(out[1], '#');
	assert_int_equal(cmdline_build("x", true, NULL, 0, out, 0, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_without_pci),
		cmocka_unit_test(test_default_with_pci),
		cmocka_unit_test(test_user_args_kept),
		cmocka_unit_test(test_empty_args),
		cmocka_unit_test(test_whitespace_trimmed),
		cmocka_unit_test(test_user_pci_off_not_duplicated),
		cmocka_unit_test(test_user_pci_off_refused_with_pci),
		cmocka_unit_test(test_pci_off_lookalikes_accepted),
		cmocka_unit_test(test_init_args_after_dashdash),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_extra_entries),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_tiny_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
