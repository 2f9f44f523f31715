/* ELF vmlinux loader on synthetic images: what a valid image puts where,
 * and a clear refusal for each way a header or segment can be wrong. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "boot.h"
#include "images.h"
#include "layout.h"
#include "loader_fixture.h"
#include "memory.h"

#define MEM_SIZE (32 * MiB)

struct fixture {
	struct guest_memory mem;
	struct test_elf elf;
	struct boot_entry out;
	char err[256];
};
LOADER_FIXTURE_CHECK(struct fixture);

static int setup(void **state)
{
	struct fixture *f = loader_fixture_new(state, sizeof(*f), MEM_SIZE);

	/* Non-zero memory shows whether .bss is really cleared and whether
	 * anything lands outside the segments.  Only the first 64 KiB and the
	 * kernel's area, to keep the test fast. */
	memset(f->mem.host, 0xaa, 0x10000);
	memset(f->mem.host + TEST_ELF_CODE_PADDR, 0xaa,
	       TEST_ELF_DATA_PADDR + TEST_ELF_DATA_MEMSZ + 0x1000 - TEST_ELF_CODE_PADDR);
	test_elf_build(&f->elf);
	return 0;
}

static int load_bytes(struct fixture *f, const void *bytes, size_t len)
{
	int fd = test_memfd(bytes, len);
	int ret;

	f->err[0] = '\0';
	ret = boot_load_elf(&f->mem, fd, &f->out, f->err, sizeof(f->err));
	close(fd);
	return ret;
}

static int load(struct fixture *f)
{
	return load_bytes(f, f->elf.bytes, sizeof(f->elf.bytes));
}

static void test_valid_elf_loads_segments(void **state)
{
	struct fixture *f = *state;
	const uint8_t *code = f->mem.host + TEST_ELF_CODE_PADDR;
	const uint8_t *data = f->mem.host + TEST_ELF_DATA_PADDR;
	uint64_t i;

	assert_int_equal(load(f), 0);
	assert_int_equal(f->out.format, KERNEL_FORMAT_ELF);
	assert_int_equal(f->out.entry, TEST_ELF_CODE_PADDR);
	assert_int_equal(f->out.zero_page, LAYOUT_ZERO_PAGE);
	assert_int_equal(f->out.kernel_start, TEST_ELF_CODE_PADDR);
	assert_int_equal(f->out.kernel_end, TEST_ELF_DATA_PADDR + TEST_ELF_DATA_MEMSZ);
	assert_int_equal(f->out.cmdline_max, 2048);
	assert_memory_equal(code, f->elf.bytes + TEST_ELF_CODE_OFFSET, TEST_ELF_CODE_SIZE);
	assert_memory_equal(data, f->elf.bytes + TEST_ELF_DATA_OFFSET, TEST_ELF_DATA_FILESZ);
	for (i = TEST_ELF_DATA_FILESZ; i < TEST_ELF_DATA_MEMSZ; i++)
		assert_int_equal(data[i], 0);
	/* Nothing past the segment and nothing from the PT_NOTE. */
	assert_int_equal(data[TEST_ELF_DATA_MEMSZ], 0xaa);
	assert_int_equal(f->mem.host[0x10], 0xaa);
}

static void test_virtual_entry_is_translated(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_entry = TEST_ELF_CODE_VADDR + 0x123;
	assert_int_equal(load(f), 0);
	assert_int_equal(f->out.entry, TEST_ELF_CODE_PADDR + 0x123);
}

static void test_entry_outside_segments(void **state)
{
	struct fixture *f = *state;

	/* Inside the zero-filled part of data: no code there. */
	test_elf_ehdr(&f->elf)->e_entry = TEST_ELF_DATA_PADDR + TEST_ELF_DATA_FILESZ + 8;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "entry point");
}

static void test_not_elf(void **state)
{
	struct fixture *f = *state;

	f->elf.bytes[0] = 'M';
	assert_int_equal(load(f), -ENOEXEC);
}

static void test_foreign_machine(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_machine = EM_AARCH64;
	assert_int_equal(load(f), -EINVAL);
	assert_string_equal(f->err, "Kernel is an ELF for another machine (e_machine 183)");
}

static void test_elf32_i386(void **state)
{
	struct fixture *f = *state;
	Elf32_Ehdr eh = {
		.e_type = ET_EXEC, .e_machine = EM_386, .e_version = EV_CURRENT,
		.e_entry = 0x100000, .e_phoff = sizeof(Elf32_Ehdr),
		.e_ehsize = sizeof(Elf32_Ehdr), .e_phentsize = sizeof(Elf32_Phdr),
		.e_phnum = 1,
	};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	assert_int_equal(load_bytes(f, &eh, sizeof(eh)), -EINVAL);
	assert_err_contains(f->err, "another machine (e_machine 3)");
}

static void test_elf32_x86_64_class(void **state)
{
	struct fixture *f = *state;

	f->elf.bytes[EI_CLASS] = ELFCLASS32;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "32-bit ELF");
}

static void test_big_endian(void **state)
{
	struct fixture *f = *state;

	f->elf.bytes[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "big-endian");
}

static void test_not_executable(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_type = ET_DYN;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "not an executable");
}

static void test_truncated_header(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_bytes(f, f->elf.bytes, 40), -EINVAL);
	assert_err_contains(f->err, "truncated");
	assert_int_equal(load_bytes(f, f->elf.bytes, 10), -EINVAL);
	assert_err_contains(f->err, "truncated");
}

static void test_truncated_segment_data(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_bytes(f, f->elf.bytes, TEST_ELF_SIZE - 1), -EINVAL);
	assert_err_contains(f->err, "segment 1");
	assert_err_contains(f->err, "outside the file");
}

static void test_bad_phentsize(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_phentsize = sizeof(Elf32_Phdr);
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "program headers are 32 bytes");
}

static void test_phnum_zero_and_huge(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_phnum = 0;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "0 program headers");
	test_elf_ehdr(&f->elf)->e_phnum = PN_XNUM;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "65535 program headers");
}

static void test_phdrs_outside_file(void **state)
{
	struct fixture *f = *state;

	test_elf_ehdr(&f->elf)->e_phoff = TEST_ELF_SIZE - 100;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "program header table");
	test_elf_ehdr(&f->elf)->e_phoff = UINT64_MAX - 8;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "program header table");
}

static void test_segment_outside_ram(void **state)
{
	struct fixture *f = *state;

	test_elf_phdr(&f->elf, 1)->p_paddr = MEM_SIZE - 0x1000;
	assert_int_equal(load(f), -ENOMEM);
	assert_err_contains(f->err, "segment 1");
	assert_err_contains(f->err, "outside guest memory");
}

static void test_segment_in_mmio_hole(void **state)
{
	struct fixture *f = *state;

	test_elf_phdr(&f->elf, 0)->p_paddr = LAYOUT_MMIO32_START;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "segment 0");
}

static void test_segment_below_1mib(void **state)
{
	struct fixture *f = *state;

	/* It would overwrite the zero page and the boot page tables. */
	test_elf_phdr(&f->elf, 1)->p_paddr = LAYOUT_ZERO_PAGE;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "segment 1");
	assert_int_equal(f->mem.host[LAYOUT_ZERO_PAGE], 0xaa);
}

static void test_segment_paddr_wraps(void **state)
{
	struct fixture *f = *state;

	test_elf_phdr(&f->elf, 1)->p_paddr = UINT64_MAX - 0xfff;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "segment 1");
}

static void test_filesz_larger_than_memsz(void **state)
{
	struct fixture *f = *state;

	test_elf_phdr(&f->elf, 0)->p_memsz = TEST_ELF_CODE_SIZE - 1;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "p_filesz 0x2000 is larger than p_memsz 0x1fff");
}

static void test_offset_plus_size_overflows(void **state)
{
	struct fixture *f = *state;
	Elf64_Phdr *ph = test_elf_phdr(&f->elf, 0);

	ph->p_offset = UINT64_MAX - 0x10;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "outside the file");
	/* Reported before anything reached guest memory. */
	assert_int_equal(f->mem.host[TEST_ELF_CODE_PADDR], 0xaa);
}

static void test_huge_memsz(void **state)
{
	struct fixture *f = *state;

	test_elf_phdr(&f->elf, 1)->p_memsz = UINT64_MAX;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "segment 1");
}

static void test_bss_only_segment(void **state)
{
	struct fixture *f = *state;
	Elf64_Phdr *ph = test_elf_phdr(&f->elf, 1);
	uint64_t i;

	ph->p_filesz = 0;
	assert_int_equal(load(f), 0);
	for (i = 0; i < TEST_ELF_DATA_MEMSZ; i++)
		assert_int_equal(f->mem.host[TEST_ELF_DATA_PADDR + i], 0);
}

static void test_no_loadable_segment(void **state)
{
	struct fixture *f = *state;

	test_elf_phdr(&f->elf, 0)->p_type = PT_NULL;
	test_elf_phdr(&f->elf, 1)->p_memsz = 0;
	test_elf_phdr(&f->elf, 1)->p_filesz = 0;
	assert_int_equal(load(f), -EINVAL);
	assert_err_contains(f->err, "no loadable segment");
}

static void test_directory_is_refused(void **state)
{
	struct fixture *f = *state;
	int fd = open(".", O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	assert_int_equal(boot_load_elf(&f->mem, fd, &f->out, f->err, sizeof(f->err)), -EINVAL);
	assert_err_contains(f->err, "not a regular file");
	close(fd);
}

static void test_empty_file(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(load_bytes(f, "", 0), -EINVAL);
	assert_err_contains(f->err, "empty");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, loader_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_elf_loads_segments),
		T(test_virtual_entry_is_translated),
		T(test_entry_outside_segments),
		T(test_not_elf),
		T(test_foreign_machine),
		T(test_elf32_i386),
		T(test_elf32_x86_64_class),
		T(test_big_endian),
		T(test_not_executable),
		T(test_truncated_header),
		T(test_truncated_segment_data),
		T(test_bad_phentsize),
		T(test_phnum_zero_and_huge),
		T(test_phdrs_outside_file),
		T(test_segment_outside_ram),
		T(test_segment_in_mmio_hole),
		T(test_segment_below_1mib),
		T(test_segment_paddr_wraps),
		T(test_filesz_larger_than_memsz),
		T(test_offset_plus_size_overflows),
		T(test_huge_memsz),
		T(test_bss_only_segment),
		T(test_no_loadable_segment),
		T(test_directory_is_refused),
		T(test_empty_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
