#include "images.h"

#include <glob.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

extern char **environ;

uint8_t test_pattern(uint64_t i)
{
	return (uint8_t)(i * 131 + (i >> 8) * 7 + 1);
}

static void fill_pattern(uint8_t *p, uint64_t len, uint64_t seed)
{
	for (uint64_t i = 0; i < len; i++)
		p[i] = test_pattern(seed + i);
}

void test_elf_build(struct test_elf *e)
{
	Elf64_Ehdr *eh = test_elf_ehdr(e);

	memset(e, 0, sizeof(*e));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = TEST_ELF_CODE_PADDR;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = TEST_ELF_PHNUM;

	*test_elf_phdr(e, 0) = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_X,
		.p_offset = TEST_ELF_CODE_OFFSET, .p_vaddr = TEST_ELF_CODE_VADDR,
		.p_paddr = TEST_ELF_CODE_PADDR, .p_filesz = TEST_ELF_CODE_SIZE,
		.p_memsz = TEST_ELF_CODE_SIZE, .p_align = 0x1000,
	};
	*test_elf_phdr(e, 1) = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_flags = PF_R | PF_W,
		.p_offset = TEST_ELF_DATA_OFFSET,
		.p_vaddr = TEST_ELF_CODE_VADDR + (TEST_ELF_DATA_PADDR - TEST_ELF_CODE_PADDR),
		.p_paddr = TEST_ELF_DATA_PADDR, .p_filesz = TEST_ELF_DATA_FILESZ,
		.p_memsz = TEST_ELF_DATA_MEMSZ, .p_align = 0x1000,
	};
	/* A note pointing nowhere sensible: it must be ignored, not loaded. */
	*test_elf_phdr(e, 2) = (Elf64_Phdr){
		.p_type = PT_NOTE, .p_offset = 0xfffffffffffff000ULL,
		.p_paddr = 0x10, .p_filesz = 0x100000, .p_memsz = 0x100000,
	};
	fill_pattern(e->bytes + TEST_ELF_CODE_OFFSET, TEST_ELF_SIZE - TEST_ELF_CODE_OFFSET,
		     TEST_ELF_CODE_OFFSET);
}

void test_bz_build(struct test_bz *b)
{
	struct setup_header *h = test_bz_hdr(b);

	memset(b, 0, sizeof(*b));
	h->setup_sects = TEST_BZ_SETUP_SECTS;
	h->syssize = (uint32_t)(TEST_BZ_PM_SIZE / 16);
	h->boot_flag = SETUP_BOOT_FLAG;
	h->jump = 0x6aeb;      /* jmp short to 0x26c: the 2.15 header's end */
	h->header = SETUP_HDR_MAGIC;
	h->version = 0x020f;
	h->loadflags = LOADFLAG_LOADED_HIGH;
	h->code32_start = 0x100000;
	h->initrd_addr_max = 0x7fffffff;
	h->kernel_alignment = 0x200000;
	h->relocatable_kernel = 1;
	h->min_alignment = 21;
	h->xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
	h->cmdline_size = TEST_BZ_CMDLINE_SIZE;
	h->setup_data = 0x1234;        /* must not reach the zero page */
	h->pref_address = TEST_BZ_PREF_ADDRESS;
	h->init_size = TEST_BZ_INIT_SIZE;
	fill_pattern(b->bytes + TEST_BZ_PM_OFFSET, TEST_BZ_PM_SIZE, TEST_BZ_PM_OFFSET);
}

int test_memfd(const void *data, size_t len)
{
	int fd = memfd_create("boot-test-image", MFD_CLOEXEC);
	const uint8_t *p = data;

	assert_true(fd >= 0);
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
	return fd;
}

static const char *first_match(const char *env, const char *pattern)
{
	static char path[2][4096];
	static int slot;
	const char *e = getenv(env);
	glob_t g;
	char *out;

	if (e && *e)
		return access(e, R_OK) == 0 ? e : NULL;
	if (glob(pattern, 0, NULL, &g) != 0)
		return NULL;
	out = NULL;
	for (size_t i = 0; i < g.gl_pathc && !out; i++) {
		if (access(g.gl_pathv[i], R_OK) == 0) {
			out = path[slot++ % 2];
			snprintf(out, sizeof(path[0]), "%s", g.gl_pathv[i]);
		}
	}
	globfree(&g);
	return out;
}

const char *test_real_bzimage(void)
{
	return first_match("SPLITVM_TEST_BZIMAGE", "/boot/vmlinuz-*");
}

const char *test_real_initrd(void)
{
	return first_match("SPLITVM_TEST_INITRD", "/boot/initrd.img-*");
}

static int extract_vmlinux(const char *script, const char *bzimage)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)script, (char *)bzimage, NULL };
	struct stat st;
	int fd, status;
	pid_t pid;

	fd = memfd_create("vmlinux", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	if (posix_spawn(&pid, script, &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fd);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || fstat(fd, &st) < 0 || st.st_size == 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int test_real_vmlinux_fd(void)
{
	static bool tried;
	static int fd = -1;
	const char *script = getenv("SPLITVM_EXTRACT_VMLINUX");
	const char *bz;

	if (tried)
		return fd;
	tried = true;
	bz = test_real_bzimage();
	if (!script || !bz)
		return -1;
	fd = extract_vmlinux(script, bz);
	return fd;
}
