/* A PCI function's type-0 configuration space: data plus writable and
 * write-1-to-clear masks (see pci_dev.h). */
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
	/* Interrupt pin stays 0: no INTx, MSI-X only.  The line is the OS's
	 * scratch byte. */
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	d->cap_end = PCI_CAP_START;
	d->ops = ops;
	d->opaque = opaque;
}

/* The largest BAR that a 32-bit register can still size: its mask must
 * keep bit 31. */
#define PCI_BAR32_MAX_SIZE (1ull << 31)
#define PCI_BAR64_MAX_SIZE (1ull << 63)

/* Whether register idx is taken, by its own BAR or as the upper half of
 * the 64-bit BAR below it. */
static bool bar_reg_used(const struct pci_dev *d, unsigned int idx)
{
	return d->bar[idx].size || (idx > 0 && d->bar[idx - 1].is64);
}

static bool bar_fits(const struct pci_dev *d, unsigned int idx, uint64_t size, bool is64)
{
	if (idx >= PCI_NUM_BARS || (is64 && idx + 1 >= PCI_NUM_BARS))
		return false;
	if (size < 16 || (size & (size - 1)) ||
	    size > (is64 ? PCI_BAR64_MAX_SIZE : PCI_BAR32_MAX_SIZE))
		return false;
	return !bar_reg_used(d, idx) && !(is64 && bar_reg_used(d, idx + 1));
}

static int add_mem_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64,
		       bool prefetch)
{
	unsigned int reg = PCI_BAR0 + idx * 4;
	uint64_t mask = ~(size - 1);

	if (!bar_fits(d, idx, size, is64))
		return -EINVAL;
	d->bar[idx] = (struct pci_bar){ .size = size, .is64 = is64 };
	d->cfg[reg] = (uint8_t)((is64 ? PCI_BAR_MEM_64 : 0) | (prefetch ? PCI_BAR_MEM_PREFETCH : 0));
	put32(&d->wmask[reg], (uint32_t)mask & ~(uint32_t)PCI_BAR_FLAGS);
	if (is64)
		put32(&d->wmask[reg + 4], (uint32_t)(mask >> 32));
	return 0;
}

int pci_dev_add_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64)
{
	return add_mem_bar(d, idx, size, is64, false);
}

int pci_dev_add_prefetchable_bar(struct pci_dev *d, unsigned int idx, uint64_t size, bool is64)
{
	return add_mem_bar(d, idx, size, is64, true);
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

	if (len < 2 || len > PCI_CFG_SIZE - off)
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

/* Whether [off, off + len) lies in a BAR of bar_size bytes. */
static bool in_bar(uint64_t off, uint64_t len, uint64_t bar_size)
{
	return off <= bar_size && len <= bar_size - off;
}

static bool msix_layout_ok(const struct pci_dev *d, const struct msix *m, unsigned int bar,
			   uint32_t table_off, uint32_t pba_off)
{
	uint64_t size, tlen = msix_table_size(m->n), plen = msix_pba_size(m->n);

	/* The BIR field is 3 bits and names the lower register of a BAR. */
	if (bar >= PCI_NUM_BARS || !d->bar[bar].size || (table_off | pba_off) & 7)
		return false;
	size = d->bar[bar].size;
	if (!in_bar(table_off, tlen, size) || !in_bar(pba_off, plen, size))
		return false;
	return table_off + tlen <= pba_off || pba_off + plen <= table_off;
}

int pci_dev_add_msix(struct pci_dev *d, struct msix *m, unsigned int bar, uint32_t table_off,
		     uint32_t pba_off)
{
	uint8_t cap[12] = { PCI_CAP_ID_MSIX }, wmask[12] = { 0 };
	int off;

	if (d->msix || m->n == 0 || m->n > MSIX_MAX_VECTORS ||
	    !msix_layout_ok(d, m, bar, table_off, pba_off))
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

/* Any width the CPU can issue at any offset, as long as the access ends
 * inside the function's 4 KiB: lenient, and still cannot leave cfg[]. */
static bool access_ok(unsigned int offset, unsigned int len)
{
	return (len == 1 || len == 2 || len == 4) && offset <= PCI_ECAM_FN_SIZE - len;
}

uint32_t pci_dev_cfg_read(const struct pci_dev *d, unsigned int offset, unsigned int len)
{
	uint32_t v = 0;

	if (!access_ok(offset, len))
		return len >= 4 ? UINT32_MAX : (1u << (len * 8)) - 1;
	for (unsigned int i = 0; i < len && offset + i < PCI_CFG_SIZE; i++)
		v |= (uint32_t)d->cfg[offset + i] << (i * 8);
	return v;
}

static bool is_msix_control(const struct pci_dev *d, unsigned int o)
{
	return d->msix && (o == d->msix_cap + 2u || o == d->msix_cap + 3u);
}

void pci_dev_cfg_write(struct pci_dev *d, unsigned int offset, unsigned int len, uint32_t val)
{
	bool msix_ctrl = false;

	if (!access_ok(offset, len))
		return;
	for (unsigned int i = 0; i < len && offset + i < PCI_CFG_SIZE; i++) {
		unsigned int o = offset + i;
		uint8_t b = (uint8_t)(val >> (i * 8));

		d->cfg[o] = (uint8_t)((d->cfg[o] & ~d->wmask[o]) | (b & d->wmask[o]));
		d->cfg[o] &= (uint8_t)~(b & d->w1c[o]);
		msix_ctrl |= is_msix_control(d, o);
	}
	if (msix_ctrl)
		msix_control_write(d->msix, (uint16_t)(d->cfg[d->msix_cap + 2] |
						       d->cfg[d->msix_cap + 3] << 8));
}
