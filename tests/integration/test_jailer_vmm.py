#!/usr/bin/env python3
"""vmm-core under the jailer: its API socket, created inside the jail,
answers GET / from outside through <jail>/root/<socket>, and the jail holds
vmm-core, the worker binaries beside it, the device nodes and the socket.

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

from test_jailer_util import (JailerTest, env_path, main, need, proc_status, same_file,
                              tree)

UID, GID = 1234, 2345


def http_get(sock: Path, path: str) -> tuple[int, dict]:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(str(sock))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body.strip() else {}


class VmmCore(JailerTest):
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


if __name__ == "__main__":
    sys.exit(main())
