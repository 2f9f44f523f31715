#!/usr/bin/env python3
"""vmm-core under the jailer.

    VmmCore     its API socket, created inside the jail, answers GET / from
                outside through <jail>/root/<socket>, and the jail holds
                vmm-core, the worker binaries beside it, the device nodes
                and the socket (no KVM needed)
    JailedBoot  a jailed VM boots the test guest with --enable-pci and an
                entropy device, configured over the API the way
                docs/jailer.md shows: kernel and initrd linked into the jail,
                paths as the jail sees them; its vmm-worker-rng runs inside
                the same jail, uid and cgroup, sandboxed (needs /dev/kvm)

Needs VMM_CORE (meson passes build/vmm-core/vmm-core); the worker binaries
are collected from the build tree into one folder, as an install would lay
them out.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
from pathlib import Path

from test_jailer_util import (JailerTest, children, env_path, main, need, proc_status,
                              same_file, tree, wait_for)

UID, GID = 1234, 2345


def http(sock: Path, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
    payload = json.dumps(body).encode() if body is not None else b""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect(str(sock))
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
                  .encode() + payload)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body.strip() else {}


def http_get(sock: Path, path: str) -> tuple[int, object]:
    return http(sock, "GET", path)


class CoreInstall(JailerTest):
    """vmm-core and every worker binary in one folder, as installed."""

    def setUp(self):
        super().setUp()
        core = env_path("VMM_CORE")
        need(core.is_file(), f"{core} was not built")
        build = env_path("SPLITVM_BUILD_DIR")
        # An install-like folder: vmm-core and every worker binary.
        self.bin = self.base / "bin"
        self.bin.mkdir()
        shutil.copy2(core, self.bin / "vmm-core")
        self.workers = sorted({p.name for p in (build / "device-workers").rglob("vmm-worker-*")
                               if p.is_file() and os.access(p, os.X_OK)})
        for p in (build / "device-workers").rglob("vmm-worker-*"):
            if p.is_file() and os.access(p, os.X_OK):
                shutil.copy2(p, self.bin / p.name)


class VmmCore(CoreInstall):
    def test_api_socket_answers_from_outside(self):
        vm = self.launch(exec_file=self.bin / "vmm-core",
                         after=["--api-sock", "/run/api.sock"], wait_sock="run/api.sock")
        status, body = http_get(vm.sock("run/api.sock"), "/")
        self.assertEqual(status, 200, body)
        self.assertEqual(body.get("id"), vm.id)
        self.assertEqual(body.get("app_name"), "splitvm")
        # curl, as users do, when it is installed.
        if shutil.which("curl"):
            import subprocess
            out = subprocess.run(["curl", "-sS", "--unix-socket", str(vm.sock("run/api.sock")),
                                  "http://localhost/"], capture_output=True, text=True,
                                 timeout=30, check=True).stdout
            self.assertEqual(json.loads(out)["id"], vm.id)

        st = proc_status(vm.pid)
        self.assertEqual(st["Uid"].split(), [str(UID)] * 4)
        self.assertEqual(int(st["CapEff"], 16), 0)
        self.assertTrue(same_file(f"/proc/{vm.pid}/root", vm.root))
        want = {"vmm-core", "dev", "dev/kvm", "dev/net", "dev/net/tun", "dev/urandom", "run",
                "run/api.sock"} | set(self.workers)
        self.assertEqual(tree(vm.root), want)

    def test_new_pid_ns_daemonized(self):
        vm = self.launch("--new-pid-ns", "--daemonize", exec_file=self.bin / "vmm-core",
                         after=["--api-sock", "/api.sock"], wait_sock="api.sock")
        self.assertEqual(proc_status(vm.pid)["NSpid"].split(), [str(vm.pid), "1"])
        status, body = http_get(vm.sock("api.sock"), "/")
        self.assertEqual((status, body.get("id")), (200, vm.id))
        vm.kill()
        self.cleanup_ok(vm)


# The guest finds the device, reads from it, then holds for the host's checks.
BOOT_SCRIPT = r"""
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat $d/vendor)" = 0x1af4 ] && [ "$(cat $d/device)" = 0x1044 ]; then
		marker PCIDEV "$(basename $d)"
	fi
done
wait_for 10 grep -q virtio /sys/class/misc/hw_random/rng_current
marker RNG "$(cat /sys/class/misc/hw_random/rng_current)"
hwrng-read -t 60 4096
"""


def put_into_jail(src: Path, root: Path, name: str) -> None:
    """Hard-links src into the jail as docs/jailer.md says; copies when the
    link cannot be made (another filesystem) or would leave the file
    unreadable for the jailed uid."""
    dst = root / name
    try:
        os.link(src, dst)
        if not os.stat(dst).st_mode & 0o004:
            dst.unlink()
            raise PermissionError
    except OSError:
        shutil.copyfile(src, dst)
        dst.chmod(0o644)


class JailedBoot(CoreInstall):
    def test_boots_with_pci_and_entropy(self):
        import splitvm_test as st

        need(os.path.exists("/dev/kvm"), "no /dev/kvm")
        initrd = st.build_image("jailer-boot", BOOT_SCRIPT)
        vm = self.launch(exec_file=self.bin / "vmm-core",
                         after=["--api-sock", "/run/api.sock", "--enable-pci"],
                         wait_sock="run/api.sock")
        api = vm.sock("run/api.sock")
        put_into_jail(st.kernel_path(), vm.root, "vmlinuz")
        put_into_jail(initrd, vm.root, "initrd.img")
        serial = vm.root / "serial.log"
        serial.touch()
        os.chown(serial, UID, GID)
        for path, body in [
                ("/boot-source", {"kernel_image_path": "/vmlinuz", "initrd_path": "/initrd.img",
                                  "boot_args": "console=ttyS0 reboot=k panic=1"}),
                ("/machine-config", {"vcpu_count": 1, "mem_size_mib": 256}),
                ("/entropy", {}),
                ("/serial", {"serial_out_path": "/serial.log"}),
                ("/actions", {"action_type": "InstanceStart"})]:
            status, reply = http(api, "PUT", path, body)
            self.assertEqual(status, 204, f"PUT {path}: {reply}")

        # The worker exists once InstanceStart has answered.
        workers = children(vm.pid)
        self.assertEqual(len(workers), 1, f"children of vmm-core: {workers}")
        w = workers[0]
        self.assertEqual(Path(f"/proc/{w}/comm").read_text().strip(), "vmm-worker-rng")
        wst = proc_status(w)
        self.assertEqual(wst["Uid"].split(), [str(UID)] * 4)
        self.assertEqual(wst["Gid"].split(), [str(GID)] * 4)
        self.assertEqual(int(wst["CapEff"], 16), 0)
        self.assertEqual(wst["NoNewPrivs"], "1")
        self.assertTrue(same_file(f"/proc/{w}/root", vm.root), "the worker is outside the jail")
        self.assertEqual(Path(f"/proc/{w}/cgroup").read_text(),
                         Path(f"/proc/{vm.pid}/cgroup").read_text())
        status, listed = http_get(api, "/workers")
        self.assertEqual(status, 200, listed)
        self.assertEqual([(x["pid"], x["state"]) for x in listed], [(w, "running")])

        rc = vm.proc.wait(timeout=st.scaled(300))
        out = serial.read_text(errors="replace")
        rep = st.parse_markers(out)
        self.assertEqual(rc, 0, f"vmm-core exit status {rc}; serial:\n{out[-3000:]}")
        self.assertEqual(rep.value("PCIDEV"), "0000:00:01.0", out[-3000:])
        self.assertIn("virtio", rep.value("RNG") or "", out[-3000:])
        self.assertEqual((rep.value("HWRNG") or "").split()[:1], ["4096"], out[-3000:])
        self.assertEqual(rep.done, 0, rep.summary())
        wait_for(lambda: not Path(f"/proc/{w}").exists(), 10, "the worker to go")


if __name__ == "__main__":
    sys.exit(main())
