#!/usr/bin/env python3
"""Integration tests for the jailer (docs/jailer.md): a jailed stand-in for
vmm-core (jailer/tests/probe.c) reports what it sees from inside; the test
checks the same from outside (/proc, the cgroup files, the jail folder).

    test_jailer.py [Class ...]     (meson runs one class per test)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import unittest
from pathlib import Path

from test_jailer_util import (CG2, JailerTest, cgroup2_controllers, cgroup2_is_default,
                              children, main, mounts, need, pid_alive, proc_cgroups,
                              proc_limits, proc_status, query, same_file, tree, wait_for)

UID, GID = 1234, 2345


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def exec_args(test: unittest.TestCase, rep: dict[str, str], vm_id: str,
              name: str = "probe") -> tuple[int, int, int, str]:
    """Checks the exec'd command line (Firecracker's jailer's: --id and
    the three timing flags, then the arguments after "--"); returns the
    timings and the rest."""
    m = re.fullmatch(rf"/{name} --id {vm_id} --start-time-us (\d+) --start-time-cpu-us (\d+) "
                     rf"--parent-cpu-time-us (\d+)(?: (.*))?", rep["argv"])
    test.assertIsNotNone(m, rep["argv"])
    return int(m[1]), int(m[2]), int(m[3]), m[4] or ""


class Confinement(JailerTest):
    """uid/gid, capabilities, the jail's contents, fds, environment, limits,
    namespaces -- for the jailed process and the worker it spawns."""

    def test_jailed_process_and_worker(self):
        vm = self.launch(after=["--extra", "arg with space"])
        rep = vm.report()
        st = proc_status(vm.pid)

        # Identity and privileges, seen from inside and from outside.
        for key, want in (("uid", UID), ("euid", UID), ("gid", GID), ("egid", GID)):
            self.assertEqual(int(rep[key]), want, key)
        self.assertEqual(rep["groups"], "0")
        self.assertEqual(st["Uid"].split(), [str(UID)] * 4)
        self.assertEqual(st["Gid"].split(), [str(GID)] * 4)
        self.assertEqual(st["Groups"], "")
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            self.assertEqual(int(st[cap], 16), 0, cap)
        self.assertEqual(st["NoNewPrivs"], "1")
        self.assertEqual(rep["capeff"], "0" * 16)
        self.assertEqual(rep["capbnd"], "0")

        # The exec'd program: /<name> --id <id> <timings> <args after -->.
        start, start_cpu, parent_cpu, rest = exec_args(self, rep, vm.id)
        self.assertEqual(rest, "--extra arg with space")
        self.assertGreater(start, 0)
        self.assertGreater(start_cpu, 0)   # the jailer's CPU time: same process
        self.assertEqual(parent_cpu, 0)
        # Empty environment; only the probe's own fds (0-2, its listening
        # socket, the accepted connection): nothing leaked from the jailer.
        self.assertEqual(rep["env"], "0")
        self.assertEqual(rep["fds"], "0,1,2,3,4")
        self.assertEqual(rep["cwd"], "/")

        # Its root is the jail: same directory, nothing else visible.
        self.assertTrue(same_file(f"/proc/{vm.pid}/root", vm.root))
        self.assertEqual(rep["root"], "dev,probe,run,vmm-worker-probe")
        self.assertEqual(rep["dev"], "kvm,net,urandom")
        self.assertEqual(rep["proc"], "0")
        self.assertEqual(tree(vm.root), {
            "probe", "vmm-worker-probe", "dev", "dev/kvm", "dev/net", "dev/net/tun",
            "dev/urandom", "run", "run/probe.sock"})
        self.assertEqual(sorted(os.listdir(vm.jail)), ["jail.state", "root"])
        # Its own mount namespace; the host's is gone from it.
        self.assertNotEqual(os.readlink(f"/proc/{vm.pid}/ns/mnt"), os.readlink("/proc/self/ns/mnt"))

        # Rlimits: no-file defaults to 2048.
        self.assertEqual(proc_limits(vm.pid)["Max open files"], ("2048", "2048"))
        self.assertEqual(rep["nofile"], "2048/2048")

        # The copied binaries: identical, root-owned, not writable by the VM.
        for name in ("probe", "vmm-worker-probe"):
            st_b = os.stat(vm.root / name)
            self.assertEqual(sha(vm.root / name), sha(self.probe.parent / name))
            self.assertEqual((st_b.st_uid, st_b.st_gid), (0, 0))
            self.assertEqual(stat.S_IMODE(st_b.st_mode), 0o755)
            self.assertEqual(st_b.st_nlink, 1)
        # Device nodes and folders belong to the VM's user.
        for node, dev in (("dev/kvm", (10, 232)), ("dev/net/tun", (10, 200)),
                          ("dev/urandom", (1, 9))):
            st_n = os.stat(vm.root / node)
            self.assertTrue(stat.S_ISCHR(st_n.st_mode), node)
            self.assertEqual((os.major(st_n.st_rdev), os.minor(st_n.st_rdev)), dev, node)
            self.assertEqual((st_n.st_uid, st_n.st_gid, stat.S_IMODE(st_n.st_mode)),
                             (UID, GID, 0o600), node)
        for folder in ("", "dev", "dev/net", "run"):
            st_f = os.stat(vm.root / folder)
            self.assertEqual((st_f.st_uid, st_f.st_gid, stat.S_IMODE(st_f.st_mode)),
                             (UID, GID, 0o700), folder or "/")
        # jail.state and the jail folder stay root's, out of the VM's reach.
        self.assertEqual(os.stat(vm.jail).st_uid, 0)
        self.assertEqual(stat.S_IMODE(os.stat(vm.jail).st_mode), 0o700)

        # The worker: spawned from beside the probe, inside the same jail,
        # as the same user, without capabilities.
        (worker,) = vm.worker_pids()
        wst = proc_status(worker)
        self.assertEqual(wst["Uid"].split(), [str(UID)] * 4)
        self.assertEqual(int(wst["CapEff"], 16), 0)
        self.assertEqual(int(wst["CapBnd"], 16), 0)
        self.assertTrue(same_file(f"/proc/{worker}/root", vm.root))
        self.assertEqual(os.readlink(f"/proc/{worker}/ns/mnt"),
                         os.readlink(f"/proc/{vm.pid}/ns/mnt"))
        self.assertEqual(rep["worker.argv"], "/vmm-worker-probe --from-probe")
        self.assertEqual(rep["worker.root"], rep["root"])
        self.assertEqual(rep["worker.uid"], str(UID))
        self.assertEqual(rep["worker.capeff"], "0" * 16)
        self.assertEqual(rep["worker.fds"], "0,1,2,3")
        self.assertEqual(proc_limits(worker)["Max open files"], ("2048", "2048"))

        # Files hard-linked into the jail (as docs/jailer.md tells users
        # to do with kernels and disks) appear inside it.
        disk = self.base / "disk.img"
        disk.write_bytes(b"x" * 4096)
        os.link(disk, vm.root / "disk.img")
        self.assertEqual(vm.report()["root"], "dev,disk.img,probe,run,vmm-worker-probe")

    def test_resource_limits(self):
        vm = self.launch("--resource-limit", "fsize=1048576", "--resource-limit", "no-file=512")
        limits = proc_limits(vm.pid)
        self.assertEqual(limits["Max open files"], ("512", "512"))
        self.assertEqual(limits["Max file size"], ("1048576", "1048576"))
        rep = vm.report()
        self.assertEqual(rep["nofile"], "512/512")
        self.assertEqual(rep["fsize"], "1048576")
        self.assertEqual(proc_limits(vm.worker_pids()[0])["Max file size"], ("1048576", "1048576"))

    def test_short_form_and_default_ids(self):
        """`jailer --id X -- probe ARGS`: the command is found through PATH
        like a shell would, the VM runs as the documented 65534:65534."""
        env = {"PATH": f"/nonexistent:{self.probe.parent}"}
        vm = self.launch(uid=None, gid=None, short=True, env=env,
                         after=["--api-sock", "/run/short.sock"], wait_sock="run/short.sock")
        self.assertEqual(vm.jail, self.base / "probe" / vm.id)
        self.assertEqual(proc_status(vm.pid)["Uid"].split(), ["65534"] * 4)
        self.assertEqual(proc_status(vm.pid)["Gid"].split(), ["65534"] * 4)
        rep = query(vm.sock("run/short.sock"))
        self.assertEqual(exec_args(self, rep, vm.id)[3], "--api-sock /run/short.sock")
        self.assertEqual(rep["worker.uid"], "65534")

        res = self.jailer_run("--id", "other", "--chroot-base-dir", str(self.base), "--",
                              "no-such-command", env=env)
        self.assertEqual(res.returncode, 1)
        self.assertIn("command not found", res.stderr)
        self.assertFalse((self.base / "no-such-command").exists())


class PidNamespace(JailerTest):
    def test_new_pid_ns_and_daemonize(self):
        vm = self.launch("--new-pid-ns", "--daemonize")
        # The jailer has exited 0 (launch checked) and written the pid file.
        pid_file = vm.root / "probe.pid"
        self.assertEqual(pid_file.read_text(), str(vm.pid))
        st = proc_status(vm.pid)
        self.assertEqual(st["NSpid"].split(), [str(vm.pid), "1"])
        self.assertNotEqual(os.readlink(f"/proc/{vm.pid}/ns/pid"), os.readlink("/proc/self/ns/pid"))
        rep = vm.report()
        self.assertEqual(rep["pid"], "1")
        self.assertEqual(rep["worker.ppid"], "1")
        _, start_cpu, parent_cpu, _ = exec_args(self, rep, vm.id)
        self.assertEqual(start_cpu, 0)      # a fresh child
        self.assertGreater(parent_cpu, 0)   # the jailer that forked it
        (worker,) = vm.worker_pids()
        self.assertEqual(proc_status(worker)["NSpid"].split(), [str(worker), "2"])
        # Daemonized: a session of its own, stdio on /dev/null.
        with open(f"/proc/{vm.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        self.assertEqual(int(fields[3]), vm.pid, "not a session leader")  # session id
        for fd in (0, 1, 2):
            self.assertEqual(os.readlink(f"/proc/{vm.pid}/fd/{fd}"), "/dev/null")
        self.assertEqual(rep["root"], "dev,probe,probe.pid,run,vmm-worker-probe")

    def test_daemonize_without_pid_ns(self):
        """The jailer itself becomes the VM: same pid, its own session,
        stdio on /dev/null."""
        vm = self.launch("--daemonize")
        self.assertIsNone(vm.proc.poll())
        with open(f"/proc/{vm.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        self.assertEqual(int(fields[3]), vm.pid, "not a session leader")
        for fd in (0, 1, 2):
            self.assertEqual(os.readlink(f"/proc/{vm.pid}/fd/{fd}"), "/dev/null")
        self.assertEqual(vm.report()["pid"], str(vm.pid))
        self.assertFalse((vm.root / "probe.pid").exists())

    def test_pid_ns_without_daemonize_keeps_stdio(self):
        vm = self.launch("--new-pid-ns")
        self.assertEqual(vm.report()["pid"], "1")
        self.assertNotEqual(os.readlink(f"/proc/{vm.pid}/fd/2"), "/dev/null")


class NetNamespace(JailerTest):
    def make_netns(self) -> Path:
        name = f"jt{os.getpid()}x{self.vm_id.rsplit('-', 1)[1]}"
        res = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True,
                             check=False)
        need(res.returncode == 0, f"ip netns add: {res.stderr.strip()}")
        self.cleanups.append(lambda: subprocess.run(["ip", "netns", "del", name], check=False))
        return Path("/run/netns") / name

    def test_joins_netns(self):
        ns = self.make_netns()
        vm = self.launch("--netns", str(ns))
        self.assertTrue(same_file(f"/proc/{vm.pid}/ns/net", ns))
        self.assertTrue(same_file(f"/proc/{vm.worker_pids()[0]}/ns/net", ns))
        self.assertFalse(same_file("/proc/self/ns/net", ns))


class CgroupV2(JailerTest):
    """memory and pids in the unified hierarchy at /sys/fs/cgroup (the
    harness mounts it there; the v1 tests use cpu and cpuset)."""

    def setUp(self):
        super().setUp()
        need(cgroup2_is_default(), "/sys/fs/cgroup is not a cgroup2 mount")
        need({"memory", "pids"} <= cgroup2_controllers(),
             f"cgroup2 lacks memory/pids (has {sorted(cgroup2_controllers())})")

    def test_default_version_is_2(self):
        # No --cgroup-version: /sys/fs/cgroup is cgroup2, so v2.
        vm = self.launch("--cgroup", "memory.max=67108864", "--cgroup", "pids.max=64")
        leaf = CG2 / "probe" / vm.id
        self.assertEqual(proc_cgroups(vm.pid), {"": f"/probe/{vm.id}"})
        self.assertEqual((leaf / "memory.max").read_text().strip(), "67108864")
        self.assertEqual((leaf / "pids.max").read_text().strip(), "64")
        (worker,) = vm.worker_pids()
        procs = {int(p) for p in (leaf / "cgroup.procs").read_text().split()}
        self.assertEqual(procs, {vm.pid, worker})
        enabled = (CG2 / "probe" / "cgroup.subtree_control").read_text().split()
        self.assertTrue({"memory", "pids"} <= set(enabled), enabled)
        self.assertEqual((vm.jail / "jail.state").read_text(), f"cgroup {leaf}\n")

        # Cleanup refuses while it runs, then removes jail and cgroup.
        res = self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(self.base),
                              "--exec-file", "probe")
        self.assertEqual(res.returncode, 1)
        self.assertIn("still running", res.stderr)
        self.assertTrue(leaf.exists() and vm.root.exists())
        vm.kill()
        self.cleanup_ok(vm)
        self.assertFalse(leaf.exists())

    def test_explicit_parent(self):
        parent = CG2 / f"jt-parent-{os.getpid()}"
        (parent / "vms").mkdir(parents=True)
        self.cleanups.append(lambda: (parent / "vms").rmdir() or parent.rmdir())
        # The operator delegated the controllers; the jailer enables what
        # is missing on the way down.
        vm = self.launch("--cgroup-version", "2", "--parent-cgroup", f"{parent.name}/vms",
                         "--cgroup", "pids.max=10")
        self.assertEqual(proc_cgroups(vm.pid)[""], f"/{parent.name}/vms/{vm.id}")
        self.assertEqual((parent / "vms" / vm.id / "pids.max").read_text().strip(), "10")
        vm.kill()
        self.cleanup_ok(vm)
        self.assertFalse((parent / "vms" / vm.id).exists())
        self.assertTrue((parent / "vms").exists(), "cleanup removed the operator's parent")

    def test_parent_without_settings(self):
        parent = CG2 / f"jt-bare-{os.getpid()}"
        parent.mkdir()
        self.cleanups.append(parent.rmdir)
        vm = self.launch("--cgroup-version", "2", "--parent-cgroup", parent.name)
        self.assertEqual(proc_cgroups(vm.pid)[""], f"/{parent.name}/{vm.id}")

    def test_cgroup_rolled_back_when_exec_fails(self):
        """A failure after the process joined its cgroup and pivoted into
        the jail (here: exec refused, the binary is not executable by the
        VM's user) takes everything back."""
        private = self.base / "bin"
        private.mkdir()
        shutil.copy(self.probe, private / "probe")
        os.chmod(private / "probe", 0o700)
        existed = (CG2 / "probe").exists()
        for extra in ([], ["--new-pid-ns"], ["--new-pid-ns", "--daemonize"]):
            res = self.expect_refused("--id", self.vm_id, "--exec-file", str(private / "probe"),
                                      "--uid", str(UID), "--gid", str(GID),
                                      "--chroot-base-dir", str(self.base),
                                      "--cgroup", "pids.max=5", *extra,
                                      message="Permission denied")
            self.assertFalse((CG2 / "probe" / self.vm_id).exists(), res.stderr)
            self.assertEqual((CG2 / "probe").exists(), existed, res.stderr)

    def test_unknown_file_and_controller(self):
        existed = (CG2 / "probe").exists()
        for setting, msg in (("memory.nonexistent=1", "has no file memory.nonexistent"),
                             ("pids.max=not-a-number", "Invalid argument"),
                             ("nosuch.max=1", "controller 'nosuch' is not available")):
            self.expect_refused("--id", self.vm_id, "--exec-file", str(self.probe),
                                "--uid", str(UID), "--gid", str(GID), "--chroot-base-dir",
                                str(self.base), "--cgroup-version", "2", "--cgroup", setting,
                                message=msg)
            self.assertFalse((CG2 / "probe" / self.vm_id).exists())
            self.assertEqual((CG2 / "probe").exists(), existed)

    def test_missing_parent(self):
        self.expect_refused("--id", self.vm_id, "--exec-file", str(self.probe),
                            "--chroot-base-dir", str(self.base), "--cgroup-version", "2",
                            "--parent-cgroup", "no-such-parent/x", "--cgroup", "pids.max=5",
                            message="does not exist")
        self.assertFalse((CG2 / "no-such-parent").exists())


class CgroupV1(JailerTest):
    """cpuset and cpu, each in its own v1 hierarchy that the test mounts
    (in the harness /sys/fs/cgroup is cgroup2 and leaves them unbound)."""

    def setUp(self):
        super().setUp()
        self.cg = self.base / "cg"
        self.assertTrue(self.mount("tmpfs", self.cg))
        for ctl in ("cpuset", "cpu"):
            ok = self.mount("cgroup", self.cg / ctl, ctl, source="cgroup")
            need(ok, f"cannot mount a cgroup v1 hierarchy with {ctl} (bound to cgroup2?)")

    def hier(self, ctl: str) -> Path:
        """Where the jailer will find ctl: the first v1 mount holding it
        (ours, unless the host has one too -- the same hierarchy then)."""
        return self.cg / ctl

    def test_per_controller_hierarchies(self):
        vm = self.launch("--cgroup-version", "1", "--cgroup", "cpuset.cpus=0",
                         "--cgroup", "cpu.shares=512")
        cgs = proc_cgroups(vm.pid)
        self.assertEqual(cgs["cpuset"], f"/probe/{vm.id}")
        self.assertEqual(cgs["cpu"], f"/probe/{vm.id}")
        cpuset = self.hier("cpuset") / "probe" / vm.id
        cpu = self.hier("cpu") / "probe" / vm.id
        self.assertEqual((cpuset / "cpuset.cpus").read_text().strip(), "0")
        # cpuset.mems was empty in the new cgroups: copied from above.
        root_mems = (self.hier("cpuset") / "cpuset.mems").read_text().strip()
        self.assertEqual((cpuset / "cpuset.mems").read_text().strip(), root_mems)
        self.assertEqual((self.hier("cpuset") / "probe" / "cpuset.mems").read_text().strip(),
                         root_mems)
        self.assertEqual((cpu / "cpu.shares").read_text().strip(), "512")
        (worker,) = vm.worker_pids()
        for leaf in (cpuset, cpu):
            procs = {int(p) for p in (leaf / "cgroup.procs").read_text().split()}
            self.assertEqual(procs, {vm.pid, worker}, leaf)
        # Other hierarchies were not asked for: untouched.
        for ctl in ("memory", "pids"):
            if ctl in cgs:
                self.assertNotIn(vm.id, cgs[ctl])

        res = self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(self.base),
                              "--exec-file", "probe")
        self.assertEqual(res.returncode, 1)
        vm.kill()
        self.cleanup_ok(vm)
        self.assertFalse(cpuset.exists() or cpu.exists())

    def test_default_version_is_1_without_cgroup2(self):
        """Where /sys/fs/cgroup is not cgroup2 the default is v1: run the
        jailer in a mount namespace whose /sys/fs/cgroup is a tmpfs with a
        cpuset hierarchy below (the same hierarchy as ours)."""
        need(shutil.which("unshare") is not None, "unshare(1) missing")
        script = ("mount -t tmpfs none /sys/fs/cgroup && mkdir /sys/fs/cgroup/cpuset && "
                  "mount -t cgroup -o cpuset cgroup /sys/fs/cgroup/cpuset && exec \"$@\"")
        argv = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                str(self.jailer), "--id", self.vm_id, "--exec-file", str(self.probe),
                "--uid", str(UID), "--gid", str(GID), "--chroot-base-dir", str(self.base),
                "--cgroup", "cpuset.cpus=0"]
        errf = self.base / "stderr"
        with open(errf, "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err)
        vm_root = self.base / "probe" / self.vm_id / "root"
        try:
            wait_for(lambda: (vm_root / "run/probe.sock").exists() or proc.poll() is not None,
                     30, "the jailed probe")
            self.assertIsNone(proc.poll(), errf.read_text())
            self.assertEqual(proc_cgroups(proc.pid)["cpuset"], f"/probe/{self.vm_id}")
            self.assertTrue((self.hier("cpuset") / "probe" / self.vm_id).is_dir())
        finally:
            for pid in [proc.pid] + children(proc.pid):
                # A child may already be gone once its parent was killed
                # (the probe's worker dies with it): that is the goal here.
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            proc.wait()
        res = self.jailer_run("--cleanup", "--id", self.vm_id, "--chroot-base-dir",
                              str(self.base), "--exec-file", "probe")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertFalse((self.hier("cpuset") / "probe" / self.vm_id).exists())

    def test_bad_v1_settings_leave_nothing(self):
        existed = {ctl: (self.hier(ctl) / "probe").exists() for ctl in ("cpuset", "cpu")}
        for setting, msg in (("cpuset.nonexistent=1", "has no file cpuset.nonexistent"),
                             ("cpu.shares=abc", "Invalid argument"),
                             ("nosuch.x=1", "no cgroup v1 hierarchy with controller 'nosuch'")):
            self.expect_refused("--id", self.vm_id, "--exec-file", str(self.probe),
                                "--uid", str(UID), "--gid", str(GID), "--chroot-base-dir",
                                str(self.base / "jails"), "--cgroup-version", "1",
                                "--cgroup", setting, message=msg, base=self.base / "jails")
            for ctl in ("cpuset", "cpu"):
                # The default parent is removed again only if this launch
                # made it (another VM may use it).
                self.assertFalse((self.hier(ctl) / "probe" / self.vm_id).exists())
                self.assertEqual((self.hier(ctl) / "probe").exists(), existed[ctl],
                                 (setting, ctl))

    def test_missing_parent(self):
        self.expect_refused("--id", self.vm_id, "--exec-file", str(self.probe),
                            "--chroot-base-dir", str(self.base / "jails"),
                            "--cgroup-version", "1", "--parent-cgroup", "absent",
                            "--cgroup", "cpuset.cpus=0", message="does not exist",
                            base=self.base / "jails")


class BadInput(JailerTest):
    """Each refused with a clear message, a non-zero exit, nothing left."""

    def setUp(self):
        super().setUp()
        self.jails = self.base / "jails"
        self.jails.mkdir()

    def refuse(self, *args: str, message: str, rc: int | None = None):
        return self.expect_refused("--chroot-base-dir", str(self.jails), *args, message=message,
                                   rc=rc, base=self.jails)

    def test_invalid_id(self):
        for bad in ("bad/id", "../x", "x" * 65, "vm_1", "-vm", ""):
            self.refuse("--id", bad, "--exec-file", str(self.probe), message="--id", rc=2)

    def test_missing_exec_file(self):
        self.refuse("--id", "vm", "--exec-file", str(self.base / "nope"),
                    message="No such file", rc=1)
        self.refuse("--id", "vm", message="--exec-file is required", rc=2)

    def test_exec_file_symlink(self):
        link = self.base / "bin" / "probe"
        link.parent.mkdir()
        link.symlink_to(self.probe)
        self.refuse("--id", "vm", "--exec-file", str(link), message="is a symlink", rc=1)

    def test_exec_file_hard_linked(self):
        (self.base / "bin").mkdir()
        shutil.copy(self.probe, self.base / "bin" / "probe")
        os.link(self.base / "bin" / "probe", self.base / "bin" / "probe2")
        self.refuse("--id", "vm", "--exec-file", str(self.base / "bin" / "probe"),
                    message="hard links", rc=1)

    def test_worker_symlink_beside_exec(self):
        d = self.base / "bin"
        d.mkdir()
        shutil.copy(self.probe, d / "probe")
        (d / "vmm-worker-evil").symlink_to("/bin/sh")
        self.refuse("--id", "vm", "--exec-file", str(d / "probe"), message="is a symlink", rc=1)

    def test_non_numeric_uid(self):
        for bad in ("abc", "-1", "1.5", "0x10", "4294967295", " 7"):
            self.refuse("--id", "vm", "--exec-file", str(self.probe), "--uid", bad,
                        message="--uid", rc=2)
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--gid", "x",
                    message="--gid", rc=2)
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--uid", "0",
                    message="as root", rc=2)

    def test_unknown_cgroup_file_syntax(self):
        for bad in ("cgroup.procs=1", "nodot=1", "cpu.shares", "cpu.shares="):
            self.refuse("--id", "vm", "--exec-file", str(self.probe), "--cgroup", bad,
                        message="--cgroup", rc=2)

    def test_cgroup_version_3(self):
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--cgroup-version", "3",
                    message="must be 1 or 2", rc=2)

    def test_netns_not_a_netns(self):
        plain = self.base / "plain"
        plain.write_text("x")
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--netns", str(plain),
                    message="not a network namespace", rc=1)
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--netns",
                    "/proc/self/ns/uts", message="not a network namespace", rc=1)
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--netns",
                    str(self.base / "absent"), message="No such file", rc=1)

    def test_bad_resource_limit(self):
        self.refuse("--id", "vm", "--exec-file", str(self.probe), "--resource-limit",
                    "cpu=5", message="--resource-limit", rc=2)

    def test_noexec_base(self):
        noexec = self.jails / "noexec"
        self.assertTrue(self.mount("tmpfs", noexec, "noexec"))
        res = self.jailer_run("--id", "vm", "--exec-file", str(self.probe),
                              "--chroot-base-dir", str(noexec))
        self.assertEqual(res.returncode, 1)
        self.assertIn("noexec", res.stderr)
        self.assertEqual(os.listdir(noexec), [])

    def test_jail_in_use(self):
        vm = self.launch(base=self.jails)
        before = tree(vm.jail)
        res = self.jailer_run("--id", vm.id, "--exec-file", str(self.probe),
                              "--chroot-base-dir", str(self.jails))
        self.assertEqual(res.returncode, 1)
        self.assertIn("is in use", res.stderr)
        self.assertIn(str(vm.pid), res.stderr)
        # The running jail is untouched and still answers.
        self.assertEqual(tree(vm.jail), before)
        self.assertEqual(vm.report()["uid"], str(UID))

    def test_jail_left_behind(self):
        vm = self.launch(base=self.jails)
        vm.kill()
        res = self.jailer_run("--id", vm.id, "--exec-file", str(self.probe),
                              "--chroot-base-dir", str(self.jails))
        self.assertEqual(res.returncode, 1)
        self.assertIn("--cleanup", res.stderr)
        self.cleanup_ok(vm)
        # Now the id can be used again.
        vm2 = self.launch(base=self.jails)
        self.assertEqual(exec_args(self, vm2.report(), vm.id)[3], "")


class Cleanup(JailerTest):
    def test_cleanup(self):
        vm = self.launch("--new-pid-ns")
        # Running: refused, nothing removed.
        res = self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(self.base),
                              "--exec-file", "probe")
        self.assertEqual(res.returncode, 1)
        self.assertIn(f"pid {vm.pid}", res.stderr)
        self.assertTrue((vm.root / "probe").exists())
        vm.kill()
        self.cleanup_ok(vm)
        self.assertEqual(os.listdir(self.base / "probe"), [])
        res = self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(self.base),
                              "--exec-file", "probe")
        self.assertEqual(res.returncode, 1)
        self.assertIn("no jail", res.stderr)

    def test_worker_outliving_core_keeps_jail(self):
        """No pid file, no cgroup, the main process gone: a worker still
        living in the jail keeps it from being removed."""
        vm = self.launch(after=["--keep-worker"])
        (worker,) = vm.worker_pids()
        self.cleanups.append(lambda: pid_alive(worker) and os.kill(worker, 9))
        os.kill(vm.pid, 9)  # the probe alone
        vm.proc.wait()
        time.sleep(0.2)
        self.assertTrue(pid_alive(worker))
        res = self.jailer_run("--cleanup", "--id", vm.id, "--chroot-base-dir", str(self.base),
                              "--exec-file", "probe")
        self.assertEqual(res.returncode, 1)
        self.assertIn(f"pid {worker}", res.stderr)
        self.assertTrue((vm.root / "vmm-worker-probe").exists())
        os.kill(worker, 9)
        wait_for(lambda: not pid_alive(worker), 10, "the worker to exit")
        self.cleanup_ok(vm)

    def test_cleanup_does_not_follow_symlinks(self):
        """The VM owns its root folder: a symlink it plants there must not
        make cleanup delete outside the jail."""
        vm = self.launch()
        precious = self.base / "precious"
        precious.mkdir()
        (precious / "file").write_text("keep")
        os.symlink(precious, vm.root / "link")
        os.symlink(precious / "file", vm.root / "run" / "flink")
        vm.kill()
        self.cleanup_ok(vm)
        self.assertEqual((precious / "file").read_text(), "keep")

    def test_cleanup_bad_arguments(self):
        res = self.jailer_run("--cleanup", "--id", "vm", "--uid", "5")
        self.assertEqual(res.returncode, 2)
        res = self.jailer_run("--cleanup", "--id", "../etc")
        self.assertEqual(res.returncode, 2)


if __name__ == "__main__":
    sys.exit(main())
