/* ELF vmlinux loader.  Each PT_LOAD segment goes to its physical address
 * (p_paddr) and the vCPU enters at e_entry, as Firecracker does: an x86-64
 * vmlinux is linked with ENTRY(phys_startup_64), so e_entry is already the
 * physical address of the 64-bit startup code.  The image is hostile: the
 * header, the program header table and every segment are checked against
 * the file and against guest RAM before a byte is copied. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_priv.h"
#include "checked.h"
#include "layout.h"

/* A vmlinux has a handful of program headers (text, data, percpu, init,
 * note); anything near PN_XNUM is not a kernel. */
#define ELF_MAX_PHDRS 64

static int elf_check_ident(const Elf64_Ehdr *eh, uint64_t fsize,
			   char *err, size_t errlen)
{
	/* e_machine sits at the same offset in ELF32 and ELF64 headers, so it
	 * can be reported before the class is known to match. */
	if (fsize < offsetof(Elf64_Ehdr, e_version)) {
		boot_errf(err, errlen, "Kernel ELF is truncated (%llu bytes)",
			  (unsigned long long)fsize);
		return -EINVAL;
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		boot_errf(err, errlen, "Kernel is a big-endian ELF (EI_DATA %u); "
			  "an x86-64 vmlinux is needed", eh->e_ident[EI_DATA]);
		return -EINVAL;
	}
	if (eh->e_machine != EM_X86_64) {
		boot_errf(err, errlen, "Kernel is an ELF for another machine "
			  "(e_machine %u)", eh->e_machine);
		return -EINVAL;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		boot_errf(err, errlen, "Kernel is a 32-bit ELF (EI_CLASS %u); "
			  "a 64-bit x86-64 vmlinux is needed", eh->e_ident[EI_CLASS]);
		return -EINVAL;
	}
	if (fsize < sizeof(*eh)) {
		boot_errf(err, errlen, "Kernel ELF is truncated (%llu bytes)",
			  (unsigned long long)fsize);
		return -EINVAL;
	}
	return 0;
}

static int elf_check_header(const Elf64_Ehdr *eh, uint64_t fsize,
			    char *err, size_t errlen)
{
	int ret = elf_check_ident(eh, fsize, err, errlen);

	if (ret < 0)
		return ret;
	if (eh->e_type != ET_EXEC) {
		boot_errf(err, errlen, "Kernel ELF is not an executable (e_type %u)",
			  eh->e_type);
		return -EINVAL;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
		boot_errf(err, errlen, "Kernel ELF program headers are %u bytes, "
			  "not %zu", eh->e_phentsize, sizeof(Elf64_Phdr));
		return -EINVAL;
	}
	if (eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS) {
		boot_errf(err, errlen, "Kernel ELF has %u program headers "
			  "(expected 1 to %u)", eh->e_phnum, ELF_MAX_PHDRS);
		return -EINVAL;
	}
	if (!range_within(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), fsize)) {
		boot_errf(err, errlen, "Kernel ELF program header table at offset "
			  "0x%llx lies outside the file (%llu bytes)",
			  (unsigned long long)eh->e_phoff, (unsigned long long)fsize);
		return -EINVAL;
	}
	return 0;
}

static bool elf_segment_loads(const Elf64_Phdr *ph)
{
	return ph->p_type == PT_LOAD && ph->p_memsz != 0;
}

/* A segment must come from inside the file and land in RAM at or above
 * 1 MiB: below that live the zero page, the page tables, the command line
 * and the MP/ACPI tables (layout.h), which the kernel must not overwrite.
 * It must also stay below the MMIO hole, where the identity-mapped boot
 * page tables can reach it. */
static int elf_check_segment(const struct guest_memory *mem, const Elf64_Phdr *ph,
			     unsigned int idx, uint64_t fsize, char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz) {
		boot_errf(err, errlen, "Kernel ELF segment %u: p_filesz 0x%llx is "
			  "larger than p_memsz 0x%llx", idx,
			  (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
		return -EINVAL;
	}
	if (!range_within(ph->p_offset, ph->p_filesz, fsize)) {
		boot_errf(err, errlen, "Kernel ELF segment %u: 0x%llx bytes at file "
			  "offset 0x%llx lie outside the file (%llu bytes)", idx,
			  (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_offset,
			  (unsigned long long)fsize);
		return -EINVAL;
	}
	if (ph->p_paddr < LAYOUT_HIMEM_START ||
	    !range_within(ph->p_paddr, ph->p_memsz, mem->low_size)) {
		boot_errf(err, errlen, "Kernel ELF segment %u (0x%llx bytes at 0x%llx) "
			  "is outside guest memory usable for the kernel "
			  "[0x%llx, 0x%llx)", idx, (unsigned long long)ph->p_memsz,
			  (unsigned long long)ph->p_paddr,
			  (unsigned long long)LAYOUT_HIMEM_START,
			  (unsigned long long)mem->low_size);
		/* -ENOMEM only when more guest memory would have helped. */
		return ph->p_paddr >= LAYOUT_HIMEM_START &&
		       range_within(ph->p_paddr, ph->p_memsz, LAYOUT_MMIO32_START) ?
		       -ENOMEM : -EINVAL;
	}
	return 0;
}

static int elf_check_segments(const struct guest_memory *mem, const Elf64_Phdr *ph,
			      unsigned int n, uint64_t fsize, struct boot_entry *out,
			      char *err, size_t errlen)
{
	uint64_t start = UINT64_MAX, end = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		if (!elf_segment_loads(&ph[i]))
			continue;
		ret = elf_check_segment(mem, &ph[i], i, fsize, err, errlen);
		if (ret < 0)
			return ret;
		if (ph[i].p_paddr < start)
			start = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > end)
			end = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (end == 0) {
		boot_errf(err, errlen, "Kernel ELF has no loadable segment");
		return -EINVAL;
	}
	out->kernel_start = start;
	out->kernel_end = end;
	return 0;
}

/* The entry must be inside code that is actually loaded, or the vCPU would
 * start in zeroes.  e_entry is physical for vmlinux (ENTRY(phys_startup_64));
 * an image whose e_entry is a virtual address of one of its segments is
 * translated through that segment's p_vaddr -> p_paddr. */
static int elf_find_entry(const Elf64_Phdr *ph, unsigned int n, uint64_t e_entry,
			  uint64_t *entry, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (elf_segment_loads(&ph[i]) && e_entry >= ph[i].p_paddr &&
		    e_entry - ph[i].p_paddr < ph[i].p_filesz) {
			*entry = e_entry;
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		if (elf_segment_loads(&ph[i]) && e_entry >= ph[i].p_vaddr &&
		    e_entry - ph[i].p_vaddr < ph[i].p_filesz) {
			*entry = ph[i].p_paddr + (e_entry - ph[i].p_vaddr);
			return 0;
		}
	}
	boot_errf(err, errlen, "Kernel ELF entry point 0x%llx is not inside a "
		  "loaded segment", (unsigned long long)e_entry);
	return -EINVAL;
}

static int elf_load_segments(const struct guest_memory *mem, int fd,
			     const Elf64_Phdr *ph, unsigned int n,
			     char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		uint8_t *bss;

		if (!elf_segment_loads(&ph[i]))
			continue;
		ret = boot_file_to_guest(mem, fd, ph[i].p_offset, ph[i].p_paddr,
					 ph[i].p_filesz);
		if (ret < 0)
			return boot_read_failed(ret, "Kernel image", ph[i].p_offset,
						err, errlen);
		/* The part of p_memsz beyond p_filesz is the segment's zero
		 * fill (.bss); memory may not be fresh (reboot), so clear it. */
		if (ph[i].p_memsz == ph[i].p_filesz)
			continue;
		bss = guest_memory_ptr(mem, ph[i].p_paddr + ph[i].p_filesz,
				       ph[i].p_memsz - ph[i].p_filesz);
		if (!bss)
			return -EFAULT;   /* checked by elf_check_segment */
		memset(bss, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	return 0;
}

static int elf_read_phdrs(int fd, const Elf64_Ehdr *eh, Elf64_Phdr **out,
			  char *err, size_t errlen)
{
	Elf64_Phdr *ph = calloc(eh->e_phnum, sizeof(*ph));
	int ret;

	if (!ph) {
		boot_errf(err, errlen, "Out of memory reading the kernel ELF");
		return -ENOMEM;
	}
	ret = boot_file_read(fd, ph, (uint64_t)eh->e_phnum * sizeof(*ph), eh->e_phoff);
	if (ret < 0) {
		free(ph);
		return boot_read_failed(ret, "Kernel image", eh->e_phoff, err, errlen);
	}
	*out = ph;
	return 0;
}

int boot_load_elf(struct guest_memory *mem, int fd, struct boot_entry *out,
		  char *err, size_t errlen)
{
	struct boot_entry res = { .format = KERNEL_FORMAT_ELF };
	Elf64_Phdr *ph = NULL;
	Elf64_Ehdr eh;
	uint64_t fsize;
	int ret;

	ret = boot_file_size(fd, "Kernel image", &fsize, err, errlen);
	if (ret < 0)
		return ret;
	memset(&eh, 0, sizeof(eh));
	ret = boot_file_read(fd, &eh, fsize < sizeof(eh) ? fsize : sizeof(eh), 0);
	if (ret < 0)
		return boot_read_failed(ret, "Kernel image", 0, err, errlen);
	if (fsize < SELFMAG || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
		boot_errf(err, errlen, "Kernel image is not an ELF file");
		return -ENOEXEC;
	}
	ret = elf_check_header(&eh, fsize, err, errlen);
	if (ret < 0)
		return ret;
	ret = elf_read_phdrs(fd, &eh, &ph, err, errlen);
	if (ret < 0)
		return ret;
	ret = elf_check_segments(mem, ph, eh.e_phnum, fsize, &res, err, errlen);
	if (ret == 0)
		ret = elf_find_entry(ph, eh.e_phnum, eh.e_entry, &res.entry, err, errlen);
	if (ret == 0)
		ret = elf_load_segments(mem, fd, ph, eh.e_phnum, err, errlen);
	free(ph);
	if (ret < 0)
		return ret;

	res.zero_page = LAYOUT_ZERO_PAGE;
	res.cmdline_max = BOOT_ELF_CMDLINE_MAX;
	*out = res;
	return 0;
}
