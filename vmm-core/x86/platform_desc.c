/* Checks a struct platform_desc before any table describes it. */
#include "tables.h"

#include <errno.h>

#include "checked.h"
#include "layout.h"
#include "log.h"

static int check_mmio_dev(unsigned int idx, const struct platform_mmio_dev *dev)
{
	if (dev->size == 0 || !range_within(dev->base, dev->size, 4 * GiB)) {
		log_err("virtio-mmio device %u: window [%#llx, +%#llx) is empty or not below 4 GiB",
			idx, (unsigned long long)dev->base, (unsigned long long)dev->size);
		return -EINVAL;
	}
	if (dev->irq >= LAYOUT_IOAPIC_PINS) {
		log_err("virtio-mmio device %u: IRQ %u, the IOAPIC has %d pins",
			idx, dev->irq, LAYOUT_IOAPIC_PINS);
		return -EINVAL;
	}
	return 0;
}

static uint64_t ram_end(const struct guest_memory *mem)
{
	if (mem->high_size)
		return sat_add_u64(LAYOUT_RAM_HIGH_START, mem->high_size);
	return mem->low_size;
}

int platform_desc_validate(const struct platform_desc *desc, const struct guest_memory *mem)
{
	int ret;

	if (!desc || !mem)
		return -EINVAL;
	if (desc->vcpu_count < 1 || desc->vcpu_count > LAYOUT_MAX_VCPUS) {
		log_err("platform: %u vCPUs, must be 1..%d", desc->vcpu_count, LAYOUT_MAX_VCPUS);
		return -EINVAL;
	}
	if (desc->n_mmio_devs > ACPI_MAX_MMIO_DEVS ||
	    (desc->n_mmio_devs && !desc->mmio_devs)) {
		log_err("platform: %u virtio-mmio devices, at most %d", desc->n_mmio_devs,
			ACPI_MAX_MMIO_DEVS);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < desc->n_mmio_devs; i++) {
		ret = check_mmio_dev(i, &desc->mmio_devs[i]);
		if (ret)
			return ret;
	}
	if (desc->pci_enabled && ram_end(mem) > LAYOUT_PCI_MMIO64_START) {
		log_err("platform: RAM ends at %#llx, inside the 64-bit PCI window at %#llx",
			(unsigned long long)ram_end(mem), LAYOUT_PCI_MMIO64_START);
		return -EINVAL;
	}
	return 0;
}
