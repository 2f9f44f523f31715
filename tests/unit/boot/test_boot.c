/* boot_load() end to end on synthetic images: the zero page a kernel will
 * read, the command line, initrd placement, and the refusals that can only
 * be decided with kernel, initrd and command line together. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "boot.h"
#include "boot_priv.h"
#include "bootparam.h"
#include "images.h"
#include "layout.h"
#include "loader_fixture.h"
#include "memory.h"

#define MEM_SIZE (128 * MiB)
#define INITRD_SIZE (3 * BOOT_TEST_PAGE + 123)
#define BOOT_TEST_PAGE 4096ULL

struct fixture {
	struct guest_memory mem;
	struct test_elf elf;
	struct test_bz bz;
	uint8_t *initrd;
	size_t initrd_size;
	uint64_t sparse_initrd_size;    /* instead of initrd when not 0 */
	struct boot_params_in in;
	struct boot_entry out;
	char err[256];
};
LOADER_FIXTURE_CHECK(struct fixture);

static int setup_size(void **state, uint64_t size)
{
	struct fixture *f = loader_fixture_new(state, sizeof(*f), size);

	test_elf_build(&f->elf);
	test_bz_build(&f->bz);
	f->initrd_size = INITRD_SIZE;
	f->initrd = test_malloc(f->initrd_size);
	for (size_t i = 0; i < f->initrd_size; i++)
		f->initrd[i] = (uint8_t)(i * 7 + 3);
	f->in = (struct boot_params_in){
		.kernel_fd = -1, .initrd_fd = -1, .cmdline = "console=ttyS0 reboot=k",
	};
	return 0;
}

static int setup(void **state)
{
	return setup_size(state, MEM_SIZE);
}

static int setup_1g(void **state)
{
	return setup_size(state, 1 * GiB);
}

static int setup_3g(void **state)
{
	return setup_size(state, 3 * GiB);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	test_free(f->initrd);
	return loader_fixture_teardown(state);
}

/* A file of size bytes that takes no memory. */
static int sparse_memfd(uint64_t size)
{
	int fd = test_memfd("", 0);

	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* Runs boot_load with the given kernel bytes, the fixture's initrd when
 * with_initrd, and the fixture's inputs. */
static int run(struct fixture *f, const void *kernel, size_t len, bool with_initrd)
{
	int kfd = test_memfd(kernel, len);
	int ifd = !with_initrd ? -1 :
		  f->sparse_initrd_size ? sparse_memfd(f->sparse_initrd_size) :
		  test_memfd(f->initrd, f->initrd_size);
	int ret;

	f->in.kernel_fd = kfd;
	f->in.initrd_fd = ifd;
	f->err[0] = '\0';
	ret = boot_load(&f->mem, &f->in, &f->out, f->err, sizeof(f->err));
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	return ret;
}

static int run_elf(struct fixture *f, bool with_initrd)
{
	return run(f, f->elf.bytes, sizeof(f->elf.bytes), with_initrd);
}

static int run_bz(struct fixture *f, bool with_initrd)
{
	return run(f, f->bz.bytes, sizeof(f->bz.bytes), with_initrd);
}

static const struct boot_params *zero_page(const struct fixture *f)
{
	return (const struct boot_params *)(f->mem.host + LAYOUT_ZERO_PAGE);
}

static void assert_e820_matches(const struct fixture *f, bool pci)
{
	const struct boot_params *bp = zero_page(f);
	struct e820_entry want[E820_MAX_ENTRIES];
	int n = e820_build(&f->mem, pci, want, E820_MAX_ENTRIES);

	assert_true(n > 0);
	assert_int_equal(bp->e820_entries, n);
	for (int i = 0; i < n; i++) {
		assert_int_equal(bp->e820_table[i].addr, want[i].addr);
		assert_int_equal(bp->e820_table[i].size, want[i].size);
		assert_int_equal(bp->e820_table[i].type, want[i].type);
	}
}

static void assert_initrd_placed(const struct fixture *f, uint64_t ceiling)
{
	const struct boot_params *bp = zero_page(f);
	uint64_t start = f->out.initrd_start;

	assert_int_equal(f->out.initrd_size, f->initrd_size);
	assert_int_equal(start % BOOT_TEST_PAGE, 0);
	assert_true(start >= f->out.kernel_end);
	assert_true(start + f->initrd_size <= ceiling);
	/* As high as it goes: one more page up would cross the ceiling. */
	assert_true(start + BOOT_TEST_PAGE + f->initrd_size > ceiling);
	assert_memory_equal(f->mem.host + start, f->initrd, f->initrd_size);
	assert_int_equal(bp->hdr.ramdisk_image, (uint32_t)start);
	assert_int_equal(bp->hdr.ramdisk_size, f->initrd_size);
	assert_int_equal(bp->ext_ramdisk_image, 0);
	assert_int_equal(bp->ext_ramdisk_size, 0);
}

static void test_elf_zero_page(void **state)
{
	struct fixture *f = *state;
	const struct boot_params *bp = zero_page(f);

	f->in.acpi_rsdp_addr = LAYOUT_RSDP_START;
	assert_int_equal(run_elf(f, true), 0);
	assert_int_equal(f->out.entry, TEST_ELF_CODE_PADDR);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.kernel_alignment, 0x01000000);
	assert_int_equal(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE_START);
	assert_int_equal(bp->ext_cmd_line_ptr, 0);
	assert_int_equal(bp->hdr.cmdline_size, strlen(f->in.cmdline) + 1);
	assert_int_equal(bp->acpi_rsdp_addr, LAYOUT_RSDP_START);
	assert_int_equal(bp->sentinel, 0);
	assert_string_equal((const char *)f->mem.host + LAYOUT_CMDLINE_START, f->in.cmdline);
	assert_initrd_placed(f, MEM_SIZE);
	assert_e820_matches(f, false);
}

static void test_bzimage_zero_page(void **state)
{
	struct fixture *f = *state;
	const struct boot_params *bp = zero_page(f);
	const struct setup_header *img = test_bz_hdr(&f->bz);

	f->in.pci_enabled = true;
	assert_int_equal(run_bz(f, true), 0);
	assert_int_equal(f->out.format, KERNEL_FORMAT_BZIMAGE);
	/* The kernel's own header, read-only fields untouched. */
	assert_int_equal(bp->hdr.version, img->version);
	assert_int_equal(bp->hdr.syssize, img->syssize);
	assert_int_equal(bp->hdr.init_size, img->init_size);
	assert_int_equal(bp->hdr.cmdline_size, img->cmdline_size);
	assert_int_equal(bp->hdr.kernel_alignment, img->kernel_alignment);
	assert_int_equal(bp->hdr.xloadflags, img->xloadflags);
	/* And the loader's fields. */
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.loadflags, LOADFLAG_LOADED_HIGH | LOADFLAG_CAN_USE_HEAP);
	assert_int_equal(bp->hdr.heap_end_ptr, 0xe000 - 0x200);
	assert_int_equal(bp->hdr.code32_start, TEST_BZ_PREF_ADDRESS);
	assert_int_equal(bp->hdr.cmd_line_ptr, LAYOUT_CMDLINE_START);
	assert_int_equal(bp->hdr.setup_data, 0);
	assert_int_equal(bp->acpi_rsdp_addr, 0);
	assert_int_equal(bp->sentinel, 0);
	assert_string_equal((const char *)f->mem.host + LAYOUT_CMDLINE_START, f->in.cmdline);
	assert_initrd_placed(f, MEM_SIZE);
	assert_e820_matches(f, true);
}

static void test_no_initrd(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run_bz(f, false), 0);
	assert_int_equal(f->out.initrd_start, 0);
	assert_int_equal(f->out.initrd_size, 0);
	assert_int_equal(zero_page(f)->hdr.ramdisk_image, 0);
	assert_int_equal(zero_page(f)->hdr.ramdisk_size, 0);
}

static void test_initrd_below_initrd_addr_max(void **state)
{
	struct fixture *f = *state;

	test_bz_hdr(&f->bz)->initrd_addr_max = 0x1fffffff;
	assert_int_equal(run_bz(f, true), 0);
	assert_initrd_placed(f, 0x20000000);
}

static void test_elf_initrd_below_2g(void **state)
{
	struct fixture *f = *state;

	/* 3 GiB of low RAM, but a vmlinux gets the 0x7fffffff every x86
	 * kernel declares as initrd_addr_max. */
	assert_int_equal(run_elf(f, true), 0);
	assert_initrd_placed(f, 2 * GiB);
}

static void test_initrd_larger_than_memory(void **state)
{
	struct fixture *f = *state;

	f->sparse_initrd_size = MEM_SIZE + BOOT_TEST_PAGE;
	assert_int_equal(run_elf(f, true), -ENOMEM);
	assert_err_contains(f->err, "Initrd does not fit in guest memory");
}

static void test_initrd_does_not_fit_above_kernel(void **state)
{
	struct fixture *f = *state;

	/* The kernel's footprint ends 4 KiB below the end of RAM. */
	test_bz_hdr(&f->bz)->init_size = (uint32_t)(MEM_SIZE - TEST_BZ_PREF_ADDRESS - BOOT_TEST_PAGE);
	assert_int_equal(run_bz(f, true), -ENOMEM);
	assert_err_contains(f->err, "Initrd does not fit in guest memory");
	/* With a one-page initrd it fits exactly. */
	f->initrd_size = BOOT_TEST_PAGE;
	assert_int_equal(run_bz(f, true), 0);
	assert_int_equal(f->out.initrd_start, MEM_SIZE - BOOT_TEST_PAGE);
}

static void test_initrd_not_regular(void **state)
{
	struct fixture *f = *state;
	int kfd = test_memfd(f->elf.bytes, sizeof(f->elf.bytes));
	int pipefd[2];

	assert_int_equal(pipe(pipefd), 0);
	f->in.kernel_fd = kfd;
	f->in.initrd_fd = pipefd[0];
	assert_int_equal(boot_load(&f->mem, &f->in, &f->out, f->err, sizeof(f->err)), -EINVAL);
	assert_err_contains(f->err, "Initrd is not a regular file");
	close(pipefd[0]);
	close(pipefd[1]);
	close(kfd);
}

static void test_empty_initrd(void **state)
{
	struct fixture *f = *state;

	f->initrd_size = 0;
	assert_int_equal(run_elf(f, true), -EINVAL);
	assert_err_contains(f->err, "Initrd is empty");
}

static char *repeat(char c, size_t n)
{
	char *s = test_malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_cmdline_limit_from_bzimage(void **state)
{
	struct fixture *f = *state;
	char *line = repeat('a', 255);

	/* cmdline_size: "the command line can contain at most cmdline_size
	 * characters". */
	test_bz_hdr(&f->bz)->cmdline_size = 255;
	f->in.cmdline = line;
	assert_int_equal(run_bz(f, false), 0);
	assert_string_equal((const char *)f->mem.host + LAYOUT_CMDLINE_START, line);
	test_free(line);

	line = repeat('b', 256);
	f->in.cmdline = line;
	assert_int_equal(run_bz(f, false), -E2BIG);
	assert_string_equal(f->err, "Kernel command line too long (257 bytes, max 256)");
	test_free(line);
}

static void test_cmdline_limit_for_elf(void **state)
{
	struct fixture *f = *state;
	char *line = repeat('c', 2047);

	f->in.cmdline = line;
	assert_int_equal(run_elf(f, false), 0);
	test_free(line);
	line = repeat('d', 2048);
	f->in.cmdline = line;
	assert_int_equal(run_elf(f, false), -E2BIG);
	assert_string_equal(f->err, "Kernel command line too long (2049 bytes, max 2048)");
	test_free(line);
}

static void test_cmdline_limit_of_layout(void **state)
{
	struct fixture *f = *state;
	char *line = repeat('e', LAYOUT_CMDLINE_MAX);

	/* A kernel that claims to take more than the command-line area. */
	test_bz_hdr(&f->bz)->cmdline_size = 1 << 20;
	f->in.cmdline = line;
	assert_int_equal(run_bz(f, false), -E2BIG);
	assert_string_equal(f->err, "Kernel command line too long (4097 bytes, max 4096)");
	test_free(line);
}

static void test_random_kernel(void **state)
{
	struct fixture *f = *state;
	uint8_t junk[8192];

	srand(42);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rand();
	assert_int_equal(run(f, junk, sizeof(junk), true), -ENOEXEC);
	assert_string_equal(f->err, "Kernel image is not an ELF or bzImage");
}

static void test_bad_kernel_error_passes_through(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_machine = EM_AARCH64;
	assert_int_equal(run_elf(f, true), -EINVAL);
	assert_string_equal(f->err, "Kernel is an ELF for another machine (e_machine 183)");
}

static void test_reload_same_memory(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(run_elf(f, true), 0);
	assert_int_equal(run_bz(f, true), 0);
	assert_int_equal(zero_page(f)->hdr.version, 0x020f);
	assert_int_equal(zero_page(f)->hdr.kernel_alignment, 0x200000);
	assert_initrd_placed(f, MEM_SIZE);
}

static void test_invalid_arguments(void **state)
{
	struct fixture *f = *state;

	f->in.cmdline = NULL;
	assert_int_equal(boot_load(&f->mem, &f->in, &f->out, f->err, sizeof(f->err)), -EINVAL);
	assert_int_equal(boot_load(&f->mem, NULL, &f->out, NULL, 0), -EINVAL);
}

static void test_file_ending_early(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[64];
	int fd = test_memfd("short", 5);

	/* What a file that shrinks between fstat and read looks like. */
	assert_int_equal(boot_file_read(fd, buf, sizeof(buf), 0), -ENODATA);
	assert_int_equal(boot_read_failed(-ENODATA, "Initrd", 0, f->err, sizeof(f->err)), -EIO);
	assert_err_contains(f->err, "Initrd is shorter than its headers say");
	assert_int_equal(boot_file_read(fd, buf, 5, 0), 0);
	assert_memory_equal(buf, "short", 5);
	assert_int_equal(boot_file_read(fd, buf, 1, UINT64_MAX - 1), -EINVAL);
	close(fd);
}

static void test_initrd_place_edges(void **state)
{
	struct fixture *f = *state;
	uint64_t addr = 0;

	assert_int_equal(initrd_place(&f->mem, 0, 0, UINT64_MAX, &addr), -ENOMEM);
	/* A ceiling that would wrap is clamped to RAM. */
	assert_int_equal(initrd_place(&f->mem, 1, 0, UINT64_MAX, &addr), 0);
	assert_int_equal(addr, MEM_SIZE - BOOT_TEST_PAGE);
	/* "if your ramdisk is exactly 131072 bytes long and this field is
	 * 0x37FFFFFF, you can start your ramdisk at 0x37FE0000" */
	assert_int_equal(initrd_place(&(struct guest_memory){ .low_size = 1 * GiB },
				      131072, 0, 0x37ffffff, &addr), 0);
	assert_int_equal(addr, 0x37fe0000);
	assert_int_equal(initrd_place(&f->mem, BOOT_TEST_PAGE, MEM_SIZE - BOOT_TEST_PAGE + 1,
				      UINT64_MAX, &addr), -ENOMEM);
	assert_int_equal(initrd_place(&f->mem, MEM_SIZE + 1, 0, UINT64_MAX, &addr), -ENOMEM);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf_zero_page),
		T(test_bzimage_zero_page),
		T(test_no_initrd),
		cmocka_unit_test_setup_teardown(test_initrd_below_initrd_addr_max,
						setup_1g, teardown),
		cmocka_unit_test_setup_teardown(test_elf_initrd_below_2g, setup_3g, teardown),
		T(test_initrd_larger_than_memory),
		T(test_initrd_does_not_fit_above_kernel),
		T(test_initrd_not_regular),
		T(test_empty_initrd),
		T(test_cmdline_limit_from_bzimage),
		T(test_cmdline_limit_for_elf),
		T(test_cmdline_limit_of_layout),
		T(test_random_kernel),
		T(test_bad_kernel_error_passes_through),
		T(test_reload_same_memory),
		T(test_invalid_arguments),
		T(test_file_ending_early),
		T(test_initrd_place_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
