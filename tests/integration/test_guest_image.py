#!/usr/bin/env python3
"""Harness self-test: the test initramfs boots and reports correctly.

Boots the image from scripts/guest-image with the Debian kernel under QEMU
(-accel kvm, used here only to validate the image; never part of the
product) and checks the `@@` markers:

  full      virtio-rng-pci attached; every virtio module loads, guest-info,
            counter and hwrng-read report sane values, the virtio RNG is
            current, all checks PASS, DONE 0, the guest ends by reboot.
  nomodule  the base image without a script, booted with `nomodule` and
            splitvm.halt=poweroff: every insmod fails with EPERM and is
            reported, NOSCRIPT, DONE 0, the guest powers off.
  failing   a script that reports a FAIL but exits 0: DONE is 1, PASS, FAIL
            and SKIP markers come through with their reasons.
  tiny      only where scripts/guest-kernel has built the tiny kernel: it
            boots the image with `nomodule`, /init skips the modules (they
            are for the Debian kernel), the built-in virtio-rng works.

usage: test_guest_image.py [full|nomodule|failing|tiny]...   (default: all, one
after the other: one Python start costs ~10 s inside the harness)
Needs /dev/kvm: exits 77 without it unless SPLITVM_REQUIRE_KVM=1.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.fspath(Path(__file__).resolve().parent))
import splitvm_test as st  # noqa: E402

TIMEOUT = st.scaled(120)
BASE_APPEND = "console=ttyS0 panic=-1 reboot=k quiet"
# Every module the image is meant to load (scripts/guest-image MODULES).
VIRTIO_MODULES = ["virtio_pci", "virtio_mmio", "virtio_blk", "virtio_net",
                  "virtio_rng", "vmw_vsock_virtio_transport"]

FULL_SCRIPT = r"""
check guest-info guest-info
check counter counter 1
check hwrng-present wait_for 10 test -c /dev/hwrng
check hwrng-read hwrng-read -t 60 4096
rng=$(cat /sys/class/misc/hw_random/rng_current 2>&1)
case $rng in
*virtio*) pass rng-current ;;
*) fail rng-current "rng_current is '$rng'" ;;
esac
"""

FAILING_SCRIPT = r"""
pass first
fail second "bad thing happened"
skip third "not here"
check fourth false
marker CUSTOM 1 2 3
exit 0
"""


def boot(name: str, initrd: Path, append: str, smp: int, devices: list[str],
         kernel: Path | None = None,
         qboot: bool = True) -> tuple[st.RunResult, st.GuestReport]:
    kernel = kernel or st.kernel_path()
    log = initrd.parent / "serial.log"
    res = st.run(st.qemu_argv(kernel, initrd, append, smp=smp, mem_mib=256,
                          devices=devices, qboot=qboot), TIMEOUT,
                 log=log, stop_after_done=15)
    rep = st.parse_markers(res.output)
    print(f"{name}: {res.elapsed:.1f} s wall, /init at {rep.init_uptime} s "
          f"uptime; {rep.summary()}; serial log {log}")
    return res, rep


def check_common(c: st.Checks, res: st.RunResult, rep: st.GuestReport) -> None:
    c.expect(not res.timed_out, f"guest did not finish within {TIMEOUT:.0f} s")
    c.expect(not res.stopped_after_done, "QEMU kept running after DONE")
    c.expect(res.returncode == 0, f"QEMU exit status {res.returncode}")
    c.expect(rep.init_uptime is not None and 0 < rep.init_uptime < TIMEOUT,
             f"no sane '@@ INIT <uptime>' marker (got {rep.value('INIT')!r})")


def case_full() -> None:
    image = st.build_image("guest-image-full", FULL_SCRIPT)
    res, rep = boot("full", image, BASE_APPEND, 2, ["virtio-rng-pci"])
    c = st.Checks(res)
    check_common(c, res, rep)
    loaded = {st.normalize_module(m) for m in rep.modules_ok}
    c.expect(not rep.modules_failed, f"modules failed: {rep.modules_failed}")
    c.expect(set(VIRTIO_MODULES) <= loaded,
             f"virtio modules not loaded: {sorted(set(VIRTIO_MODULES) - loaded)}")
    c.expect(rep.modules_total == len(rep.modules) and
             rep.modules_loaded == rep.modules_total and
             rep.modules_total >= len(VIRTIO_MODULES),
             f"MODULES {rep.modules_loaded}/{rep.modules_total} for "
             f"{len(rep.modules)} MODULE lines")
    c.expect(rep.value("CPUS") == "2", f"CPUS {rep.value('CPUS')!r}, want 2")
    mem = rep.value("MEMTOTAL_KB") or ""
    c.expect(mem.isdigit() and 150_000 < int(mem) <= 256 * 1024,
             f"MEMTOTAL_KB {mem!r} not plausible for -m 256")
    up = rep.value("UPTIME") or ""
    c.expect(up and rep.init_uptime is not None and
             float(up) >= rep.init_uptime, f"UPTIME {up!r} before INIT")
    hw = (rep.value("HWRNG") or "").split()
    c.expect(len(hw) == 2 and hw[0] == "4096" and int(hw[1]) >= 250,
             f"HWRNG {hw}: want 4096 bytes with >= 250 distinct values")
    ticks = [tuple(int(x) for x in v.split()) for v in rep.values("COUNTER")]
    c.expect([n for n, _ in ticks] == list(range(1, 11)) and
             all(ms >= n * 100 for n, ms in ticks) and
             all(a[1] < b[1] for a, b in zip(ticks, ticks[1:])),
             f"COUNTER ticks {ticks}: want 1..10, each at >= n*100 ms, rising")
    want = ["guest-info", "counter", "hwrng-present", "hwrng-read",
            "rng-current"]
    c.expect(rep.passes == want, f"PASS markers {rep.passes}, want {want}")
    c.expect(not rep.fails, f"FAIL markers: {rep.fails}")
    c.expect(rep.done == 0, f"DONE {rep.done}, want 0")
    c.expect("reboot: Restarting system" in res.output,
             "the guest did not end by reboot")
    c.finish()


def case_nomodule() -> None:
    # The base image as is (no /test.sh), copied so the log lands in the
    # per-test directory.
    wdir = st.work_dir("guest-image-nomodule")
    image = wdir / "initrd.cpio.gz"
    shutil.copyfile(st.base_image(), image)
    res, rep = boot("nomodule", image,
                    BASE_APPEND + " nomodule splitvm.halt=poweroff", 1, [])
    c = st.Checks(res)
    check_common(c, res, rep)
    c.expect(rep.modules and not rep.modules_ok,
             f"modules loaded despite nomodule: {rep.modules_ok}")
    bad = {m: why for m, why in rep.modules_failed.items()
           if why != "Operation not permitted"}
    c.expect(not bad, f"modules failed for another reason than EPERM: {bad}")
    c.expect(rep.modules_loaded == 0 and rep.modules_total == len(rep.modules)
             and len(rep.modules) >= len(VIRTIO_MODULES),
             f"MODULES {rep.modules_loaded}/{rep.modules_total} for "
             f"{len(rep.modules)} MODULE lines")
    c.expect(rep.noscript, "no NOSCRIPT marker")
    c.expect(rep.done == 0, f"DONE {rep.done}, want 0")
    c.expect("reboot: Power down" in res.output,
             "splitvm.halt=poweroff did not power the guest off")
    c.finish()


def case_failing() -> None:
    image = st.build_image("guest-image-failing", FAILING_SCRIPT)
    res, rep = boot("failing", image, BASE_APPEND, 1, [])
    c = st.Checks(res)
    check_common(c, res, rep)
    c.expect(rep.passes == ["first"], f"PASS markers {rep.passes}")
    want = [("second", "bad thing happened"), ("fourth", "exit 1: false")]
    c.expect(rep.fails == want, f"FAIL markers {rep.fails}, want {want}")
    c.expect(rep.skips == [("third", "not here")], f"SKIP markers {rep.skips}")
    c.expect(rep.value("CUSTOM") == "1 2 3", f"CUSTOM {rep.value('CUSTOM')!r}")
    c.expect(not rep.noscript, "NOSCRIPT although the image has /test.sh")
    c.expect(rep.done == 1, f"DONE {rep.done}, want 1 (a FAIL was reported)")
    c.finish()


def case_tiny() -> None:
    # Optional: runs only where scripts/guest-kernel has built the kernel.
    proc = subprocess.run([os.fspath(st.repo_root() / "scripts" / "guest-kernel"),
                           "--cached-only"], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        print("tiny: no tiny kernel built (scripts/guest-kernel); case skipped")
        return
    kernel = Path(proc.stdout.strip())
    image = st.build_image("guest-image-tiny", FULL_SCRIPT)
    # SeaBIOS: with qboot this kernel hung the whole nested harness.
    res, rep = boot("tiny", image, BASE_APPEND + " nomodule", 1,
                    ["virtio-rng-pci"], kernel=kernel, qboot=False)
    c = st.Checks(res)
    check_common(c, res, rep)
    c.expect(rep.modules_skipped and rep.modules_skipped.startswith("kernel "),
             f"modules not skipped on the tiny kernel: {rep.modules_skipped!r}")
    c.expect(rep.value("CPUS") == "1", f"CPUS {rep.value('CPUS')!r}, want 1")
    hw = (rep.value("HWRNG") or "").split()
    c.expect(len(hw) == 2 and hw[0] == "4096" and int(hw[1]) >= 250,
             f"HWRNG {hw}: want 4096 bytes with >= 250 distinct values")
    want = ["guest-info", "counter", "hwrng-present", "hwrng-read",
            "rng-current"]
    c.expect(rep.passes == want, f"PASS markers {rep.passes}, want {want}")
    c.expect(not rep.fails and rep.done == 0,
             f"FAIL markers {rep.fails}, DONE {rep.done}")
    c.finish()


CASES = {"full": case_full, "nomodule": case_nomodule, "failing": case_failing,
         "tiny": case_tiny}


def test() -> None:
    names = sys.argv[1:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        raise st.TestFailure(f"unknown case {unknown}; usage: {sys.argv[0]} "
                             f"[{'|'.join(CASES)}]...")
    st.require_kvm()
    if shutil.which("qemu-system-x86_64") is None:
        raise st.TestFailure("qemu-system-x86_64 missing (run scripts/setup)")
    failed = []
    for name in names:
        try:
            CASES[name]()
        except st.TestFailure as e:
            print(f"case {name} FAILED:\n{st.format_failure(e)}\n")
            failed.append(name)
    if failed:
        raise st.TestFailure(f"failed cases: {' '.join(failed)}")


if __name__ == "__main__":
    st.main(test)
