/* fuzz-virtio-device: the worker side of a virtio device as a hostile guest
 * drives it.  The real entropy device (rng_ops) sits behind either
 * transport's register model; the input is a program of register reads and
 * writes, guest-memory pokes and queue kicks, so the fuzzer can build rings,
 * chains and indirect tables in guest memory and change them under the
 * device's feet.  Whatever it does must end, at worst, in
 * DEVICE_NEEDS_RESET: ASan, UBSan and libFuzzer catch everything else.
 *
 * Input (gen-corpus.py writes valid drivers as seeds):
 *   byte 0        bit 0: virtio-mmio, else virtio-pci
 *   then records of 12 bytes:
 *     u8  op      0 register read, 1 register write, 2 queue kick,
 *                 3 guest-memory poke (op % 4)
 *     u8  size    1 << (size & 3) bytes
 *     u16 offset  register offset, or the poke's guest address
 *     u64 value   written value; the kick's queue is value & 0xf
 *
 * Guest memory is two regions with a hole between them, so that ranges
 * across the hole and past the end are there to be tried.
 */
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "guest_mem.h"
#include "rng.h"
#include "virtio_dev.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

#define LOW_SIZE    0x10000u
#define HIGH_GPA    0x20000u
#define HIGH_SIZE   0x1000u
#define RECORD_SIZE 12u

enum fuzz_op { OP_READ, OP_WRITE, OP_KICK, OP_POKE };

static uint8_t low_ram[LOW_SIZE] __attribute__((aligned(4096)));
static uint8_t high_ram[HIGH_SIZE] __attribute__((aligned(4096)));
static int irq_fds[2] = { -1, -1 };

static void open_irq_fds(void)
{
	for (unsigned int i = 0; i < 2; i++)
		if (irq_fds[i] < 0)
			irq_fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static void drain_irq_fds(void)
{
	eventfd_t n;

	for (unsigned int i = 0; i < 2; i++)
		(void)eventfd_read(irq_fds[i], &n);
}

static void poke(uint16_t gpa, unsigned int size, uint64_t value)
{
	unsigned int n = gpa + size <= LOW_SIZE ? size : LOW_SIZE - gpa;

	memcpy(&low_ram[gpa], &value, n);
}

static void run_record(struct virtio_dev *dev, bool mmio, const uint8_t *rec)
{
	unsigned int size = 1u << (rec[1] & 3);
	uint16_t offset;
	uint64_t value;
	int ret = 0;

	memcpy(&offset, rec + 2, sizeof(offset));
	memcpy(&value, rec + 4, sizeof(value));
	switch (rec[0] % 4) {
	case OP_READ:
	case OP_WRITE: {
		bool write = rec[0] % 4 == OP_WRITE;

		ret = mmio ? virtio_mmio_access(dev, offset, size, write, &value)
			   : virtio_pci_access(dev, offset, size, write, &value);
		break;
	}
	case OP_KICK:
		virtio_dev_queue_notify(dev, (uint16_t)(value & 0xf));
		break;
	case OP_POKE:
		poke(offset, size, value);
		break;
	}
	(void)ret;	/* -EINVAL for an access outside the window: fine */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct gm_region regions[2] = {
		{ .gpa = 0, .size = LOW_SIZE, .host = low_ram },
		{ .gpa = HIGH_GPA, .size = HIGH_SIZE, .host = high_ram },
	};
	struct guest_mem gm;
	struct virtio_dev dev;
	struct rng_dev rng;
	bool mmio;

	if (size < 1)
		return 0;
	mmio = data[0] & 1;
	open_irq_fds();
	memset(low_ram, 0, sizeof(low_ram));
	memset(high_ram, 0, sizeof(high_ram));
	if (gm_init_from_host(&gm, regions, 2) || rng_dev_init(&rng, 0) ||
	    virtio_dev_init(&dev, &rng_ops, &rng,
			    mmio ? VIRTIO_TRANSPORT_MMIO : VIRTIO_TRANSPORT_PCI, &gm))
		__builtin_trap();
	if (mmio) {
		virtio_dev_set_pin_fd(&dev, irq_fds[0]);
	} else if (virtio_dev_set_vector_fd(&dev, 0, irq_fds[0]) ||
		   virtio_dev_set_vector_fd(&dev, 1, irq_fds[1])) {
		__builtin_trap();
	}
	for (size_t at = 1; at + RECORD_SIZE <= size; at += RECORD_SIZE)
		run_record(&dev, mmio, data + at);
	virtio_dev_fini(&dev);
	drain_irq_fds();
	return 0;
}
