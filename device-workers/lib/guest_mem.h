/* Guest-memory access for device workers.
 *
 * The core hands every worker the guest-RAM memfd and the list of regions
 * {guest_phys_addr, size, memfd offset}.  The worker maps each region
 * MAP_SHARED and from then on touches guest memory only through gm_ptr(),
 * which hands out a pointer for a whole [gpa, gpa + len) range or NULL.
 * Everything the guest writes there stays hostile: callers copy what they
 * parse out of it once and never trust a second read.
 */
#ifndef SPLITVM_WORKERS_GUEST_MEM_H
#define SPLITVM_WORKERS_GUEST_MEM_H

#include <stdint.h>

/* The core describes RAM below and above the 32-bit PCI hole (two regions)
 * today; the control protocol allows up to 64 (CHAN_MAX_MEM_REGIONS).  The
 * lookup is linear over sorted regions and stops early, which is cheap for
 * the two that exist in practice. */
#define GM_MAX_REGIONS 64

struct gm_region_desc {
	uint64_t guest_phys_addr;
	uint64_t size;
	uint64_t offset;	/* into the memfd */
};

struct gm_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct guest_mem {
	unsigned int nr;
	struct gm_region regions[GM_MAX_REGIONS];
};

/* Validates the region list (page-aligned, non-empty, sorted, not
 * overlapping, inside the memfd, memfd sealed against shrinking) and maps
 * every region.  On error nothing stays mapped and gm is empty.  The caller
 * keeps memfd; the mappings outlive it. */
int gm_map(struct guest_mem *gm, int memfd, const struct gm_region_desc *descs,
	   unsigned int n) __attribute__((warn_unused_result));

/* Unmaps everything; gm is empty afterwards (gm_ptr() returns NULL). */
void gm_unmap(struct guest_mem *gm);

/* Host pointer for guest range [gpa, gpa + len), or NULL unless the whole
 * range lies inside one region.  len 0 is refused: a caller that has nothing
 * to access has no reason to ask. */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Builds a guest_mem over memory the caller already has (unit tests and
 * fuzzers: no memfd).  Same validation of the layout as gm_map() except
 * for the memfd checks. */
int gm_init_from_host(struct guest_mem *gm, const struct gm_region *regions,
		      unsigned int n) __attribute__((warn_unused_result));

#endif
