#!/usr/bin/env python3
"""Bad requests to a running vmm-core each get a 400 and the process keeps
answering; no guest boots, so this needs no /dev/kvm.

  - InstanceStart with no kernel configured;
  - with --enable-pci, boot_args containing pci=off (it would hide every
    device);
  - unknown routes and methods, malformed and oversized bodies;
  - after all that, GET / still answers "Not started" and SIGTERM stops
    the process and removes its socket.
"""

from __future__ import annotations

import signal

import core_vm
import splitvm_test as st

NAME = "core-api-errors"


def test() -> None:
    wdir = st.work_dir(NAME)
    sock = core_vm.socket_path(NAME)
    kernel = str(st.kernel_path())
    with core_vm.CoreProcess(["--api-sock", str(sock), "--id", NAME, "--enable-pci"],
                             log=wdir / "console.log") as vm:
        vm.wait_socket()
        vm.expect_api(400, "PUT", "/actions", {"action_type": "InstanceStart"})
        vm.expect_api(400, "PUT", "/actions", {"action_type": "NoSuchAction"})
        status, reply = vm.api("PUT", "/boot-source",
                               {"kernel_image_path": kernel,
                                "boot_args": "console=ttyS0 pci=off"})
        if status == 204:
            # Accepted at PUT: then InstanceStart must refuse it.
            status, reply = vm.api("PUT", "/actions", {"action_type": "InstanceStart"})
        st.expect(status == 400 and "pci=off" in str(reply),
                  f"pci=off with --enable-pci: HTTP {status} {reply}", vm.result())
        vm.expect_api(400, "PUT", "/machine-config", raw=b"\x00\xff garbage")
        vm.expect_api(400, "PUT", "/machine-config", {"vcpu_count": 0})
        vm.expect_api(400, "PUT", "/machine-config", {"vcpu_count": 33, "mem_size_mib": 128})
        vm.expect_api(400, "PUT", "/boot-source", raw=b"[" * 100000)
        status, _ = vm.api("GET", "/no/such/route")
        st.expect(status in (400, 404), f"unknown route: HTTP {status}", vm.result())
        _, reply = vm.api("GET", "/")
        st.expect(isinstance(reply, dict) and reply.get("state") == "Not started",
                  f"GET / after bad requests: {reply}", vm.result())
        st.expect(vm.proc.poll() is None, "vmm-core died", vm.result())
        vm.proc.send_signal(signal.SIGTERM)
        vm.wait_exit(10)
        st.expect(not sock.exists(), "the API socket was left behind", vm.result())


if __name__ == "__main__":
    st.main(test)
