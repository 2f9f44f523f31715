/* The loaders on the host's real distribution kernel: its bzImage, the ELF
 * vmlinux extracted from it, and its initrd.  Skipped where there is none. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "boot.h"
#include "bootparam.h"
#include "images.h"
#include "layout.h"
#include "loader_fixture.h"
#include "memory.h"

#define MEM_SIZE (512 * MiB)

struct fixture {
	struct guest_memory mem;
	struct boot_entry out;
	char err[256];
};
LOADER_FIXTURE_CHECK(struct fixture);

static int setup(void **state)
{
	loader_fixture_new(state, sizeof(struct fixture), MEM_SIZE);
	return 0;
}

static int open_or_skip(const char *path)
{
	int fd;

	if (!path)
		skip();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	return fd;
}

static int vmlinux_or_skip(void)
{
	int fd = test_real_vmlinux_fd();

	if (fd < 0)
		skip();
	return fd;
}

static void read_at(int fd, void *buf, size_t len, off_t off)
{
	assert_int_equal(pread(fd, buf, len, off), (ssize_t)len);
}

static void test_real_bzimage_loads(void **state)
{
	struct fixture *f = *state;
	int fd = open_or_skip(test_real_bzimage());
	struct setup_header hdr;
	uint8_t want[4096];
	uint64_t pm_off;

	assert_int_equal(boot_load_bzimage(&f->mem, fd, &f->out, &hdr, f->err, sizeof(f->err)), 0);
	assert_true(hdr.version >= 0x020c);
	assert_true(hdr.xloadflags & XLF_KERNEL_64);
	assert_int_equal(f->out.entry, f->out.kernel_start + 0x200);
	assert_true(f->out.kernel_start >= LAYOUT_HIMEM_START);
	if (hdr.relocatable_kernel)
		assert_int_equal(f->out.kernel_start, hdr.pref_address);
	assert_true(f->out.kernel_end >= f->out.kernel_start + hdr.init_size);
	assert_int_equal(f->out.cmdline_max, hdr.cmdline_size + 1);
	/* The first and the last page of the protected-mode part. */
	pm_off = ((hdr.setup_sects ? hdr.setup_sects : 4) + 1) * 512ULL;
	read_at(fd, want, sizeof(want), (off_t)pm_off);
	assert_memory_equal(f->mem.host + f->out.kernel_start, want, sizeof(want));
	read_at(fd, want, sizeof(want), (off_t)(pm_off + hdr.syssize * 16ULL - sizeof(want)));
	assert_memory_equal(f->mem.host + f->out.kernel_start + hdr.syssize * 16ULL - sizeof(want),
			    want, sizeof(want));
	close(fd);
}

static void test_real_vmlinux_loads(void **state)
{
	struct fixture *f = *state;
	int fd = vmlinux_or_skip();
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	uint8_t want[256];

	assert_int_equal(boot_load_elf(&f->mem, fd, &f->out, f->err, sizeof(f->err)), 0);
	read_at(fd, &eh, sizeof(eh), 0);
	/* x86-64 vmlinux: ENTRY(phys_startup_64), a physical address. */
	assert_int_equal(f->out.entry, eh.e_entry);
	assert_true(f->out.kernel_start >= LAYOUT_HIMEM_START);
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		read_at(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph)));
		if (ph.p_type != PT_LOAD || ph.p_filesz < sizeof(want))
			continue;
		assert_true(ph.p_paddr + ph.p_memsz <= f->out.kernel_end);
		read_at(fd, want, sizeof(want), (off_t)ph.p_offset);
		assert_memory_equal(f->mem.host + ph.p_paddr, want, sizeof(want));
	}
}

static void test_real_vmlinux_truncated(void **state)
{
	struct fixture *f = *state;
	int fd = vmlinux_or_skip();
	uint8_t head[1 << 16];
	int cut;

	/* Headers intact, segments missing. */
	read_at(fd, head, sizeof(head), 0);
	cut = test_memfd(head, sizeof(head));
	assert_int_equal(boot_load_elf(&f->mem, cut, &f->out, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "outside the file"));
	close(cut);
}

static void boot_real(struct fixture *f, int kfd, bool pci)
{
	int ifd = open_or_skip(test_real_initrd());
	struct boot_params_in in = {
		.kernel_fd = kfd, .initrd_fd = ifd,
		.cmdline = CMDLINE_DEFAULT " console=ttyS0", .pci_enabled = pci,
	};
	const struct boot_params *bp = (const void *)(f->mem.host + LAYOUT_ZERO_PAGE);
	struct stat st;
	uint8_t want[4096];

	assert_int_equal(fstat(ifd, &st), 0);
	if (boot_load(&f->mem, &in, &f->out, f->err, sizeof(f->err)) != 0)
		fail_msg("boot_load: %s", f->err);
	assert_int_equal(f->out.initrd_size, (uint64_t)st.st_size);
	assert_true(f->out.initrd_start >= f->out.kernel_end);
	assert_true(f->out.initrd_start + f->out.initrd_size <= MEM_SIZE);
	assert_int_equal(bp->hdr.ramdisk_image, f->out.initrd_start);
	assert_int_equal(bp->hdr.ramdisk_size, f->out.initrd_size);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_true(bp->e820_entries >= 3);
	read_at(ifd, want, sizeof(want), st.st_size - (off_t)sizeof(want));
	assert_memory_equal(f->mem.host + f->out.initrd_start + f->out.initrd_size - sizeof(want),
			    want, sizeof(want));
	assert_string_equal((const char *)f->mem.host + LAYOUT_CMDLINE_START, in.cmdline);
	close(ifd);
}

static void test_real_bzimage_boot_load(void **state)
{
	struct fixture *f = *state;
	int fd = open_or_skip(test_real_bzimage());

	boot_real(f, fd, true);
	assert_int_equal(f->out.format, KERNEL_FORMAT_BZIMAGE);
	close(fd);
}

static void test_real_vmlinux_boot_load(void **state)
{
	struct fixture *f = *state;

	boot_real(f, vmlinux_or_skip(), false);
	assert_int_equal(f->out.format, KERNEL_FORMAT_ELF);
}

static void test_real_bzimage_too_small_memory(void **state)
{
	int fd = open_or_skip(test_real_bzimage());
	struct guest_memory small;
	struct boot_entry out;
	char err[256];

	/* Far below what any distribution kernel decompresses into. */
	assert_int_equal(guest_memory_create(&small, 16 * MiB, false), 0);
	assert_int_equal(boot_load_bzimage(&small, fd, &out, NULL, err, sizeof(err)), -ENOMEM);
	assert_non_null(strstr(err, "too small for the kernel"));
	guest_memory_destroy(&small);
	close(fd);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, loader_fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_real_bzimage_loads),
		T(test_real_vmlinux_loads),
		T(test_real_vmlinux_truncated),
		T(test_real_bzimage_boot_load),
		T(test_real_vmlinux_boot_load),
		cmocka_unit_test(test_real_bzimage_too_small_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
