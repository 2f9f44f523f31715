#!/usr/bin/env python3
"""Writes the seed corpora of this folder's fuzz targets, in the input
formats their .c files describe:
  corpus/          fuzz-virtio-device: drivers that bring the entropy device
                   up over each transport and hand it a request (plain,
                   chained, indirect, with EVENT_IDX)
  corpus-mailbox/  fuzz-worker-mailbox: pages with good and bad requests
Run from anywhere; writes next to this script.

    tests/fuzz/workers/gen-corpus.py
"""

from __future__ import annotations

import struct
from pathlib import Path

READ, WRITE, KICK, POKE = range(4)
SIZE_CODE = {1: 0, 2: 1, 4: 2, 8: 3}

# virtio 1.2 feature bits and descriptor flags
F_INDIRECT, F_EVENT_IDX, F_VERSION_1 = 28, 29, 32
D_NEXT, D_WRITE, D_INDIRECT = 1, 2, 4
ACK, DRIVER, FEATURES_OK, DRIVER_OK = 1, 2, 8, 4

DESC, AVAIL, USED, BUF, TABLE = 0x1000, 0x2000, 0x3000, 0x4000, 0x5000
QSIZE = 8


def rec(op: int, size: int, offset: int, value: int = 0) -> bytes:
    return struct.pack("<BBHQ", op, SIZE_CODE[size], offset, value & (2**64 - 1))


class Driver:
    def __init__(self, mmio: bool) -> None:
        self.mmio = mmio
        self.out = bytearray([1 if mmio else 0])

    def reg(self, offset: int, value: int, size: int = 4) -> None:
        self.out += rec(WRITE, size, offset, value)

    def read(self, offset: int, size: int = 4) -> None:
        self.out += rec(READ, size, offset)

    def poke(self, gpa: int, value: int, size: int) -> None:
        self.out += rec(POKE, size, gpa, value)

    def kick(self, q: int = 0) -> None:
        self.out += rec(KICK, 1, 0, q)

    def status(self, value: int) -> None:
        self.reg(0x70 if self.mmio else 0x14, value, 4 if self.mmio else 1)

    def bring_up(self, features: int) -> None:
        self.status(ACK)
        self.status(ACK | DRIVER)
        if self.mmio:
            self.reg(0x14, 0)
            self.read(0x10)
            for sel in (0, 1):
                self.reg(0x24, sel)
                self.reg(0x20, features >> (32 * sel))
        else:
            self.reg(0x00, 0)
            self.read(0x04)
            for sel in (0, 1):
                self.reg(0x08, sel)
                self.reg(0x0c, features >> (32 * sel))
        self.status(ACK | DRIVER | FEATURES_OK)
        self.read(0x70 if self.mmio else 0x14, 4 if self.mmio else 1)
        if self.mmio:
            self.reg(0x30, 0)
            self.read(0x34)
            self.reg(0x38, QSIZE)
            self.reg(0x80, DESC)
            self.reg(0x90, AVAIL)
            self.reg(0xa0, USED)
            self.reg(0x44, 1)
        else:
            self.reg(0x10, 0, 2)          # config vector
            self.reg(0x16, 0, 2)          # queue_select
            self.read(0x18, 2)
            self.reg(0x18, QSIZE, 2)
            self.reg(0x1a, 1, 2)          # queue vector
            self.reg(0x20, DESC)
            self.reg(0x28, AVAIL)
            self.reg(0x30, USED)
            self.reg(0x1c, 1, 2)
        self.status(ACK | DRIVER | FEATURES_OK | DRIVER_OK)

    def desc(self, base: int, i: int, addr: int, length: int, flags: int, nxt: int) -> None:
        self.poke(base + 16 * i, addr, 8)
        self.poke(base + 16 * i + 8, length | flags << 32 | nxt << 48, 8)

    def offer(self, slot: int, head: int, idx: int) -> None:
        self.poke(AVAIL + 4 + 2 * slot, head, 2)
        self.poke(AVAIL + 2, idx, 2)

    def finish(self) -> None:
        self.read(0x60 if self.mmio else 0x1000)   # InterruptStatus / ISR
        self.status(0)


def seeds() -> dict[str, bytes]:
    out = {}
    base = 1 << F_VERSION_1
    for mmio in (False, True):
        t = "mmio" if mmio else "pci"

        d = Driver(mmio)
        d.bring_up(base)
        d.desc(DESC, 0, BUF, 64, D_WRITE, 0)
        d.offer(0, 0, 1)
        d.kick()
        d.finish()
        out[f"{t}-one-request"] = bytes(d.out)

        d = Driver(mmio)
        d.bring_up(base | 1 << F_EVENT_IDX)
        d.desc(DESC, 0, BUF, 16, D_WRITE | D_NEXT, 1)
        d.desc(DESC, 1, BUF + 0x100, 16, D_WRITE, 0)
        d.offer(0, 0, 1)
        d.poke(AVAIL + 4 + 2 * QSIZE, 0, 2)       # used_event: signal the first
        d.kick()
        d.desc(DESC, 2, BUF + 0x200, 32, D_WRITE, 0)
        d.offer(1, 2, 2)
        d.kick()
        d.finish()
        out[f"{t}-chain-event-idx"] = bytes(d.out)

        d = Driver(mmio)
        d.bring_up(base | 1 << F_INDIRECT)
        d.desc(DESC, 0, TABLE, 32, D_INDIRECT, 0)
        d.desc(TABLE, 0, BUF, 16, D_WRITE | D_NEXT, 1)
        d.desc(TABLE, 1, 0x20000, 16, D_WRITE, 0)  # the high region
        d.offer(0, 0, 1)
        d.kick()
        d.finish()
        out[f"{t}-indirect"] = bytes(d.out)
    return out


MBOX_MAGIC, MBOX_VERSION, MBOX_RING = 0x584F424D, 2, 64
MBOX_READ, MBOX_WRITE = 1, 2


def mailbox_page(reqs: list[tuple[int, int, int, int, int]]) -> bytes:
    """A page whose ring holds reqs = (op, bar, size, offset, data)."""
    page = bytearray(4096)
    struct.pack_into("<IIII", page, 0, MBOX_MAGIC, MBOX_VERSION, MBOX_RING, 0)
    struct.pack_into("<I", page, 0x40, len(reqs))
    for i, (op, bar, size, offset, data) in enumerate(reqs):
        struct.pack_into("<QBBB5xQQ", page, 0x100 + 32 * i, i + 1, op, bar, size,
                         offset, data)
    return bytes(page).rstrip(b"\0")


def mailbox_seeds() -> dict[str, bytes]:
    good = [(MBOX_WRITE, 0, 1, 0x14, 1), (MBOX_READ, 0, 1, 0x14, 0),
            (MBOX_WRITE, 0, 4, 0x20, 0x1000), (MBOX_READ, 0, 8, 0x3ff8, 0)]
    bad = [(MBOX_READ, 1, 4, 0, 0), (MBOX_READ, 0, 3, 0, 0), (MBOX_READ, 0, 8, 0x3ffc, 0),
           (7, 0, 4, 0, 0), (MBOX_WRITE, 0, 4, 2**64 - 2, 5)]
    return {
        "good": bytes([1, 0, 0, 0, 0]) + mailbox_page(good),
        "bad-requests": bytes([1, 0, 0, 0, 0]) + mailbox_page(good[:1] + bad),
        "prod-runs-ahead": bytes([3]) + struct.pack("<I", 200) + mailbox_page(good),
        "no-header": bytes([0, 0, 0, 0, 0]) + mailbox_page(good)[16:],
    }


def write_corpus(name: str, files: dict[str, bytes]) -> None:
    corpus = Path(__file__).resolve().parent / name
    corpus.mkdir(exist_ok=True)
    for fname, data in files.items():
        (corpus / fname).write_bytes(data)


def main() -> None:
    write_corpus("corpus", seeds())
    write_corpus("corpus-mailbox", mailbox_seeds())


if __name__ == "__main__":
    main()
