/* boot_load(): kernel (ELF vmlinux, else bzImage), initrd, command line and
 * zero page, in the order each step needs the previous one's result: the
 * kernel's footprint bounds the initrd, its header bounds the command line,
 * and the zero page records all of them. */
#include <errno.h>
#include <string.h>

#include "boot_priv.h"
#include "layout.h"
#include "log.h"

/* What the x86 boot protocol assumes of a kernel that does not say:
 * "For boot protocols 2.02 or earlier, this field is not present, and the
 * maximum address is 0x37FFFFFF."  A vmlinux carries no header, but every
 * x86 Linux since 2.6 declares 0x7fffffff in its setup header, so that is
 * what an ELF kernel gets. */
#define ELF_INITRD_ADDR_MAX     0x7fffffffULL
#define OLD_INITRD_ADDR_MAX     0x37ffffffULL

static int boot_load_kernel(struct guest_memory *mem, int fd, struct boot_entry *out,
			    struct setup_header *hdr, char *err, size_t errlen)
{
	int ret = boot_load_elf(mem, fd, out, err, errlen);

	if (ret != -ENOEXEC)
		return ret;
	ret = boot_load_bzimage(mem, fd, out, hdr, err, errlen);
	if (ret == -ENOEXEC)
		boot_errf(err, errlen, "Kernel image is not an ELF or bzImage");
	return ret;
}

static uint64_t boot_initrd_addr_max(const struct boot_entry *entry,
				     const struct setup_header *hdr)
{
	if (entry->format == KERNEL_FORMAT_ELF)
		return ELF_INITRD_ADDR_MAX;
	if (hdr->version < BOOT_PROTO_2_03)
		return OLD_INITRD_ADDR_MAX;
	return hdr->initrd_addr_max;
}

static int boot_write_cmdline(const struct guest_memory *mem, const char *cmdline,
			      size_t len, char *err, size_t errlen)
{
	int ret = guest_memory_write(mem, LAYOUT_CMDLINE_START, cmdline, len + 1);

	if (ret < 0)
		boot_errf(err, errlen, "Guest memory has no room for the command line");
	return ret;
}

int boot_load(struct guest_memory *mem, const struct boot_params_in *in,
	      struct boot_entry *out, char *err, size_t errlen)
{
	struct setup_header hdr;
	struct boot_params bp;
	struct boot_entry res;
	size_t cmdline_len;
	int ret;

	if (!mem || !in || !out || !in->cmdline) {
		boot_errf(err, errlen, "Invalid boot parameters");
		return -EINVAL;
	}
	cmdline_len = strlen(in->cmdline);
	ret = cmdline_check_fits(cmdline_len, LAYOUT_CMDLINE_MAX, err, errlen);
	if (ret < 0)
		return ret;

	memset(&hdr, 0, sizeof(hdr));
	ret = boot_load_kernel(mem, in->kernel_fd, &res, &hdr, err, errlen);
	if (ret < 0)
		return ret;
	ret = cmdline_check_fits(cmdline_len, res.cmdline_max, err, errlen);
	if (ret < 0)
		return ret;
	if (in->initrd_fd >= 0) {
		ret = initrd_load(mem, in->initrd_fd, boot_initrd_addr_max(&res, &hdr),
				  &res, err, errlen);
		if (ret < 0)
			return ret;
	}
	ret = boot_write_cmdline(mem, in->cmdline, cmdline_len, err, errlen);
	if (ret < 0)
		return ret;

	if (res.format == KERNEL_FORMAT_ELF)
		zeropage_init_elf(&bp);
	else
		zeropage_init_bzimage(&bp, &hdr, &res);
	ret = zeropage_finish(&bp, mem, in, &res, cmdline_len, err, errlen);
	if (ret < 0)
		return ret;

	log_debug("kernel (%s) at [0x%llx, 0x%llx), entry 0x%llx, initrd %llu bytes at 0x%llx",
		  res.format == KERNEL_FORMAT_ELF ? "ELF" : "bzImage",
		  (unsigned long long)res.kernel_start, (unsigned long long)res.kernel_end,
		  (unsigned long long)res.entry, (unsigned long long)res.initrd_size,
		  (unsigned long long)res.initrd_start);
	*out = res;
	return 0;
}
