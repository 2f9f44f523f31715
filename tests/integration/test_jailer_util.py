"""Helpers for the jailer's integration tests (Python 3.11, standard library).

The jailer needs root, mount and PID namespaces, mknod and cgroups: these
tests run inside scripts/nested-kvm (scripts/test does that), or on any
Linux host as root.  Where the host lacks something (no cgroup2 controllers,
a controller already bound elsewhere), the test skips -- unless
SPLITVM_REQUIRE_KVM=1 (set by scripts/test inside the harness, where
everything must be there), which turns such a skip into a failure.

Paths come from meson (tests/integration/meson.build): JAILER, PROBE (the
static stand-in for vmm-core, jailer/tests/probe.c, with vmm-worker-probe
beside it) and SPLITVM_BUILD_DIR.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

CG2 = Path("/sys/fs/cgroup")


def env_path(name: str) -> Path:
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest(f"${name} is not set (run through meson test)")
    return Path(value)


def strict() -> bool:
    """Inside the harness every precondition must hold."""
    return os.environ.get("SPLITVM_REQUIRE_KVM") == "1"


def need(condition: bool, why: str) -> None:
    """Skips the test when condition is false (fails in strict mode)."""
    if condition:
        return
    if strict():
        raise AssertionError(f"precondition missing in the harness: {why}")
    raise unittest.SkipTest(why)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def proc_status(pid: int) -> dict[str, str]:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key] = value.strip()
    return out


def proc_limits(pid: int) -> dict[str, tuple[str, str]]:
    out = {}
    with open(f"/proc/{pid}/limits") as f:
        next(f)
        for line in f:
            name = line[:26].strip()
            soft, hard = line[26:].split()[:2]
            out[name] = (soft, hard)
    return out


def proc_cgroups(pid: int) -> dict[str, str]:
    """controller (or "" for v2) -> path, from /proc/PID/cgroup."""
    out = {}
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctls, path = line.rstrip("\n").split(":", 2)
            for c in ctls.split(",") if ctls else [""]:
                out[c] = path
    return out


def children(pid: int) -> list[int]:
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                kids += [int(x) for x in f.read().split()]
        except FileNotFoundError:
            pass
    return kids


def same_file(a: str | Path, b: str | Path) -> bool:
    sa, sb = os.stat(a), os.stat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def tree(root: Path) -> set[str]:
    """Every path below root, relative, without following symlinks."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for name in dirnames + filenames:
            out.add(name if rel == "." else f"{rel}/{name}")
    return out


def query(sock: Path, timeout: float = 10.0) -> dict[str, str]:
    """Connects to the probe's socket and parses its report."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(sock))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    report = {}
    for line in data.decode().splitlines():
        key, _, value = line.partition("=")
        report[key] = value
    return report


def socket_ready(sock: Path) -> bool:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(str(sock))
        return True
    except OSError:
        return False
    finally:
        s.close()


def mounts() -> list[tuple[str, str, str]]:
    """(mount point, fs type, super options) from /proc/self/mountinfo."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            fields, rfields = left.split(), right.split()
            if len(fields) >= 5 and len(rfields) >= 3:
                out.append((fields[4].replace("\\040", " "), rfields[0], rfields[2]))
    return out


def cgroup2_is_default() -> bool:
    """True when /sys/fs/cgroup is a cgroup2 mount (the jailer then
    defaults to --cgroup-version 2)."""
    return any(point == str(CG2) and fstype == "cgroup2" for point, fstype, _ in mounts())


def cgroup2_controllers() -> set[str]:
    if not cgroup2_is_default():
        return set()
    try:
        return set((CG2 / "cgroup.controllers").read_text().split())
    except OSError:
        return set()


@dataclasses.dataclass
class Jailed:
    """A VM (probe) started by the jailer."""
    id: str
    exec_name: str
    base: Path
    pid: int                    # host pid of the jailed process
    proc: subprocess.Popen | None  # the jailer, when it is the VM itself
    stderr: Path

    @property
    def jail(self) -> Path:
        return self.base / self.exec_name / self.id

    @property
    def root(self) -> Path:
        return self.jail / "root"

    def sock(self, name: str = "run/probe.sock") -> Path:
        return self.root / name

    def report(self) -> dict[str, str]:
        return query(self.sock())

    def worker_pids(self) -> list[int]:
        return wait_for(lambda: children(self.pid), 10, "the probe's worker")

    def kill(self) -> None:
        for pid in [self.pid] + (children(self.pid) if pid_alive(self.pid) else []):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.proc.wait(timeout=10)
        wait_for(lambda: not pid_alive(self.pid), 10, f"pid {self.pid} to exit")


class JailerTest(unittest.TestCase):
    """Each test gets a fresh chroot base under /tmp and a unique id; VMs
    are killed and jails removed afterwards (with jailer --cleanup, so a
    cleanup that fails shows up)."""

    counter = 0

    @classmethod
    def setUpClass(cls):
        need(os.geteuid() == 0, "the jailer needs root")
        cls.jailer = env_path("JAILER")
        cls.probe = env_path("PROBE")
        need(cls.probe.exists(), f"{cls.probe} was not built (a sanitizer build?)")

    def setUp(self):
        self.base = Path(tempfile.mkdtemp(prefix="jt-", dir="/tmp"))
        self.vms: list[Jailed] = []
        self.cleanups: list = []
        JailerTest.counter += 1
        self.vm_id = f"t{os.getpid()}-{JailerTest.counter}"
        # Runs even when a subclass's setUp skips or fails after this.
        self.addCleanup(self.clean_all)

    def clean_all(self):
        # VMs first, then their jails and cgroups, then what the test set
        # up around them (parent cgroups, the mounts holding hierarchies).
        for vm in self.vms:
            vm.kill()
        for vm in self.vms:
            if vm.jail.exists():
                self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(vm.base),
                                "--exec-file", vm.exec_name)
        for fn in reversed(self.cleanups):
            fn()
        subprocess.run(["umount", "-R", "-l", str(self.base)], stderr=subprocess.DEVNULL,
                       check=False)
        shutil.rmtree(self.base, ignore_errors=True)

    # -- running the jailer ------------------------------------------------

    def jailer_run(self, *args: str, env=None, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.jailer), *args], capture_output=True, text=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)

    def launch(self, *args: str, vm_id: str | None = None, exec_file: Path | None = None,
               uid: int | None = 1234, gid: int | None = 2345, after: list[str] | None = None,
               wait_sock: str | None = "run/probe.sock", env=None,
               base: Path | None = None, short: bool = False) -> Jailed:
        """Starts the jailer; returns once the jailed probe answers on its
        socket (or, for --new-pid-ns, once the jailer has exited).  short:
        the command after "--" names the exec file (its name only)."""
        vm_id = vm_id or self.vm_id
        exec_file = exec_file or self.probe
        base = base or self.base
        argv = [str(self.jailer), "--id", vm_id, "--chroot-base-dir", str(base)]
        if not short:
            argv += ["--exec-file", str(exec_file)]
        if uid is not None:
            argv += ["--uid", str(uid)]
        if gid is not None:
            argv += ["--gid", str(gid)]
        argv += list(args)
        if short:
            argv += ["--", Path(exec_file).name, *(after or [])]
        elif after:
            argv += ["--", *after]
        errf = base / f"jailer-{vm_id}.stderr"
        with open(errf, "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, env=env)
        exec_name = Path(exec_file).name
        vm = Jailed(vm_id, exec_name, base, proc.pid, proc, errf)
        if "--new-pid-ns" in args:
            rc = proc.wait(timeout=60)
            self.assertEqual(rc, 0, f"jailer failed: {errf.read_text()}")
            pid_file = vm.root / f"{exec_name}.pid"
            vm.pid = int(pid_file.read_text())
            vm.proc = None
        self.vms.append(vm)
        if wait_sock:
            def ready():
                if vm.proc and vm.proc.poll() is not None:
                    raise AssertionError(f"jailed process exited ({vm.proc.returncode}): "
                                         f"{errf.read_text()}")
                return socket_ready(vm.sock(wait_sock))
            wait_for(ready, 30, f"{vm.sock(wait_sock)}")
        return vm

    def expect_refused(self, *args: str, rc: int | None = None, message: str = "",
                       base: Path | None = None) -> subprocess.CompletedProcess:
        """Runs the jailer, expecting a non-zero exit, message in stderr,
        and no jail left under the base directory."""
        base = base or self.base
        before = tree(base)
        res = self.jailer_run(*args)
        self.assertNotEqual(res.returncode, 0, f"jailer accepted {args}: {res.stderr}")
        if rc is not None:
            self.assertEqual(res.returncode, rc, res.stderr)
        self.assertIn(message, res.stderr)
        self.assertEqual(tree(base), before, "the failed launch left files behind")
        return res

    def cleanup_ok(self, vm: Jailed) -> None:
        res = self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(vm.base),
                              "--exec-file", vm.exec_name)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertFalse(vm.jail.exists())

    def mount(self, fstype: str, target: Path, options: str = "", source: str = "none") -> bool:
        target.mkdir(parents=True, exist_ok=True)
        argv = ["mount", "-t", fstype] + (["-o", options] if options else []) + [source,
                                                                                  str(target)]
        res = subprocess.run(argv, capture_output=True, text=True, check=False)
        if res.returncode == 0:
            self.cleanups.append(lambda: subprocess.run(["umount", "-l", str(target)],
                                                        check=False))
        return res.returncode == 0


def main() -> int:
    """Runs the tests of the calling module (or the classes named in argv);
    exit 77 when every test skipped."""
    module = sys.modules["__main__"]
    loader = unittest.TestLoader()
    names = sys.argv[1:]
    suite = loader.loadTestsFromNames(names, module) if names else \
        loader.loadTestsFromModule(module)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    if not result.wasSuccessful():
        return 1
    if result.testsRun and len(result.skipped) == result.testsRun:
        return 77
    return 0


__all__ = [n for n in dir() if not n.startswith("_")] + ["errno", "stat", "os", "Path",
                                                       "subprocess", "time", "signal"]
