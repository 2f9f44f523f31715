#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/memfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checked.h"
#include "layout.h"

int guest_memory_create(struct guest_memory *mem, uint64_t size, bool huge_2m)
{
	unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
	int fd, ret, map_flags = MAP_SHARED | MAP_NORESERVE;
	void *host;

	if (size == 0 || size % (huge_2m ? 2 * MiB : 4 * KiB) != 0)
		return -EINVAL;
	if (huge_2m) {
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
		map_flags = MAP_SHARED;   /* reserve the pool's pages now */
	}
	fd = memfd_create("splitvm-guest-ram", flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		goto err_errno;
	/* Workers map this fd MAP_SHARED; a size that cannot change means no
	 * SIGBUS in a worker and no reallocation behind the core's back. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto err_errno;
	host = mmap(NULL, size, PROT_READ | PROT_WRITE, map_flags, fd, 0);
	if (host == MAP_FAILED)
		goto err_errno;
	/* Guest RAM is useless in a core dump and may hold guest secrets. */
	madvise(host, size, MADV_DONTDUMP);

	mem->host = host;
	mem->size = size;
	mem->low_size = size < LAYOUT_MMIO32_START ? size : LAYOUT_MMIO32_START;
	mem->high_size = size - mem->low_size;
	mem->memfd = fd;
	return 0;

err_errno:
	ret = -errno;
	close(fd);
	return ret;
}

void guest_memory_destroy(struct guest_memory *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	if (mem->memfd >= 0)
		close(mem->memfd);
	mem->host = NULL;
	mem->memfd = -1;
}

void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	if (range_within(gpa, len, mem->low_size))
		return mem->host + gpa;
	if (gpa >= LAYOUT_RAM_HIGH_START &&
	    range_within(gpa - LAYOUT_RAM_HIGH_START, len, mem->high_size))
		return mem->host + mem->low_size + (gpa - LAYOUT_RAM_HIGH_START);
	return NULL;
}

int guest_memory_write(const struct guest_memory *mem, uint64_t gpa, const void *src, uint64_t len)
{
	void *dst = guest_memory_ptr(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int guest_memory_read(const struct guest_memory *mem, uint64_t gpa, void *dst, uint64_t len)
{
	const void *src = guest_memory_ptr(mem, gpa, len);

	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}
