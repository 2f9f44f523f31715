#!/usr/bin/env python3
"""The VM lifecycle through the REST API, with curl over the unix socket.

One vmm-core process, one guest (2 vCPUs, 256 MiB, ACPI):
  - before boot, bad input gets 400 and changes nothing: a missing kernel
    file, malformed JSON, a body over the payload limit, and a kernel of
    random bytes (refused by InstanceStart; a corrected InstanceStart then
    boots, so a failed start leaves nothing behind);
  - InstanceStart boots the guest; it counts 2 CPUs;
  - after boot, InstanceStart again and pre-boot routes get 400 and the
    process keeps answering;
  - PATCH /vm Paused stops the guest's counter (and GET / says Paused),
    Resumed continues it;
  - FlushMetrics writes a metrics line;
  - SendCtrlAltDel makes the guest kernel restart cleanly and vmm-core
    exits 0.
"""

from __future__ import annotations

import json
import os
import re
import time

import core_vm
import splitvm_test as st

NAME = "core-api-boot"
BOOT_ARGS = "console=ttyS0 reboot=k panic=1 pci=off splitvm.modules=skip"
COUNTER_RE = r"^@@ COUNTER (\d+) (\d+)$"


def counters(vm: core_vm.CoreProcess) -> list[int]:
    return [int(m) for m in re.findall(r"^@@ COUNTER (\d+) ", st.console_view(vm.output), re.M)]


def fault(reply: object) -> str:
    return reply.get("fault_message", "") if isinstance(reply, dict) else str(reply)


def preboot_errors(vm: core_vm.CoreProcess, wdir) -> None:
    _, reply = vm.api("GET", "/")
    st.expect(isinstance(reply, dict) and reply.get("state") == "Not started",
              f"GET / before boot: {reply}", vm.result())
    reply = vm.expect_api(400, "PUT", "/boot-source",
                          {"kernel_image_path": str(wdir / "no-such-kernel")})
    st.expect(fault(reply), "no fault_message for a missing kernel", vm.result())
    vm.expect_api(400, "PUT", "/machine-config", raw=b'{"vcpu_count": 2,')
    big = json.dumps({"kernel_image_path": "x" * 60000}).encode()
    vm.expect_api(400, "PUT", "/boot-source", raw=big)

    junk = wdir / "random-kernel"
    junk.write_bytes(os.urandom(1 << 20))
    vm.expect_api(204, "PUT", "/boot-source",
                  {"kernel_image_path": str(junk), "boot_args": BOOT_ARGS})
    reply = vm.expect_api(400, "PUT", "/actions", {"action_type": "InstanceStart"})
    st.expect(fault(reply), "no fault_message for a random kernel", vm.result())
    _, reply = vm.api("GET", "/")
    st.expect(reply.get("state") == "Not started",
              f"a failed InstanceStart changed the state: {reply}", vm.result())


def postboot_errors(vm: core_vm.CoreProcess, kernel: str) -> None:
    vm.expect_api(400, "PUT", "/actions", {"action_type": "InstanceStart"})
    vm.expect_api(400, "PUT", "/boot-source", {"kernel_image_path": kernel})
    vm.expect_api(400, "PUT", "/machine-config", {"vcpu_count": 1, "mem_size_mib": 128})
    vm.expect_api(400, "PATCH", "/vm", raw=b"{not json")
    _, reply = vm.api("GET", "/")
    st.expect(reply.get("state") == "Running", f"GET / after boot: {reply}", vm.result())


def pause_resume(vm: core_vm.CoreProcess) -> None:
    vm.wait_for(r"^@@ COUNTER 3 ", st.scaled(60))
    vm.expect_api(204, "PATCH", "/vm", {"state": "Paused"})
    _, reply = vm.api("GET", "/")
    st.expect(reply.get("state") == "Paused", f"GET / while paused: {reply}", vm.result())
    time.sleep(0.5)   # lines already in the pipe arrive
    before = counters(vm)
    time.sleep(3.0)
    during = counters(vm)
    st.expect(during == before,
              f"counter ran while paused: {before[-1:]} -> {during[-1:]}", vm.result())
    vm.expect_api(204, "PATCH", "/vm", {"state": "Resumed"})
    last = before[-1]
    vm.wait_for(rf"^@@ COUNTER {last + 3} ", st.scaled(60))
    after = counters(vm)
    st.expect(after[:len(after)] == list(range(1, len(after) + 1)),
              "counter skipped or repeated values across the pause", vm.result())
    _, reply = vm.api("GET", "/")
    st.expect(reply.get("state") == "Running", f"GET / after resume: {reply}", vm.result())


def test() -> None:
    st.require_kvm()
    image = st.build_image(NAME, "guest-info\ncounter 0\n")
    wdir = image.parent
    sock = core_vm.socket_path(NAME)
    metrics = wdir / "metrics.json"
    metrics.write_text("")
    kernel = str(st.kernel_path())
    with core_vm.CoreProcess(["--api-sock", str(sock), "--id", NAME],
                             log=wdir / "console.log") as vm:
        vm.wait_socket()
        preboot_errors(vm, wdir)
        vm.expect_api(204, "PUT", "/boot-source",
                      {"kernel_image_path": kernel, "initrd_path": str(image),
                       "boot_args": BOOT_ARGS})
        vm.expect_api(204, "PUT", "/machine-config", {"vcpu_count": 2, "mem_size_mib": 256})
        vm.expect_api(204, "PUT", "/metrics", {"metrics_path": str(metrics)})
        vm.expect_api(204, "PUT", "/actions", {"action_type": "InstanceStart"})
        postboot_errors(vm, kernel)

        m = vm.wait_for(r"^@@ CPUS (\d+)$", st.scaled(180))
        st.expect(m.group(1) == "2", f"guest counts {m.group(1)} CPUs, want 2", vm.result())
        pause_resume(vm)

        vm.expect_api(204, "PUT", "/actions", {"action_type": "FlushMetrics"})
        lines = [l for l in metrics.read_text().splitlines() if l.strip()]
        st.expect(lines and json.loads(lines[-1])["vcpu"]["exit_io_out"] > 0,
                  f"FlushMetrics wrote no useful line: {lines[-1:]}", vm.result())

        vm.expect_api(204, "PUT", "/actions", {"action_type": "SendCtrlAltDel"})
        rc = vm.wait_exit(st.scaled(60))
        st.expect(rc == 0, f"vmm-core exit status {rc} after Ctrl-Alt-Del, want 0",
                  vm.result())
        st.expect("reboot: Restarting system" in vm.output,
                  "the guest kernel did not restart cleanly", vm.result())
        st.expect(not sock.exists(), "the API socket was left behind", vm.result())


if __name__ == "__main__":
    st.main(test)
