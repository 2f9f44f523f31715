// SPDX-License-Identifier: Apache-2.0
#include "guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checked.h"
#include "log.h"

#define GM_PAGE_SIZE 4096u

/* Regions must be non-empty, must not wrap the 64-bit guest address space
 * and must come sorted without overlap, so that gm_ptr() can stop at the
 * first region whose end lies above the address. */
static int gm_check_count(unsigned int n)
{
	if (n == 0 || n > GM_MAX_REGIONS) {
		log_err("guest memory: %u regions (1..%u allowed)", n, GM_MAX_REGIONS);
		return -EINVAL;
	}
	return 0;
}

static int gm_check_layout(const uint64_t *gpa, const uint64_t *size, unsigned int n)
{
	uint64_t prev_end = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (size[i] == 0 || !range_within(gpa[i], size[i], UINT64_MAX)) {
			log_err("guest memory: region %u gpa 0x%" PRIx64 " size 0x%" PRIx64
				" is empty or wraps", i, gpa[i], size[i]);
			return -EINVAL;
		}
		if (i > 0 && gpa[i] < prev_end) {
			log_err("guest memory: region %u at 0x%" PRIx64 " overlaps or is"
				" out of order (previous ends at 0x%" PRIx64 ")",
				i, gpa[i], prev_end);
			return -EINVAL;
		}
		prev_end = gpa[i] + size[i];
	}
	return 0;
}

int gm_init_from_host(struct guest_mem *gm, const struct gm_region *regions,
		      unsigned int n)
{
	uint64_t gpa[GM_MAX_REGIONS], size[GM_MAX_REGIONS];
	int ret;

	memset(gm, 0, sizeof(*gm));
	ret = gm_check_count(n);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < n; i++) {
		gpa[i] = regions[i].gpa;
		size[i] = regions[i].size;
		if (!regions[i].host)
			return -EINVAL;
	}
	ret = gm_check_layout(gpa, size, n);
	if (ret)
		return ret;
	memcpy(gm->regions, regions, n * sizeof(*regions));
	gm->nr = n;
	return 0;
}

/* A memfd that can still shrink could be truncated under our mappings and
 * turn the next guest access into SIGBUS; the core seals it (DESIGN.md,
 * "Guest memory"), and the worker insists.  F_GET_SEALS also fails on
 * anything but a memfd (or shmem file), and lseek() gives the size without
 * fstat(), which the sandbox does not allow (its newfstatat form takes
 * paths). */
static int gm_check_memfd(int memfd, uint64_t *fd_size)
{
	off_t end;
	int seals;

	seals = fcntl(memfd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK)) {
		log_err("guest memory: fd is no memfd sealed against shrinking (seals %d: %s)",
			seals, seals < 0 ? strerror(errno) : "no F_SEAL_SHRINK");
		return -EINVAL;
	}
	end = lseek(memfd, 0, SEEK_END);
	if (end < 0) {
		log_err("guest memory: lseek: %s", strerror(errno));
		return -EINVAL;
	}
	*fd_size = (uint64_t)end;
	return 0;
}

int gm_map(struct guest_mem *gm, int memfd, const struct gm_region_desc *descs,
	   unsigned int n)
{
	uint64_t gpa[GM_MAX_REGIONS], size[GM_MAX_REGIONS];
	uint64_t fd_size = 0;
	int ret;

	memset(gm, 0, sizeof(*gm));
	ret = gm_check_count(n);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < n; i++) {
		gpa[i] = descs[i].guest_phys_addr;
		size[i] = descs[i].size;
	}
	ret = gm_check_layout(gpa, size, n);
	if (ret)
		return ret;
	ret = gm_check_memfd(memfd, &fd_size);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < n; i++) {
		const struct gm_region_desc *d = &descs[i];

		if ((d->guest_phys_addr | d->size | d->offset) % GM_PAGE_SIZE ||
		    !range_within(d->offset, d->size, fd_size) || d->size > SIZE_MAX) {
			log_err("guest memory: region %u gpa 0x%" PRIx64 " size 0x%" PRIx64
				" offset 0x%" PRIx64 " unaligned or outside the memfd"
				" (0x%" PRIx64 " bytes)", i, d->guest_phys_addr, d->size,
				d->offset, fd_size);
			ret = -EINVAL;
			goto err_unmap;
		}
		/* MAP_NORESERVE: guest RAM is accounted to the core that
		 * created it, not once more per worker. */
		void *p = mmap(NULL, (size_t)d->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_NORESERVE, memfd, (off_t)d->offset);
		if (p == MAP_FAILED) {
			ret = -errno;
			log_err("guest memory: mmap region %u (0x%" PRIx64 " bytes): %s",
				i, d->size, strerror(errno));
			goto err_unmap;
		}
		gm->regions[i] = (struct gm_region){ d->guest_phys_addr, d->size, p };
		gm->nr = i + 1;
	}
	return 0;

err_unmap:
	gm_unmap(gm);
	return ret;
}

void gm_unmap(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nr; i++)
		munmap(gm->regions[i].host, (size_t)gm->regions[i].size);
	memset(gm, 0, sizeof(*gm));
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	if (len == 0)
		return NULL;
	for (unsigned int i = 0; i < gm->nr; i++) {
		const struct gm_region *r = &gm->regions[i];

		if (gpa < r->gpa)
			return NULL;	/* sorted: no later region can hold it */
		/* gpa >= r->gpa here, so the subtraction cannot wrap. */
		if (gpa - r->gpa < r->size) {
			if (!range_within(gpa - r->gpa, len, r->size))
				return NULL;	/* straddles the region's end */
			return r->host + (gpa - r->gpa);
		}
	}
	return NULL;
}
