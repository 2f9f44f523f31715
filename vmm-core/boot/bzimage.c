/* bzImage loader (Linux/x86 boot protocol, 64-bit entry).  The file is a
 * real-mode setup part of (setup_sects + 1) * 512 bytes followed by the
 * protected-mode kernel (syssize 16-byte paragraphs).  Only the latter is
 * loaded; the vCPU enters it in 64-bit mode at load address + 0x200 ("If 1,
 * this kernel has the legacy 64-bit entry point at 0x200", XLF_KERNEL_64).
 * Every header field is hostile and checked before use. */
#include <errno.h>
#include <string.h>

#include "boot_priv.h"
#include "checked.h"
#include "layout.h"

#define BZ_SECTOR               512u
#define BZ_DEFAULT_SETUP_SECTS  4u      /* "If this field is 0, the real value is 4." */
#define BZ_ENTRY64_OFFSET       0x200u
#define BZ_HDR_MIN_END          (HDR_OFF(cmdline_size) + 4)

struct bz_layout {
	uint64_t pm_offset;     /* file offset of the protected-mode kernel */
	uint64_t pm_size;       /* its size in the file */
	uint64_t load;          /* guest address it is loaded at */
	uint64_t end;           /* end of everything it needs before E820 */
};

/* Protocol 0x020f is "2.15": major byte, then the minor byte in decimal. */
static unsigned int bz_version_major(uint16_t v)
{
	return v >> 8;
}

static unsigned int bz_version_minor(uint16_t v)
{
	return v & 0xff;
}

/* Reads the setup header as the 64-bit boot protocol says: from 0x1f1 to
 * "0x0202 + byte value at offset 0x0201", zero-filled beyond that end (and
 * beyond the fields this loader knows).  -ENOEXEC when there is no "HdrS". */
static int bz_read_header(int fd, uint64_t fsize, struct setup_header *hdr,
			  char *err, size_t errlen)
{
	uint8_t buf[SETUP_HDR_OFFSET + sizeof(*hdr)];
	uint64_t n = fsize < sizeof(buf) ? fsize : sizeof(buf);
	uint64_t end;
	int ret;

	memset(buf, 0, sizeof(buf));
	ret = boot_file_read(fd, buf, n, 0);
	if (ret < 0)
		return boot_read_failed(ret, "Kernel image", 0, err, errlen);
	memcpy(hdr, buf + SETUP_HDR_OFFSET, sizeof(*hdr));
	if (n < HDR_OFF(version) || hdr->header != SETUP_HDR_MAGIC ||
	    hdr->boot_flag != SETUP_BOOT_FLAG) {
		boot_errf(err, errlen, "Kernel image is not a bzImage (no HdrS setup header)");
		return -ENOEXEC;
	}
	end = 0x202ULL + buf[SETUP_HDR_JUMP_END];
	if (end < BZ_HDR_MIN_END || n < BZ_HDR_MIN_END) {
		boot_errf(err, errlen, "bzImage setup header is truncated "
			  "(ends at 0x%llx, need 0x%x)",
			  (unsigned long long)(n < end ? n : end), (unsigned int)BZ_HDR_MIN_END);
		return -EINVAL;
	}
	if (end < n)
		memset((uint8_t *)hdr + (end - SETUP_HDR_OFFSET), 0, n - end);
	return 0;
}

static int bz_check_protocol(const struct setup_header *hdr, char *err, size_t errlen)
{
	if (hdr->version < BOOT_PROTO_2_06) {
		boot_errf(err, errlen, "bzImage boot protocol %u.%02u is too old "
			  "(need 2.06 or later)", bz_version_major(hdr->version),
			  bz_version_minor(hdr->version));
		return -EINVAL;
	}
	if (!(hdr->loadflags & LOADFLAG_LOADED_HIGH)) {
		boot_errf(err, errlen, "Kernel is a zImage (not LOADED_HIGH); "
			  "only bzImage is supported");
		return -EINVAL;
	}
	/* The vCPU starts in long mode; without XLF_KERNEL_64 (protocol 2.12+)
	 * there is no 64-bit entry point to start at. */
	if (hdr->version < BOOT_PROTO_2_12 || !(hdr->xloadflags & XLF_KERNEL_64)) {
		boot_errf(err, errlen, "bzImage (boot protocol %u.%02u) has no 64-bit "
			  "entry point (XLF_KERNEL_64)", bz_version_major(hdr->version),
			  bz_version_minor(hdr->version));
		return -EINVAL;
	}
	if (hdr->relocatable_kernel &&
	    (hdr->kernel_alignment == 0 ||
	     (hdr->kernel_alignment & (hdr->kernel_alignment - 1)) != 0)) {
		/* The decompressor realigns itself with this value. */
		boot_errf(err, errlen, "bzImage kernel_alignment 0x%x is not a power of two",
			  hdr->kernel_alignment);
		return -EINVAL;
	}
	return 0;
}

static int bz_find_pm(const struct setup_header *hdr, uint64_t fsize,
		      struct bz_layout *lay, char *err, size_t errlen)
{
	uint64_t sects = hdr->setup_sects ? hdr->setup_sects : BZ_DEFAULT_SETUP_SECTS;

	lay->pm_offset = (sects + 1) * BZ_SECTOR;
	lay->pm_size = (uint64_t)hdr->syssize * 16;
	if (lay->pm_size <= BZ_ENTRY64_OFFSET) {
		boot_errf(err, errlen, "bzImage syssize %u is too small for a kernel",
			  hdr->syssize);
		return -EINVAL;
	}
	/* Trailing bytes (e.g. an appended signature) are allowed and ignored;
	 * missing ones are not. */
	if (!range_within(lay->pm_offset, lay->pm_size, fsize)) {
		boot_errf(err, errlen, "bzImage is truncated: its header describes "
			  "%llu bytes of kernel at offset %llu, the file has %llu bytes",
			  (unsigned long long)lay->pm_size,
			  (unsigned long long)lay->pm_offset, (unsigned long long)fsize);
		return -EINVAL;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
	return sat_add_u64(v, align - 1) & ~(align - 1);
}

/* "A relocating bootloader should attempt to load at this address
 * [pref_address] if possible."  It is where the decompressor would run
 * anyway, so loading there spares it a copy.  Otherwise 1 MiB, the
 * traditional LOADED_HIGH address. */
static uint64_t bz_load_address(const struct setup_header *hdr)
{
	uint64_t pref = hdr->version >= BOOT_PROTO_2_10 ? hdr->pref_address : 0;

	if (hdr->relocatable_kernel && pref >= LAYOUT_HIMEM_START &&
	    pref < LAYOUT_MMIO32_START && (pref & (hdr->kernel_alignment - 1)) == 0)
		return pref;
	return LAYOUT_HIMEM_START;
}

/* init_size is "the amount of linear contiguous memory starting at the kernel
 * runtime start address that the kernel needs before it is capable of
 * examining its memory map", with runtime_start = align_up(load_address,
 * kernel_alignment) if relocatable, else pref_address.  Linux's decompressor
 * also never runs below LOAD_PHYSICAL_ADDR, which header.S publishes as
 * pref_address; take the larger so the estimate cannot fall short. */
static uint64_t bz_footprint_end(const struct setup_header *hdr, uint64_t load,
				 uint64_t pm_size)
{
	uint64_t end = load + pm_size, runtime, pref;

	if (hdr->version < BOOT_PROTO_2_10)
		return end;
	pref = hdr->pref_address;
	runtime = hdr->relocatable_kernel ? align_up(load, hdr->kernel_alignment) : pref;
	if (pref > runtime)
		runtime = pref;
	runtime = sat_add_u64(runtime, hdr->init_size);
	return runtime > end ? runtime : end;
}

static int bz_place(const struct guest_memory *mem, const struct setup_header *hdr,
		    struct bz_layout *lay, char *err, size_t errlen)
{
	lay->load = bz_load_address(hdr);
	lay->end = bz_footprint_end(hdr, lay->load, lay->pm_size);
	if (lay->end > mem->low_size) {
		boot_errf(err, errlen, "Guest memory is too small for the kernel: it "
			  "needs memory up to 0x%llx (init_size 0x%x), guest RAM below "
			  "the MMIO hole ends at 0x%llx", (unsigned long long)lay->end,
			  hdr->init_size, (unsigned long long)mem->low_size);
		return -ENOMEM;
	}
	return 0;
}

int boot_load_bzimage(struct guest_memory *mem, int fd, struct boot_entry *out,
		      struct setup_header *hdr_out, char *err, size_t errlen)
{
	struct setup_header hdr;
	struct bz_layout lay;
	uint64_t fsize;
	int ret;

	ret = boot_file_size(fd, "Kernel image", &fsize, err, errlen);
	if (ret < 0)
		return ret;
	ret = bz_read_header(fd, fsize, &hdr, err, errlen);
	if (ret < 0)
		return ret;
	ret = bz_check_protocol(&hdr, err, errlen);
	if (ret < 0)
		return ret;
	ret = bz_find_pm(&hdr, fsize, &lay, err, errlen);
	if (ret < 0)
		return ret;
	ret = bz_place(mem, &hdr, &lay, err, errlen);
	if (ret < 0)
		return ret;
	ret = boot_file_to_guest(mem, fd, lay.pm_offset, lay.load, lay.pm_size);
	if (ret < 0)
		return boot_read_failed(ret, "Kernel image", lay.pm_offset, err, errlen);

	*out = (struct boot_entry){
		.format = KERNEL_FORMAT_BZIMAGE,
		.entry = lay.load + BZ_ENTRY64_OFFSET,
		.zero_page = LAYOUT_ZERO_PAGE,
		.kernel_start = lay.load,
		.kernel_end = lay.end,
		/* "cmdline_size: The maximum size of the command line without
		 * the terminating zero." */
		.cmdline_max = hdr.cmdline_size < UINT32_MAX ? hdr.cmdline_size + 1 : UINT32_MAX,
	};
	if (hdr_out)
		*hdr_out = hdr;
	return 0;
}
