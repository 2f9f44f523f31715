/* The E820 memory map handed to the kernel in the zero page.  It describes
 * the guest memory layout of layout.h: conventional memory up to the EBDA,
 * the EBDA and BIOS area reserved (the MP table and ACPI tables live there),
 * RAM from 1 MiB to the MMIO hole, the PCI ECAM window reserved (the kernel
 * only trusts MMCONFIG space that E820 reserves), and RAM above 4 GiB. */
#include <errno.h>

#include "boot.h"
#include "layout.h"

struct e820_builder {
	struct e820_entry *entries;
	size_t max;
	size_t n;
};

static int e820_add(struct e820_builder *b, uint64_t addr, uint64_t end, uint32_t type)
{
	if (end <= addr)
		return 0;
	if (b->n == b->max)
		return -ENOSPC;
	b->entries[b->n++] = (struct e820_entry){
		.addr = addr, .size = end - addr, .type = type,
	};
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

int e820_build(const struct guest_memory *mem, bool pci_enabled,
	       struct e820_entry *entries, size_t max)
{
	struct e820_builder b = { .entries = entries, .max = max };
	uint64_t low = mem->low_size;
	int ret;

	/* Anything else would mean RAM inside the MMIO hole. */
	if (low > LAYOUT_MMIO32_START || (mem->high_size && low != LAYOUT_MMIO32_START) ||
	    mem->high_size > UINT64_MAX - LAYOUT_RAM_HIGH_START)
		return -EINVAL;

	ret = e820_add(&b, 0, min_u64(low, LAYOUT_EBDA_START), E820_RAM);
	if (!ret)
		ret = e820_add(&b, LAYOUT_EBDA_START, min_u64(low, LAYOUT_HIMEM_START),
			       E820_RESERVED);
	if (!ret)
		ret = e820_add(&b, LAYOUT_HIMEM_START, low, E820_RAM);
	if (!ret && pci_enabled)
		ret = e820_add(&b, LAYOUT_ECAM_START, LAYOUT_ECAM_START + LAYOUT_ECAM_SIZE,
			       E820_RESERVED);
	if (!ret)
		ret = e820_add(&b, LAYOUT_RAM_HIGH_START,
			       LAYOUT_RAM_HIGH_START + mem->high_size, E820_RAM);
	return ret < 0 ? ret : (int)b.n;
}
