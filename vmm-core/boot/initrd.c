/* Initrd placement.  Like Firecracker, and like the boot protocol's
 * reference loaders, the initrd goes as high as it may: the kernel
 * decompresses and grows upwards from its load address, so the top of low
 * RAM is the place least likely to be in its way.  The ceiling is the
 * kernel's initrd_addr_max, "the address of the highest safe byte", and
 * the floor the end of the kernel's footprint. */
#include <errno.h>

#include "boot_priv.h"
#include "checked.h"
#include "layout.h"

int initrd_place(const struct guest_memory *mem, uint64_t size, uint64_t floor,
		 uint64_t addr_max, uint64_t *addr)
{
	uint64_t ceiling = sat_add_u64(addr_max, 1);
	uint64_t start;

	if (ceiling > mem->low_size)
		ceiling = mem->low_size;
	if (size == 0 || size > ceiling)
		return -ENOMEM;
	start = (ceiling - size) & ~(BOOT_PAGE_SIZE - 1);
	if (start < floor)
		return -ENOMEM;
	*addr = start;
	return 0;
}

int initrd_load(const struct guest_memory *mem, int fd, uint64_t addr_max,
		struct boot_entry *out, char *err, size_t errlen)
{
	uint64_t size, addr, floor;
	int ret;

	ret = boot_file_size(fd, "Initrd", &size, err, errlen);
	if (ret < 0)
		return ret;
	/* Never below 1 MiB, where the zero page and tables live, nor inside
	 * the kernel's footprint. */
	floor = out->kernel_end > LAYOUT_HIMEM_START ? out->kernel_end : LAYOUT_HIMEM_START;
	floor = (sat_add_u64(floor, BOOT_PAGE_SIZE - 1)) & ~(BOOT_PAGE_SIZE - 1);
	ret = initrd_place(mem, size, floor, addr_max, &addr);
	if (ret < 0) {
		boot_errf(err, errlen, "Initrd does not fit in guest memory (%llu bytes; "
			  "free space is [0x%llx, 0x%llx))", (unsigned long long)size,
			  (unsigned long long)floor, (unsigned long long)
			  (mem->low_size < sat_add_u64(addr_max, 1) ?
			   mem->low_size : sat_add_u64(addr_max, 1)));
		return ret;
	}
	ret = boot_file_to_guest(mem, fd, 0, addr, size);
	if (ret < 0)
		return boot_read_failed(ret, "Initrd", 0, err, errlen);
	out->initrd_start = addr;
	out->initrd_size = size;
	return 0;
}
