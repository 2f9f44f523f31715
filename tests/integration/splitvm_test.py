"""Helpers for splitvm integration tests (Python 3.11, standard library only).

An integration test is an executable Python script registered in
tests/integration/meson.build. It builds a per-test guest image (the cached
base initramfs from scripts/guest-image plus its own /test.sh), boots it
(with vmm-core, or QEMU where a test validates the image itself), captures
the serial console and asserts on the `@@` markers the guest prints (see
tests/guest/init.sh and docs/testing.md).

    import splitvm_test as st

    def test():
        st.require_kvm()
        image = st.build_image("my-test", "check rng hwrng-read 64\\n")
        res = st.run([...boot command...], timeout=120)
        rep = st.parse_markers(res.output)
        st.expect(rep.done == 0, "guest test script failed", res)

    if __name__ == "__main__":
        st.main(test)

Exit codes follow meson: 0 pass, 77 skip, anything else fails.
"""

from __future__ import annotations

import dataclasses
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Callable, Mapping, Sequence

import hang_report

SKIP = 77


class Skip(Exception):
    """The test cannot run here (exit 77)."""


class TestFailure(AssertionError):
    """An expectation failed; carries the run whose output explains it."""

    def __init__(self, message: str, result: "RunResult | None" = None):
        super().__init__(message)
        self.result = result
        self.kvm_events: list[str] = []


class GuestFault(TestFailure):
    """The guest hung or reset before it finished, the way the nested
    harness makes guests do now and then (docs/testing.md, "When a guest
    hangs"): main() runs the test once more."""


class GuestHang(GuestFault):
    """A guest stopped making progress while its VMM kept running (a wait
    timed out); the message carries hang_report's account of it."""


# vmm-core's log line for KVM_EXIT_SHUTDOWN: the guest triple-faulted.
TRIPLE_FAULT_LOG = "guest shutdown (triple fault or reset)"


def is_guest_fault(e: TestFailure) -> bool:
    """A failure the nested harness is known to cause now and then
    (docs/testing.md, "When a guest hangs"): the guest hung with its VMM
    still running, or it triple-faulted before it finished its script."""
    if isinstance(e, GuestFault):
        return True
    r = e.result
    if r is None:
        return False
    return r.timed_out or (TRIPLE_FAULT_LOG in r.output and "@@ DONE" not in r.output)


class ImageError(Exception):
    """scripts/guest-image failed (message says why and what to do)."""


# --- locations --------------------------------------------------------------

def repo_root() -> Path:
    """The source tree: this file is tests/integration/splitvm_test.py."""
    return Path(__file__).resolve().parents[2]


def build_dir() -> Path:
    """The meson build dir under test: $SPLITVM_BUILD_DIR (set by meson)
    or, when run by hand, <repo>/build."""
    env = os.environ.get("SPLITVM_BUILD_DIR")
    path = Path(env) if env else repo_root() / "build"
    if not path.is_dir():
        raise TestFailure(f"build dir {path} does not exist "
                          "(set SPLITVM_BUILD_DIR or run meson setup)")
    return path.resolve()


def guest_image_tool() -> Path:
    return repo_root() / "scripts" / "guest-image"


def work_dir(name: str) -> Path:
    """A fresh per-test directory inside the build dir (writable in the
    harness, unlike HOME and the cache)."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"bad test name {name!r}")
    path = build_dir() / "integration-work" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def find_program(name: str, *, env_var: str | None = None) -> Path:
    """A built program: $env_var if set, else the first file called name
    in the build dir (vmm-core/vmm-core and the like)."""
    if env_var and os.environ.get(env_var):
        return Path(os.environ[env_var])
    for path in sorted(build_dir().rglob(name)):
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise TestFailure(f"{name} not found in {build_dir()} (not built?)")


# --- guest images and kernel --------------------------------------------------

def _guest_image(args: Sequence[str]) -> str:
    argv = [str(guest_image_tool()), *args]
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        msg = proc.stderr.strip() or f"exit status {proc.returncode}"
        if "not writable" in msg:
            msg += ("\nThe base image must be built before entering "
                    "scripts/nested-kvm: scripts/guest-image --build-dir "
                    f"{build_dir()}")
        raise ImageError(f"{' '.join(argv)}:\n{msg}")
    return proc.stdout.strip()


def kernel_path() -> Path:
    """The guest kernel: $SPLITVM_KERNEL, else the newest Debian kernel
    (scripts/guest-image --print-kernel)."""
    env = os.environ.get("SPLITVM_KERNEL")
    if env:
        return Path(env)
    return Path(_guest_image(["--print-kernel"]))


def base_image() -> Path:
    """The cached base initramfs (no /test.sh: the guest prints NOSCRIPT)."""
    return Path(_guest_image(["--build-dir", str(build_dir())]))


def build_image(name: str, script: str | None,
                files: Mapping[str, str | os.PathLike[str]] | None = None) -> Path:
    """Write <build>/integration-work/<name>/initrd.cpio.gz: the base image
    plus `script` as /test.sh and each files[guest_path] = host_path."""
    wdir = work_dir(name)
    args = ["--build-dir", str(build_dir())]
    if script is not None:
        script_path = wdir / "test.sh"
        script_path.write_text(script)
        args += ["--script", str(script_path)]
    for guest_path, host_path in (files or {}).items():
        args += ["--file", f"{os.fspath(host_path)}={guest_path}"]
    out = wdir / "initrd.cpio.gz"
    args += ["--out", str(out)]
    _guest_image(args)
    return out


def qemu_argv(kernel: os.PathLike[str], initrd: os.PathLike[str], append: str, *,
              smp: int, mem_mib: int, devices: Sequence[str] = (),
              qboot: bool = True, extra: Sequence[str] = ()) -> list[str]:
    """QEMU -M pc booting a kernel and initrd with KVM: the peer that checks
    the test image and that the tests measure vmm-core against (never part
    of the product). The serial port is on stdout; the guest's reboot or
    poweroff ends QEMU. `extra`: more QEMU options, appended."""
    argv = ["qemu-system-x86_64", "-accel", "kvm", "-M", "pc", "-m", str(mem_mib),
            "-smp", str(smp), "-nographic", "-no-reboot", "-net", "none",
            "-kernel", os.fspath(kernel), "-initrd", os.fspath(initrd),
            "-append", append]
    if qboot and Path("/usr/share/qemu/qboot.rom").exists():
        argv += ["-bios", "qboot.rom"]  # much faster than SeaBIOS
    for dev in devices:
        argv += ["-device", dev]
    return argv + list(extra)


def scaled(seconds: float) -> float:
    """A guest timeout, multiplied by $SPLITVM_TIMEOUT_SCALE (default 1) on
    slow or busy hosts; pair it with `meson test --timeout-multiplier`."""
    try:
        scale = float(os.environ.get("SPLITVM_TIMEOUT_SCALE", "1"))
    except ValueError:
        scale = 1.0
    return seconds * scale if scale > 0 else seconds


# --- KVM ----------------------------------------------------------------------

def have_kvm() -> bool:
    """A /dev/kvm that runs stock Linux guests: hardware virtualization (svm
    or vmx among the CPU flags), not PVM's kvm_pvm, which takes the same
    ioctls but runs only guest kernels built for it (scripts/nested-kvm
    applies the same rule)."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK) or os.path.isdir("/sys/module/kvm_pvm"):
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "svm" in flags or "vmx" in flags


def require_kvm() -> None:
    """Skip without a usable /dev/kvm, unless SPLITVM_REQUIRE_KVM=1 (then fail)."""
    if have_kvm():
        return
    if os.environ.get("SPLITVM_REQUIRE_KVM") == "1":
        raise TestFailure("no /dev/kvm that runs stock guests and SPLITVM_REQUIRE_KVM=1 "
                          "(run the suite inside scripts/nested-kvm)")
    raise Skip("no usable /dev/kvm (run inside scripts/nested-kvm)")


# --- running a guest ------------------------------------------------------------

@dataclasses.dataclass
class RunResult:
    argv: list[str]
    returncode: int | None      # None when killed after a timeout
    output: str                 # stdout and stderr merged, \r removed
    elapsed: float              # seconds
    timed_out: bool
    stopped_after_done: bool    # killed because it kept running after DONE
    hang_report: str = ""       # on a timeout: what it was doing (hang_report)

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-lines:])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run(argv: Sequence[str | os.PathLike[str]], timeout: float, *,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        log: str | os.PathLike[str] | None = None,
        stop_after_done: float | None = None,
        echo: bool = False) -> RunResult:
    """Run argv (in its own process group) with stdin from /dev/null and
    stdout+stderr captured, for at most `timeout` seconds; then the whole
    group is killed. With stop_after_done, a run that is still going that
    many seconds after the guest printed `@@ DONE` is stopped too (for a VMM
    that does not exit on guest reset). `log` gets a copy of the output as it
    arrives; `echo` copies it to our stderr."""
    args = [os.fspath(a) for a in argv]
    start = time.monotonic()
    deadline = start + timeout
    done_re = re.compile(rb"(?:^|\n)@@ DONE")
    chunks: list[bytes] = []
    timed_out = stopped = False
    hang = ""
    logf = open(log, "wb") if log else None
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                env=dict(env) if env is not None else None,
                                cwd=cwd, start_new_session=True)
        assert proc.stdout is not None
        os.set_blocking(proc.stdout.fileno(), False)
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        done_at: float | None = None
        drain_until: float | None = None
        seen = b""
        eof = False
        while not eof:
            now = time.monotonic()
            # Exited, but a child of it may still hold the pipe: read what
            # is there for a moment, then stop.
            if drain_until is None and proc.poll() is not None:
                drain_until = now + 2.0
            if drain_until is not None and now >= drain_until:
                _kill_group(proc)   # whatever is left of its group
                break
            limit = deadline if done_at is None else min(deadline, done_at)
            if drain_until is not None:
                limit = min(limit, drain_until)
            if now >= limit and drain_until is None:
                if done_at is not None and now >= done_at:
                    stopped = True
                else:
                    timed_out = True
                    hang = hang_report.report(proc.pid)
                _kill_group(proc)
                break
            for _key, _ in sel.select(timeout=max(0.0, min(1.0, limit - now))):
                try:
                    data = os.read(proc.stdout.fileno(), 65536)
                except BlockingIOError:
                    continue
                if not data:
                    eof = True
                    break
                chunks.append(data)
                if logf:
                    logf.write(data)
                    logf.flush()
                if echo:
                    sys.stderr.buffer.write(data)
                    sys.stderr.flush()
                if stop_after_done is not None and done_at is None:
                    seen = (seen + data)[-4096:]
                    if done_re.search(seen.replace(b"\r", b"")):
                        done_at = time.monotonic() + stop_after_done
        sel.close()
        proc.stdout.close()
        rc: int | None
        if timed_out or stopped:
            rc = None
        else:
            try:
                rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                timed_out = True
                _kill_group(proc)
                rc = None
    finally:
        if logf:
            logf.close()
    output = b"".join(chunks).decode("utf-8", errors="replace").replace("\r", "")
    return RunResult(args, rc, output, time.monotonic() - start, timed_out, stopped, hang)


# --- markers -------------------------------------------------------------------

MARKER_RE = re.compile(r"^@@ ([A-Z][A-Z0-9_]*)(?: (.*))?$")
# Terminal escapes (firmware clears the screen over serial): not text.
ESCAPE_RE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[@-_a-z])")


@dataclasses.dataclass
class GuestReport:
    """What the guest said, from its `@@` lines (tests/guest/init.sh)."""
    init_uptime: float | None = None
    modules: dict[str, str | None] = dataclasses.field(default_factory=dict)
    modules_loaded: int | None = None
    modules_total: int | None = None
    modules_skipped: str | None = None
    passes: list[str] = dataclasses.field(default_factory=list)
    fails: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    skips: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    noscript: bool = False
    done: int | None = None
    markers: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def modules_ok(self) -> list[str]:
        """Modules that loaded, in load order."""
        return [m for m, why in self.modules.items() if why is None]

    @property
    def modules_failed(self) -> dict[str, str]:
        """Module -> reason, for those that did not load."""
        return {m: why for m, why in self.modules.items() if why is not None}

    def values(self, key: str) -> list[str]:
        """The text after `@@ KEY` of every such marker, in order."""
        return [rest for k, rest in self.markers if k == key]

    def value(self, key: str) -> str | None:
        """The last `@@ KEY` marker's text, or None."""
        vals = self.values(key)
        return vals[-1] if vals else None

    def summary(self) -> str:
        return (f"init={self.init_uptime} modules={self.modules_loaded}/"
                f"{self.modules_total} pass={self.passes} fail={self.fails} "
                f"done={self.done}")


# One vmm-core log line (common/log.c). The serial console reaches the same
# pipe a byte at a time, so a log line can land in the middle of a guest's
# line: "@@ STATUS 0xff 7.84 7.91<log line>\n\n".
LOG_LINE_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z "
                         r"\[[^\]\n]*:(?:ERROR|WARN|INFO|DEBUG)\] [^\n]*\n")


# Guest kernel messages ("[    2.887367] ...") that landed in the middle of
# a line the guest's userspace was writing (its tty output is interrupt
# driven, printk's is not): the first starts mid-line, and any that follow
# it at once belong to the same interruption.
KERNEL_LINES_MIDWAY_RE = re.compile(r"(?<=[^\n])(?:\[ *\d+\.\d+\] [^\n]*\n)+")


def console_view(text: str) -> str:
    """The output with vmm-core's log lines taken out wherever they landed,
    and the guest kernel's where they cut into another line: what the
    guest's userspace printed, with its lines whole again."""
    return KERNEL_LINES_MIDWAY_RE.sub("", LOG_LINE_RE.sub("", text))


def parse_markers(text: str) -> GuestReport:
    """Parse `@@` lines (each at the start of its own line, terminal escape
    sequences and interleaved log lines disregarded: console_view) out of
    the serial output. Lines that do not parse are ignored."""
    rep = GuestReport()
    for line in ESCAPE_RE.sub("", console_view(text.replace("\r", ""))).splitlines():
        m = MARKER_RE.match(line.rstrip())
        if not m:
            continue
        key, rest = m.group(1), (m.group(2) or "").strip()
        rep.markers.append((key, rest))
        words = rest.split()
        if key == "INIT" and words:
            try:
                rep.init_uptime = float(words[0])
            except ValueError:
                pass
        elif key == "MODULE" and len(words) >= 2:
            rep.modules[words[0]] = None if words[1] == "ok" else (
                " ".join(words[2:]) or words[1])
        elif key == "MODULES" and words:
            mm = re.fullmatch(r"(\d+)/(\d+)", words[0])
            if mm:
                rep.modules_loaded, rep.modules_total = int(mm[1]), int(mm[2])
            if len(words) > 1 and words[1] == "skipped":
                rep.modules_skipped = " ".join(words[2:]) or "skipped"
        elif key == "PASS" and words:
            rep.passes.append(words[0])
        elif key == "FAIL" and words:
            rep.fails.append((words[0], " ".join(words[1:])))
        elif key == "SKIP" and words:
            rep.skips.append((words[0], " ".join(words[1:])))
        elif key == "NOSCRIPT":
            rep.noscript = True
        elif key == "DONE" and words:
            try:
                rep.done = int(words[0])
            except ValueError:
                pass
    return rep


def normalize_module(name: str) -> str:
    """Module names as the kernel spells them (virtio-rng -> virtio_rng)."""
    return name.replace("-", "_")


# --- assertions and the test entry point ----------------------------------------

class Checks:
    """Collect failed expectations so one run reports all of them."""

    def __init__(self, result: RunResult | None = None):
        self.result = result
        self.failures: list[str] = []

    def expect(self, cond: object, message: str) -> bool:
        if not cond:
            self.failures.append(message)
        return bool(cond)

    def finish(self) -> None:
        if self.failures:
            raise TestFailure("\n".join(self.failures), self.result)


def expect(cond: object, message: str, result: RunResult | None = None) -> None:
    if not cond:
        raise TestFailure(message, result)


def format_failure(e: TestFailure) -> str:
    """The failed expectations, then the tail of the run that failed."""
    text = str(e)
    r = e.result
    if r is not None:
        state = "timed out" if r.timed_out else f"exit status {r.returncode}"
        text += (f"\n--- {' '.join(r.argv)}: {state} after {r.elapsed:.1f} s;"
                 f" last lines of its output:\n{r.tail()}")
        if r.hang_report:
            text += "\n" + r.hang_report
    if e.kvm_events:
        text += ("\n--- the last KVM events of vCPU threads (a shutdown exit's intr_info "
                 "is the event the guest was taking when it triple-faulted):\n"
                 + "\n".join(e.kvm_events))
    return text


def _attempt(test: Callable[[], None]) -> None:
    """One run of test. With $SPLITVM_KVM_RECORDER=1 (off by default, see
    docs/testing.md) KVM's events are recorded, and a failure from a hung or
    triple-faulted guest carries the last of them. The recorder is
    host-wide: tests running side by side share it."""
    recording = os.environ.get("SPLITVM_KVM_RECORDER") == "1" and hang_report.recorder_start()
    try:
        test()
    except TestFailure as e:
        if recording and is_guest_fault(e):
            e.kvm_events = hang_report.recorder_stop()
        raise
    finally:
        if recording:
            hang_report.recorder_stop(0)


def main(test: Callable[[], None]) -> None:
    """Run one test function and exit the way meson expects.

    A test whose guest hangs or triple-faults runs once more: the nested
    harness faults guests now and then, under QEMU too, and about one boot
    in a hundred there has stopped mid-way with the VMM still running
    (docs/testing.md, "When a guest hangs").
    The first failure is printed as a RETRY block, with what the VMM and KVM
    were doing, for scripts/test to show even when the second attempt
    passes; a second such failure, or any other, fails the test."""
    name = Path(sys.argv[0]).name
    try:
        try:
            _attempt(test)
        except TestFailure as e:
            if not is_guest_fault(e):
                raise
            print(f"RETRY {name}: the guest hung or triple-faulted; running the test "
                  f"once more:\n{format_failure(e)}\nEND RETRY", flush=True)
            _attempt(test)
    except Skip as e:
        print(f"SKIP {name}: {e}")
        sys.exit(SKIP)
    except TestFailure as e:
        print(f"FAIL {name}:\n{format_failure(e)}")
        sys.exit(1)
    except ImageError as e:
        print(f"FAIL {name}: cannot build the guest image:\n{e}")
        sys.exit(1)
    except Exception:  # noqa: BLE001 - report anything else as a failure
        traceback.print_exc()
        sys.exit(1)
    sys.exit(0)
