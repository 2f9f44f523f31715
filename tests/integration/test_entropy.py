#!/usr/bin/env python3
"""The entropy device end to end: vmm-core plus a vmm-worker-rng process
serving a real guest (Debian kernel, its virtio modules loaded by /init).

    test_entropy.py pci         --enable-pci: the guest finds 1af4:1044 on
                                its PCI bus with MSI-X vectors in use, the
                                hw_random core picks virtio and 64 KiB come
                                out of /dev/hwrng; vmm-core and the worker
                                are separate processes
    test_entropy.py mmio        the same over virtio-mmio (no --enable-pci)
    test_entropy.py kill        SIGKILL the worker while the guest reads
                                /dev/hwrng: the guest's serial heartbeat and
                                vmm-core carry on, the failure is logged, and
                                the guest still reboots cleanly
    test_entropy.py stop        SIGSTOP the worker, then the guest reads the
                                device status register (through sysfs): the
                                read comes back all-ones within the mailbox
                                deadline (set to 50 ms) and the VM carries on
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import core_vm
import splitvm_test as st

BASE_ARGS = "console=ttyS0 reboot=k panic=1"

# Finds the virtio-rng device in sysfs on either transport and prints what
# the test checks.  Lines are markers so that kernel messages cannot cut in.
FIND_DEVICE = r"""
pcidev=
for d in /sys/bus/pci/devices/*; do
	[ -e "$d/vendor" ] || continue
	if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1044 ]; then
		pcidev=$d
	fi
done
if [ -n "$pcidev" ]; then
	marker PCIDEV "$(basename $pcidev)"
	n=$(ls "$pcidev/msi_irqs" 2>/dev/null | wc -l)
	marker MSIX "$n"
fi
vdev=
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d/device" ] || continue
	[ "$(cat $d/device)" = 0x0004 ] && vdev=$d
done
marker VIRTIODEV "${vdev:+$(basename $vdev)}"
wait_for 10 grep -q virtio /sys/class/misc/hw_random/rng_current
marker RNG "$(cat /sys/class/misc/hw_random/rng_current)"
"""

SCRIPTS = {
    "pci": FIND_DEVICE + "hwrng-read -t 60 65536\nmarker HOLD\nsleep 1\n",
    "mmio": FIND_DEVICE + "hwrng-read -t 60 65536\nmarker HOLD\nsleep 1\n",
    # The heartbeat runs while hwrng-read waits on a device whose worker
    # is gone.  That read never returns: Linux's virtio-rng waits for the
    # device in a killable sleep, which a timer signal does not end; the
    # guest's reboot at the end does.
    "kill": FIND_DEVICE + r"""
marker READING
hwrng-read -t 600 67108864 &
i=0; while [ $i -lt 40 ]; do marker BEAT $i; i=$((i+1)); sleep 0.5; done
""",
    "stop": FIND_DEVICE + r"""
marker STOPME
sleep 5
read -r t0 _ </proc/uptime
status=$(cat /sys/bus/virtio/devices/$(basename $vdev)/status)
read -r t1 _ </proc/uptime
marker STATUS "$status" "$t0" "$t1"
i=0; while [ $i -lt 6 ]; do marker BEAT $i; i=$((i+1)); sleep 0.5; done
""",
}


def worker_pids(core_pid: int) -> list[int]:
    """Children of vmm-core named vmm-worker-rng."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        name = re.search(r"^Name:\s*(\S+)", status, re.M)
        ppid = re.search(r"^PPid:\s*(\d+)", status, re.M)
        if name and ppid and name.group(1).startswith("vmm-worker-rng") \
                and int(ppid.group(1)) == core_pid:
            pids.append(int(entry.name))
    return pids


def start(case: str) -> tuple[core_vm.CoreProcess, Path]:
    pci = case != "mmio"
    image = st.build_image("entropy-" + case, SCRIPTS[case])
    wdir = image.parent
    config = {
        "boot-source": {"kernel_image_path": str(st.kernel_path()),
                        "initrd_path": str(image), "boot_args": BASE_ARGS},
        "machine-config": {"vcpu_count": 1, "mem_size_mib": 256},
        "entropy": {},
        "metrics": {"metrics_path": str(wdir / "metrics.json")},
    }
    (wdir / "metrics.json").write_text("")   # opened, not created, as Firecracker does
    args = core_vm.config_file_args(wdir, "entropy-" + case, config)
    if pci:
        args.append("--enable-pci")
    if case == "stop":
        args += ["--mailbox-deadline-ms", "50"]   # not the default: it is configurable
    return core_vm.CoreProcess(args, log=wdir / "console.log"), wdir


def last_workers(vm: core_vm.CoreProcess, wdir: Path) -> list[dict]:
    """The workers section of the last metrics line (written before exit)."""
    lines = (wdir / "metrics.json").read_text().splitlines() \
        if (wdir / "metrics.json").exists() else []
    st.expect(lines, "no metrics line written", vm.result())
    workers = json.loads(lines[-1]).get("workers")
    st.expect(isinstance(workers, list) and len(workers) == 1,
              f"metrics name workers {workers!r}, want one", vm.result())
    return workers


def check_device(vm: core_vm.CoreProcess, pci: bool) -> None:
    vm.wait_for(r"^@@ RNG ", st.scaled(240))
    rep = st.parse_markers(vm.output)
    if pci:
        st.expect(rep.value("PCIDEV"), "no 1af4:1044 device under /sys/bus/pci/devices",
                  vm.result())
        msix = core_vm.marker_int(rep, "MSIX") or 0
        st.expect(msix >= 2, f"{msix} MSI-X vectors in use, want >= 2", vm.result())
    else:
        st.expect(not rep.value("PCIDEV"), "a PCI device without --enable-pci",
                  vm.result())
    st.expect(rep.value("VIRTIODEV"), "no virtio device 4 on the virtio bus", vm.result())
    st.expect("virtio" in (rep.value("RNG") or ""),
              f"rng_current is {rep.value('RNG')!r}, want virtio_rng", vm.result())


def test_read(case: str) -> None:
    vm, wdir = start(case)
    with vm:
        check_device(vm, case == "pci")
        vm.wait_for(r"^@@ HOLD", st.scaled(120))
        workers = worker_pids(vm.proc.pid)
        st.expect(len(workers) == 1,
                  f"want one vmm-worker-rng child of vmm-core, found {workers}", vm.result())
        rc = vm.wait_exit(st.scaled(120))
        rep = st.parse_markers(vm.output)
        hw = rep.value("HWRNG") or ""
        st.expect(hw.split()[:1] == ["65536"], f"hwrng-read got {hw!r}, want 65536 bytes",
                  vm.result())
        st.expect(int(hw.split()[1]) > 200, f"hwrng bytes look wrong: {hw!r}", vm.result())
        st.expect(rep.done == 0, f"guest script failed: {rep.summary()}", vm.result())
        st.expect(rc == 0, f"vmm-core exit status {rc}, want 0", vm.result())
        w = last_workers(vm, wdir)[0]
        st.expect(w.get("state") == "running" and w.get("pid") == workers[0]
                  and w.get("failures") == 0,
                  f"metrics show the worker as {w!r}", vm.result())


def beats(vm: core_vm.CoreProcess) -> int:
    return vm.count(r"^@@ BEAT \d+")


def test_kill() -> None:
    vm, wdir = start("kill")
    with vm:
        check_device(vm, True)
        vm.wait_for(r"^@@ READING", st.scaled(60))
        time.sleep(1.0)
        workers = worker_pids(vm.proc.pid)
        st.expect(len(workers) == 1, f"worker not found: {workers}", vm.result())
        os.kill(workers[0], signal.SIGKILL)
        before = beats(vm)
        vm.wait_for(r"worker .*exited|exited.*worker|killed by signal", st.scaled(30))
        deadline = time.monotonic() + st.scaled(60)
        while beats(vm) < before + 4:
            if vm.proc.poll() is not None or time.monotonic() > deadline:
                raise vm.fail(f"heartbeat stopped after the worker died "
                              f"({before} -> {beats(vm)})")
            time.sleep(0.2)
        rc = vm.wait_exit(st.scaled(120))
        st.expect(rc == 0, f"vmm-core exit status {rc}, want 0", vm.result())
        st.expect(not worker_pids(vm.proc.pid), "worker left behind", vm.result())
        w = last_workers(vm, wdir)[0]
        st.expect(w.get("state") == "failed" and w.get("failures", 0) >= 1,
                  f"metrics show the killed worker as {w!r}", vm.result())


def test_stop() -> None:
    vm, _ = start("stop")
    with vm:
        check_device(vm, True)
        vm.wait_for(r"^@@ STOPME", st.scaled(60))
        workers = worker_pids(vm.proc.pid)
        st.expect(len(workers) == 1, f"worker not found: {workers}", vm.result())
        os.kill(workers[0], signal.SIGSTOP)
        m = vm.wait_for(r"^@@ STATUS (\S+) ([\d.]+) ([\d.]+)$", st.scaled(60))
        value, t0, t1 = m.group(1), float(m.group(2)), float(m.group(3))
        st.expect(int(value, 16) == 0xff, f"status read {value}, want all-ones",
                  vm.result())
        # 50 ms deadline; the emulated guest's clock and the shell between
        # the two uptime reads add their own slack.
        st.expect(t1 - t0 < 2.0, f"status read took {t1 - t0:.2f} s", vm.result())
        vm.wait_for(r"missed the 50 ms mailbox deadline", st.scaled(10))
        vm.wait_for(r"^@@ BEAT 5", st.scaled(60))
        rc = vm.wait_exit(st.scaled(120))
        st.expect(rc == 0, f"vmm-core exit status {rc}, want 0", vm.result())


def test(case: str) -> None:
    st.require_kvm()
    if case in ("pci", "mmio"):
        test_read(case)
    elif case == "kill":
        test_kill()
    else:
        test_stop()


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in SCRIPTS:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(SCRIPTS)}")
    st.main(lambda: test(sys.argv[1]))
