"""Drive a running vmm-core from an integration test (standard library only).

splitvm_test.run() runs a command to completion; the tests of the VM
lifecycle need to talk to vmm-core while its guest runs. CoreProcess starts
vmm-core in its own process group, collects its stdout+stderr (serial
console and log) on a thread, and sends API requests with curl over the unix
socket, the way users do:

    vm = CoreProcess(["--api-sock", sock])
    status, body = vm.api("PUT", "/boot-source", {...})
    vm.wait_for(r"^@@ INIT", 60)
    rc = vm.wait_exit(60)
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

import hang_report
import splitvm_test as st


def socket_path(name: str) -> Path:
    """Where a test's API socket goes: a fresh directory under /tmp, because
    unix sockets cannot be bound on the 9p mount that holds the build dir
    inside scripts/nested-kvm (and sun_path is short)."""
    return Path(tempfile.mkdtemp(prefix=f"splitvm-{name}-")) / "api.sock"


def vmm_core() -> Path:
    return st.find_program("vmm-core", env_var="SPLITVM_VMM_CORE")


def config_file_args(wdir: Path, name: str, config: dict[str, Any]) -> list[str]:
    """Write `config` (Firecracker's config-file JSON) to wdir/vm.json and
    return the vmm-core arguments that boot it without an API socket."""
    path = wdir / "vm.json"
    path.write_text(json.dumps(config, indent=2))
    return ["--no-api", "--config-file", str(path), "--id", name]


class CoreProcess:
    def __init__(self, args: Sequence[str], *, cwd: Path | None = None,
                 log: Path | None = None):
        self.argv = [str(vmm_core()), *args]
        self.sock: str | None = None
        if "--api-sock" in args:
            self.sock = args[list(args).index("--api-sock") + 1]
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._log = open(log, "wb") if log else None
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, cwd=cwd,
                                     start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            data = self.proc.stdout.read1(65536)
            if not data:
                break
            with self._lock:
                self._chunks.append(data)
            if self._log:
                self._log.write(data)
                self._log.flush()

    @property
    def output(self) -> str:
        with self._lock:
            data = b"".join(self._chunks)
        return data.decode("utf-8", errors="replace").replace("\r", "")

    def result(self) -> st.RunResult:
        """The output so far as a RunResult, for st.TestFailure."""
        return st.RunResult(self.argv, self.proc.poll(), self.output, 0.0,
                            False, False)

    def fail(self, message: str) -> st.TestFailure:
        return st.TestFailure(message, self.result())

    def hang(self, message: str) -> st.GuestHang:
        """A wait that timed out with vmm-core still running."""
        res = self.result()
        res.timed_out = True
        res.hang_report = hang_report.report(self.proc.pid)
        return st.GuestHang(message, res)

    # --- waiting ------------------------------------------------------------

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        """The first match of pattern (multiline) in the output; fails on
        timeout or when the process exits without printing it (text_for)."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.text_for(pattern))
            if m:
                return m
            if self.proc.poll() is not None:
                time.sleep(0.2)   # let the reader drain the pipe
                m = rx.search(self.text_for(pattern))
                if m:
                    return m
                raise self.fail(f"vmm-core exited ({self.proc.returncode}) "
                                f"before printing /{pattern}/")
            if time.monotonic() > deadline:
                raise self.hang(f"no /{pattern}/ within {timeout:.0f} s")
            time.sleep(0.1)

    def wait_socket(self, timeout: float = 10.0) -> None:
        assert self.sock
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.sock):
            if self.proc.poll() is not None:
                raise self.fail(f"vmm-core exited ({self.proc.returncode}) "
                                "before creating its API socket")
            if time.monotonic() > deadline:
                raise self.fail(f"no API socket {self.sock} after {timeout} s")
            time.sleep(0.05)

    def wait_exit(self, timeout: float) -> int:
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise self.hang(f"vmm-core still running after {timeout:.0f} s") from None
        self._reader.join(timeout=5)
        return rc

    def count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.text_for(pattern), re.M))

    def text_for(self, pattern: str) -> str:
        """The output to match pattern against: the console alone for a
        guest marker (`@@`), so that a log line cannot split it."""
        return st.console_view(self.output) if "@@" in pattern else self.output

    # --- API ----------------------------------------------------------------

    def api(self, method: str, path: str, body: Any = None, *,
            raw: bytes | None = None, timeout: float = 30.0) -> tuple[int, Any]:
        """One request with curl --unix-socket; returns (HTTP status, parsed
        JSON body or None). raw sends bytes as they are (malformed JSON)."""
        assert self.sock
        argv = ["curl", "--unix-socket", self.sock, "-sS", "-o", "-",
                "-w", "\n%{http_code}", "-X", method,
                "-H", "Accept: application/json"]
        data: bytes | None = None
        if raw is not None:
            data = raw
        elif body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            argv += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
        argv.append(f"http://localhost{path}")
        proc = subprocess.run(argv, input=data or b"", capture_output=True,
                              timeout=timeout, check=False)
        if proc.returncode != 0:
            raise self.fail(f"curl {method} {path} failed: "
                            f"{proc.stderr.decode(errors='replace').strip()}")
        text, _, code = proc.stdout.decode(errors="replace").rpartition("\n")
        parsed: Any = None
        if text.strip():
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = text
        return int(code), parsed

    def expect_api(self, want: int, method: str, path: str, body: Any = None,
                   **kw: Any) -> Any:
        status, reply = self.api(method, path, body, **kw)
        if status != want:
            raise self.fail(f"{method} {path}: HTTP {status}, want {want}: {reply}")
        return reply

    # --- cleanup ------------------------------------------------------------

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self) -> "CoreProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


def kernel_memory_kb(output: str) -> int | None:
    """The total the kernel found in its E820 map, from its boot line
    "Memory: 71600K/130680K available (...)"."""
    m = re.search(r"Memory: \d+K/(\d+)K available", output)
    return int(m.group(1)) if m else None


def marker_int(rep: st.GuestReport, key: str) -> int | None:
    val = rep.value(key)
    try:
        return int(val.split()[0]) if val else None
    except ValueError:
        return None
