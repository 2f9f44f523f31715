#include "pci_dev.h"

#include <errno.h>
#include <string.h>

#include "msix.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void pci_dev_init(struct pci_dev *d, const struct pci_id *id, const struct pci_dev_ops *ops,
		  void *opaque)
{
	memset(d, 0, sizeof(*d));
	put16(&d->cfg[PCI_VENDOR_ID], id->vendor);
	put16(&d->cfg[PCI_DEVICE_ID], id->device);
	d->cfg[PCI_REVISION_ID] = id->revision;
	d->cfg[PCI_CLASS_PROG] = (uint8_t)id->class_code;
	d->cfg[PCI_CLASS_PROG + 1] = (uint8_t)(id->class_code >> 8);
	d->cfg[PCI_CLASS_PROG + 2] = (uint8_t)(id->class_code >> 16);
	put16(&d->cfg[PCI_SUBSYSTEM_VENDOR], id->subsys_vendor);
	put16(&d->cfg[PCI_SUBSYSTEM_ID], id->subsys_id);
	put16(&d->wmask[PCI_COMMAND], PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				      PCI_COMMAND_INTX_OFF);
	put16(&d->w1c[PCI_STATUS], PCI_STATUS_ERRORS);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;  /* scratch for the OS; no pin */
	d->cap_end = PCI_CAP_START;
	d->ops = ops;
	d->opaque = opaque;
}

int pci_dev_add_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64)
{
	unsigned int reg = PCI_BAR0 + idx * 4;
	uint64_t mask = ~(size - 1);

	if (idx >= PCI_NUM_BARS || (is64 && idx + 1 >= PCI_NUM_BARS) || size < 16 ||
	    (size & (size - 1)) || d->bar[idx].size || (is64 && d->bar[idx + 1].size))
		return -EINVAL;
	d->bar[idx] = (struct pci_bar){ .size = size, .is64 = is64 };
	d->cfg[reg] = is64 ? PCI_BAR_MEM_64 : 0;
	put32(&d->wmask[reg], (uint32_t)mask & ~0xfu);
	if (is64)
		put32(&d->wmask[reg + 4], (uint32_t)(mask >> 32));
	return 0;
}

uint64_t pci_dev_bar_addr(const struct pci_dev *d, unsigned int idx)
{
	unsigned int reg = PCI_BAR0 + idx * 4;
	uint64_t addr = get32(&d->cfg[reg]) & ~0xfu;

	if (d->bar[idx].is64)
		addr |= (uint64_t)get32(&d->cfg[reg + 4]) << 32;
	return addr;
}

void pci_dev_set_bar_addr(struct pci_dev *d, unsigned int idx, uint64_t addr)
{
	unsigned int reg = PCI_BAR0 + idx * 4;

	put32(&d->cfg[reg], ((uint32_t)addr & ~0xfu) | (d->cfg[reg] & 0xf));
	if (d->bar[idx].is64)
		put32(&d->cfg[reg + 4], (uint32_t)(addr >> 32));
}

int pci_dev_add_cap(struct pci_dev *d, const uint8_t *body, unsigned int len,
		    const uint8_t *wmask)
{
	unsigned int off = (d->cap_end + 3u) & ~3u;

	if (len < 2 || off + len > PCI_CFG_SIZE)
		return -ENOSPC;
	memcpy(&d->cfg[off], body, len);
	d->cfg[off + 1] = 0;
	if (wmask)
		memcpy(&d->wmask[off], wmask, len);
	d->wmask[off] = d->wmask[off + 1] = 0;	/* id and chain stay ours */
	if (d->last_cap)
		d->cfg[d->last_cap + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAPABILITY_LIST] = (uint8_t)off;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->last_cap = (uint8_t)off;
	d->cap_end = (uint8_t)(off + len < PCI_CFG_SIZE ? off + len : PCI_CFG_SIZE - 1);
	return (int)off;
}

int pci_dev_add_msix(struct pci_dev *d, struct msix *m, unsigned int bar, uint32_t table_off,
		     uint32_t pba_off)
{
	uint8_t cap[12] = { PCI_CAP_ID_MSIX }, wmask[12] = { 0 };
	int off;

	if (bar >= PCI_NUM_BARS || (table_off | pba_off) & 7)
		return -EINVAL;
	put16(&cap[2], (uint16_t)(m->n - 1));
	put32(&cap[4], table_off | bar);
	put32(&cap[8], pba_off | bar);
	put16(&wmask[2], MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	off = pci_dev_add_cap(d, cap, sizeof(cap), wmask);
	if (off < 0)
		return off;
	d->msix = m;
	d->msix_cap = (uint8_t)off;
	return off;
}

bool pci_dev_mem_enabled(const struct pci_dev *d)
{
	return d->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY;
}

static bool access_ok(unsigned int offset, unsigned int len)
{
	return (len == 1 || len == 2 || len == 4) && offset % len == 0;
}

uint32_t pci_dev_cfg_read(const struct pci_dev *d, unsigned int offset, unsigned int len)
{
	uint32_t v = 0;

	if (!access_ok(offset, len) || offset >= PCI_ECAM_FN_SIZE)
		return len == 4 ? UINT32_MAX : (1u << (len * 8)) - 1;
	if (offset >= PCI_CFG_SIZE)
		return 0;
	for (unsigned int i = 0; i < len; i++)
		v |= (uint32_t)d->cfg[offset + i] << (i * 8);
	return v;
}

void pci_dev_cfg_write(struct pci_dev *d, unsigned int offset, unsigned int len, uint32_t val)
{
	bool msix_ctrl = false;

	if (!access_ok(offset, len) || offset >= PCI_CFG_SIZE)
		return;
	for (unsigned int i = 0; i < len; i++) {
		unsigned int o = offset + i;
		uint8_t b = (uint8_t)(val >> (i * 8));

		d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]));
		d->cfg[o] &= (uint8_t)~(b & d->w1c[o]);
		if (d->msix && (o == d->msix_cap + 2u || o == d->msix_cap + 3u))
			msix_ctrl = true;
	}
	if (msix_ctrl)
		msix_control_write(d->msix, (uint16_t)(d->cfg[d->msix_cap + 2] |
						       d->cfg[d->msix_cap + 3] << 8));
}
