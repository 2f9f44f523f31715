/* libFuzzer target for cmdline_build().  Byte 0 picks PCI on/off and the
 * output buffer size; the rest is the user's boot_args.  On success the
 * line fits, holds our additions, turns PCI off when PCI is disabled, and
 * building it again changes nothing (our additions are recognised, never
 * stacked). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const extra[] = { "virtio_mmio.device=4K@0xd0000000:5" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[LAYOUT_CMDLINE_MAX + 1], again[LAYOUT_CMDLINE_MAX + 1];
	char err[256], *args;
	size_t max;
	bool pci;
	int ret;

	if (size == 0)
		return 0;
	pci = data[0] & 1;
	max = (data[0] & 2) ? 64 : LAYOUT_CMDLINE_MAX;
	args = malloc(size);
	if (!args)
		abort();
	memcpy(args, data + 1, size - 1);
	args[size - 1] = '\0';

	out[max] = 0x5a;
	err[0] = '\0';
	ret = cmdline_build((data[0] & 4) ? NULL : args, pci, extra, 1, out, max,
			    err, sizeof(err));
	if (out[max] != 0x5a)
		abort();
	if (ret == 0) {
		if (strlen(out) >= max || !strstr(out, extra[0]))
			abort();
		/* Without PCI the result must turn PCI off: the same line is
		 * then refused with PCI. */
		if (!pci && cmdline_build(out, true, NULL, 0, again, sizeof(again),
					  NULL, 0) != -EINVAL)
			abort();
		if (cmdline_build(out, pci, NULL, 0, again, sizeof(again), NULL, 0) != 0 ||
		    strcmp(out, again) != 0)
			abort();
	} else if (err[0] == '\0') {
		abort();
	}
	free(args);
	return 0;
}
