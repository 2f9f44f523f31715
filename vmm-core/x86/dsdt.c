/* The Differentiated System Description Table: the devices a hardware-
 * reduced ACPI platform cannot describe in fixed tables.  Everything lives
 * in \_SB: the PCI host bridge (with PCI), the ECAM reservation, COM1, the
 * i8042 and the virtio-mmio windows; \_S5 tells how to power off. */
#include "acpi_priv.h"

#include <errno.h>
#include <stdio.h>

#include "aml.h"
#include "layout.h"

/* 19.6.31 DefinitionBlock: revision 2 and up means 64-bit integers. */
#define DSDT_REVISION       2

/* The legacy devices the core emulates (Firecracker's set). */
#define COM1_PORT           0x3f8
#define COM1_PORTS          8
#define I8042_DATA_PORT     0x60
#define I8042_CMD_PORT      0x64
#define I8042_KBD_IRQ       1
#define PCI_CONFIG_PORT     0xcf8   /* PCI Local Bus 3.0 3.2.2.3.2 */
#define PCI_CONFIG_PORTS    8

/* PCI Firmware Specification 3.0, 4.1.5: a host bridge that supports PCI
 * Express enhanced configuration is PNP0A08, compatible with PNP0A03.  The
 * _CRS lists what the bridge decodes: bus 0 only, the configuration ports
 * (Linux drops these from the root windows) and the two BAR windows. */
static void dsdt_pci_host_bridge(struct aml *a)
{
	aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_SEG");      /* 6.5.6: PCI segment group 0, as MCFG */
	aml_int(a, 0);
	aml_name(a, "_BBN");      /* 6.5.5: the bridge's first bus */
	aml_int(a, 0);
	aml_name(a, "_UID");
	aml_int(a, 0);
	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_res_bus_numbers(a, 0, 0);
	aml_res_io(a, PCI_CONFIG_PORT, 1, PCI_CONFIG_PORTS);
	aml_res_mem32_window(a, (uint32_t)LAYOUT_PCI_MMIO32_START, LAYOUT_PCI_MMIO32_END);
	aml_res_mem64_window(a, LAYOUT_PCI_MMIO64_START,
			     LAYOUT_PCI_MMIO64_START + LAYOUT_PCI_MMIO64_SIZE);
	aml_end(a);
	aml_end(a);
}

/* PCI Firmware Specification 3.0, 4.1.2: the ECAM range must be reserved
 * by a motherboard resource device (PNP0C02); Linux checks for it before
 * it trusts MCFG ("MMCONFIG ... reserved in ACPI motherboard resources"),
 * and keeping it out of PCI0's _CRS keeps it out of the BAR windows. */
static void dsdt_ecam_reservation(struct aml *a)
{
	aml_device(a, "ECAM");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0C02");
	aml_name(a, "_UID");
	aml_int(a, 0);
	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_res_mem32_fixed(a, (uint32_t)LAYOUT_ECAM_START, (uint32_t)LAYOUT_ECAM_SIZE);
	aml_end(a);
	aml_end(a);
}

/* 16550 UART (PNP0501): lets the 8250 driver skip probing for its IRQ. */
static void dsdt_com1(struct aml *a)
{
	aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_int(a, 1);
	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_res_io(a, COM1_PORT, 1, COM1_PORTS);
	aml_res_irq(a, LAYOUT_SERIAL_IRQ);
	aml_end(a);
	aml_end(a);
}

/* The i8042 (PNP0303 keyboard controller): Linux's i8042 driver finds it
 * through PNP; the FADT 8042 flag covers kernels without PNP ACPI. */
static void dsdt_i8042(struct aml *a)
{
	aml_device(a, "PS2K");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0303");
	aml_name(a, "_UID");
	aml_int(a, 0);
	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_res_io(a, I8042_DATA_PORT, 1, 1);
	aml_res_io(a, I8042_CMD_PORT, 1, 1);
	aml_res_irq(a, I8042_KBD_IRQ);
	aml_end(a);
	aml_end(a);
}

/* Linux's virtio_mmio driver binds ACPI id LNRO0005 and takes the window
 * and interrupt from _CRS.  Edge triggered: the core injects with irqfds. */
static void dsdt_virtio_mmio(struct aml *a, unsigned int idx,
			     const struct platform_mmio_dev *dev)
{
	char name[5];

	snprintf(name, sizeof(name), "VR%02X", idx & 0xff);
	aml_device(a, name);
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_UID");
	aml_int(a, idx);
	aml_name(a, "_CRS");
	aml_restemplate(a);
	aml_res_mem32_fixed(a, (uint32_t)dev->base, (uint32_t)dev->size);
	aml_res_ext_irq_edge(a, dev->irq);
	aml_end(a);
	aml_end(a);
}

/* 7.4.2 \_S5: the sleep type the guest writes to the FADT's sleep control
 * register to power off (SLP_TYPa, SLP_TYPb). */
static void dsdt_s5(struct aml *a)
{
	aml_name(a, "\\_S5");
	aml_package(a, 2);
	aml_int(a, LAYOUT_ACPI_SLP_TYP_S5);
	aml_int(a, 0);
	aml_end(a);
}

long acpi_dsdt_build(uint8_t *buf, size_t cap, const struct platform_desc *desc)
{
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)buf;
	struct aml a;
	long body;

	if (cap < sizeof(*h))
		return -ENOSPC;
	aml_init(&a, buf + sizeof(*h), cap - sizeof(*h));
	aml_scope(&a, "\\_SB");
	if (desc->pci_enabled) {
		dsdt_pci_host_bridge(&a);
		dsdt_ecam_reservation(&a);
	}
	dsdt_com1(&a);
	dsdt_i8042(&a);
	for (unsigned int i = 0; i < desc->n_mmio_devs; i++)
		dsdt_virtio_mmio(&a, i, &desc->mmio_devs[i]);
	aml_end(&a);
	dsdt_s5(&a);

	body = aml_finish(&a);
	if (body < 0)
		return body;
	acpi_init_header(h, "DSDT", (uint32_t)(sizeof(*h) + (size_t)body), DSDT_REVISION);
	acpi_finish_table(h);
	return (long)sizeof(*h) + body;
}
