/* libFuzzer target: the input is a kernel image.  It goes to a memfd (the
 * loaders read files with pread) and through boot_load() into a 64 MiB
 * guest, with a small initrd and a command line, so the ELF and bzImage
 * parsers, placement, initrd and zero-page code all see it.  Besides
 * sanitizer findings, a load that succeeds must describe a layout inside
 * guest RAM and clear of the low-memory boot structures. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boot.h"
#include "layout.h"
#include "memory.h"

#define FUZZ_MEM_SIZE (64 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct guest_memory mem;
static int kernel_fd = -1;
static int initrd_fd = -1;

static int memfd_with(const void *data, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 0) < 0)
		abort();
	if (len && pwrite(fd, data, len, 0) != (ssize_t)len)
		abort();
	return fd;
}

static void fuzz_init(void)
{
	static uint8_t initrd[8192 + 17];

	if (kernel_fd >= 0)
		return;
	if (guest_memory_create(&mem, FUZZ_MEM_SIZE, false) < 0)
		abort();
	memset(initrd, 0x42, sizeof(initrd));
	initrd_fd = memfd_with(initrd, sizeof(initrd));
	kernel_fd = memfd_with(NULL, 0);
}

static void check_result(const struct boot_entry *out)
{
	if (out->kernel_start < LAYOUT_HIMEM_START || out->kernel_end > mem.low_size ||
	    out->kernel_start >= out->kernel_end)
		abort();
	if (out->entry < out->kernel_start || out->entry >= out->kernel_end)
		abort();
	if (out->initrd_start < out->kernel_end ||
	    out->initrd_start + out->initrd_size > mem.low_size ||
	    out->initrd_start % 4096 != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct boot_params_in in = {
		.initrd_fd = -1,
		.cmdline = CMDLINE_DEFAULT " console=ttyS0",
	};
	struct boot_entry out;
	char err[256];

	fuzz_init();
	if (ftruncate(kernel_fd, 0) < 0)
		abort();
	if (size && pwrite(kernel_fd, data, size, 0) != (ssize_t)size)
		abort();
	in.kernel_fd = kernel_fd;
	in.initrd_fd = initrd_fd;
	in.pci_enabled = size & 1;
	if (boot_load(&mem, &in, &out, err, sizeof(err)) == 0)
		check_result(&out);
	else if (strnlen(err, sizeof(err)) == 0)
		abort();   /* every refusal explains itself */
	return 0;
}
