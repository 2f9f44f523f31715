"""What a stuck VMM and its guest are doing, for the failure message of a
test that timed out.

A boot that stops making progress can be stuck in three places: a vmm-core
thread blocked in the host (wait channel, syscall, kernel stack), a vCPU
that runs but whose guest spins (CPU ticks without exits, or the same exit
over and over: KVM's kvm_exit trace event shows the reason and guest RIP),
or the kernel that hosts KVM itself (soft lockups and KVM errors in its
log). This report collects all three over a short interval; each part is
left out when it cannot be read (not root, no tracefs).

A guest that triple-faults leaves nothing to look at afterwards; for it,
recorder_start() and recorder_stop() keep KVM's last exits and injected
exceptions in the trace ring while a VM runs."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import time
from pathlib import Path

TRACEFS = Path("/sys/kernel/tracing")
KVM_EVENTS = ("kvm/kvm_exit",)
RECORDER_EVENTS = ("kvm/kvm_exit", "kvm/kvm_inj_exception", "kvm/kvm_userspace_exit")
VCPU_TASK_RE = re.compile(r"^\s*(vcpu\d+|CPU \d+/KVM)-\d+\s")
EXIT_RE = re.compile(r"-(\d+)\s+\[.*kvm_exit: vcpu (\d+) reason (\S+) rip (0x[0-9a-f]+)"
                     r"(?: info1 (0x[0-9a-f]+) info2 (0x[0-9a-f]+))?")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError as e:
        return f"<{e.strerror}>"


def _family(pid: int) -> list[int]:
    """pid and its descendants (vmm-core and its workers)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            ppid = int((p / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[ppid].append(int(p.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _ticks(pids: list[int]) -> dict[tuple[int, str], int]:
    out = {}
    for pid in pids:
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for t in tasks:
            try:
                f = (t / "stat").read_text().rpartition(")")[2].split()
                out[(pid, t.name)] = int(f[11]) + int(f[12])   # utime + stime
            except (OSError, IndexError, ValueError):
                pass
    return out


def _holds_kvm_vm(pids: list[int]) -> bool:
    """True when one of pids has a KVM VM open: only then is KVM's trace
    worth switching on."""
    for pid in pids:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == "anon_inode:kvm-vm":
                    return True
            except OSError:
                pass
    return False


def _tracefs() -> Path | None:
    if not (TRACEFS / "events").exists():
        subprocess.run(["mount", "-t", "tracefs", "tracefs", str(TRACEFS)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return TRACEFS if (TRACEFS / "events/kvm/kvm_exit").exists() else None


def _set_events(tfs: Path, on: bool, events: tuple[str, ...] = KVM_EVENTS) -> bool:
    try:
        for ev in events:
            (tfs / "events" / ev / "enable").write_text("1" if on else "0")
        return True
    except OSError:
        return False


def _summarize_exits(trace: str, tids: set[str], limit: int = 12) -> tuple[int, list[str]]:
    """Exits of threads tids (other VMs on the host left out): the total,
    and counts per (vcpu, reason) with the guest RIPs seen most."""
    per: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    # A nested page fault's info2 is the guest-physical address, info1 its
    # error code (AMD): a guest stuck on one fault shows one address.
    npf: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    total = 0
    for m in EXIT_RE.finditer(trace):
        if m.group(1) not in tids:
            continue
        total += 1
        per[(m.group(2), m.group(3))][m.group(4)] += 1
        if m.group(3) == "npf" and m.group(6):
            npf[m.group(2)][f"{m.group(6)} (error {m.group(5)})"] += 1
    lines = []
    for (vcpu, reason), rips in sorted(per.items(), key=lambda kv: -sum(kv[1].values()))[:limit]:
        top = ", ".join(f"{rip}x{n}" for rip, n in rips.most_common(4))
        lines.append(f"  vcpu {vcpu} {reason}: {sum(rips.values())} exits, rip {top}")
        if reason == "npf" and npf[vcpu]:
            lines.append("    guest-physical " +
                         ", ".join(f"{a}x{n}" for a, n in npf[vcpu].most_common(4)))
    return total, lines


def _kernel_log_tail(lines: int = 15) -> list[str]:
    try:
        out = subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10,
                             check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return ["  " + s for s in out.splitlines()[-lines:]]


def report(pid: int, interval: float = 1.0) -> str:
    """Threads of pid and its children, KVM exits and the host kernel's log,
    gathered over `interval` seconds."""
    if not Path(f"/proc/{pid}").exists():
        return "the process has exited"
    pids = _family(pid)
    tfs = _tracefs() if _holds_kvm_vm(pids) else None
    tracing = tfs is not None and _set_events(tfs, True)
    if tracing:
        (tfs / "trace").write_text("")
    before = _ticks(pids)
    time.sleep(interval)
    after = _ticks(pids)
    trace = ""
    if tracing:
        _set_events(tfs, False)
        trace = _read(tfs / "trace")
    lines = [f"--- what pid {pid} and its children did over {interval:.1f} s"]
    for (p, tid) in sorted(after, key=lambda k: (k[0], int(k[1]))):
        t = Path(f"/proc/{p}/task/{tid}")
        state = _read(t / "stat").rpartition(")")[2].split()[:1]
        lines.append(f"thread {p}/{tid} {_read(t / 'comm')}: state {''.join(state)} "
                     f"ticks {after[(p, tid)] - before.get((p, tid), 0)} "
                     f"wchan {_read(t / 'wchan')} syscall {_read(t / 'syscall')}")
        stack = _read(t / "stack")
        if not stack.startswith("<"):
            lines += ["    " + s for s in stack.splitlines()[:12]]
    if tracing:
        total, exits = _summarize_exits(trace, {tid for (_, tid) in after})
        lines.append(f"KVM exits (kvm_exit trace): {total}")
        lines += exits
    else:
        lines.append("KVM exits: no VM, or no tracefs")
    kernel = _kernel_log_tail()
    if kernel:
        lines.append("host kernel log, last lines:")
        lines += kernel
    return "\n".join(lines)


def recorder_start() -> bool:
    """Start recording KVM exits and injected exceptions, host-wide, into a
    fresh trace ring; False where tracefs cannot be used (not root)."""
    tfs = _tracefs()
    if tfs is None:
        return False
    try:
        (tfs / "buffer_size_kb").write_text("1024")
        (tfs / "trace").write_text("")
    except OSError:
        return False
    return _set_events(tfs, True, RECORDER_EVENTS)


def recorder_stop(lines: int = 40) -> list[str]:
    """Stop the recorder; the last `lines` events of vCPU threads (vmm-core's
    or QEMU's), oldest first."""
    tfs = _tracefs()
    if tfs is None:
        return []
    _set_events(tfs, False, RECORDER_EVENTS)
    if lines <= 0:
        return []
    events = [l for l in _read(tfs / "trace").splitlines() if VCPU_TASK_RE.match(l)]
    return events[-lines:]
