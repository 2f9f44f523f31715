/* Kernel images for the boot tests: minimal synthetic ELF vmlinux and
 * bzImage files built in memory (valid by default, for the tests to break
 * one field at a time), memfds to hand them to the loaders, and the host's
 * real distribution kernel when there is one. */
#ifndef SPLITVM_TEST_BOOT_IMAGES_H
#define SPLITVM_TEST_BOOT_IMAGES_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "bootparam.h"

/* Synthetic ELF: segment 0 is code (TEST_ELF_CODE_SIZE bytes from the file
 * at TEST_ELF_CODE_PADDR, entry at its start), segment 1 is data with a
 * zero-filled tail (.bss), segment 2 a PT_NOTE. */
#define TEST_ELF_CODE_PADDR     0x1000000ULL
#define TEST_ELF_CODE_VADDR     0xffffffff81000000ULL
#define TEST_ELF_CODE_OFFSET    0x1000ULL
#define TEST_ELF_CODE_SIZE      0x2000ULL
#define TEST_ELF_DATA_PADDR     0x1400000ULL
#define TEST_ELF_DATA_OFFSET    0x3000ULL
#define TEST_ELF_DATA_FILESZ    0x1000ULL
#define TEST_ELF_DATA_MEMSZ     0x5000ULL
#define TEST_ELF_SIZE           0x4000ULL
#define TEST_ELF_PHNUM          3

/* Synthetic bzImage: protocol 2.15, relocatable, 64-bit entry, loaded at
 * pref_address. */
#define TEST_BZ_SETUP_SECTS     4u
#define TEST_BZ_PM_OFFSET       ((TEST_BZ_SETUP_SECTS + 1) * 512ULL)
#define TEST_BZ_PM_SIZE         0x2000ULL
#define TEST_BZ_SIZE            (TEST_BZ_PM_OFFSET + TEST_BZ_PM_SIZE)
#define TEST_BZ_PREF_ADDRESS    0x1000000ULL
#define TEST_BZ_INIT_SIZE       0x800000u
#define TEST_BZ_CMDLINE_SIZE    2047u

struct test_elf {
	uint8_t bytes[TEST_ELF_SIZE];
};

static inline Elf64_Ehdr *test_elf_ehdr(struct test_elf *e)
{
	return (Elf64_Ehdr *)e->bytes;
}

static inline Elf64_Phdr *test_elf_phdr(struct test_elf *e, unsigned int i)
{
	return (Elf64_Phdr *)(e->bytes + sizeof(Elf64_Ehdr)) + i;
}

void test_elf_build(struct test_elf *e);

struct test_bz {
	uint8_t bytes[TEST_BZ_SIZE];
};

static inline struct setup_header *test_bz_hdr(struct test_bz *b)
{
	return (struct setup_header *)(b->bytes + SETUP_HDR_OFFSET);
}

void test_bz_build(struct test_bz *b);

/* A memfd holding len bytes of data; fails the test on error. */
int test_memfd(const void *data, size_t len);
/* Byte i of the deterministic filler the builders use for file contents. */
uint8_t test_pattern(uint64_t i);

/* Real kernels: paths (env SPLITVM_TEST_BZIMAGE / SPLITVM_TEST_INITRD, else
 * the first /boot/vmlinuz-* / /boot/initrd.img-*), NULL when absent. */
const char *test_real_bzimage(void);
const char *test_real_initrd(void);
/* The vmlinux inside the real bzImage, extracted by the project's
 * scripts/extract-vmlinux (env SPLITVM_EXTRACT_VMLINUX) into a memfd;
 * -1 when there is no kernel or no extractor.  Cached per process. */
int test_real_vmlinux_fd(void);

#endif
