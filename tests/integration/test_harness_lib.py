#!/usr/bin/env python3
"""Unit test of splitvm_test.py itself (no KVM, no guest): marker parsing
and run()'s timeout, stop-after-DONE and exit handling."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.fspath(Path(__file__).resolve().parent))
import hang_report  # noqa: E402
import splitvm_test as st  # noqa: E402

SERIAL = """\
[    0.000000] Linux version 6.1.0
\x1bc\x1b[?7l\x1b[2J@@ INIT 2.51\r
@@ MODULE virtio_ring ok
@@ MODULE virtio-rng ok
@@ MODULE vsock fail Operation not permitted
@@ MODULES 2/3
[    3.1] some kernel line mentioning @@ PASS fake
 @@ PASS indented-is-not-a-marker
@@ CPUS 2
@@ PASS one
@@ FAIL two exit 1: false
@@ SKIP three not here
@@ COUNTER 1 100
@@ COUNTER 2 200
@@ DONE 1
"""


def test_parse(c: st.Checks) -> None:
    r = st.parse_markers(SERIAL)
    c.expect(r.init_uptime == 2.51, f"init_uptime {r.init_uptime}")
    c.expect(r.modules_ok == ["virtio_ring", "virtio-rng"], f"ok {r.modules_ok}")
    c.expect(r.modules_failed == {"vsock": "Operation not permitted"},
             f"failed {r.modules_failed}")
    c.expect((r.modules_loaded, r.modules_total) == (2, 3), "MODULES 2/3")
    c.expect(r.modules_skipped is None, "not skipped")
    c.expect(r.passes == ["one"], f"passes {r.passes}")
    c.expect(r.fails == [("two", "exit 1: false")], f"fails {r.fails}")
    c.expect(r.skips == [("three", "not here")], f"skips {r.skips}")
    c.expect(r.values("COUNTER") == ["1 100", "2 200"], "COUNTER values")
    c.expect(r.value("CPUS") == "2" and r.value("NOPE") is None, "value()")
    c.expect(r.done == 1 and not r.noscript, f"done {r.done}")
    r = st.parse_markers("@@ INIT 1.0\n@@ MODULES 0/0 skipped kernel x, modules for y\n"
                         "@@ NOSCRIPT\n@@ DONE 0\n")
    c.expect(r.modules_skipped == "kernel x, modules for y",
             f"skipped {r.modules_skipped!r}")
    c.expect(r.noscript and r.done == 0, "NOSCRIPT, DONE 0")
    c.expect(st.parse_markers("no markers\n").done is None, "empty report")
    # A vmm-core log line that landed inside a guest line does not split it.
    log = ("2026-12-06T04:36:43.284540Z [entropy-stop:ERROR] ../vmm-core/workers/"
           "supervisor.c:403 worker vmm-worker-rng killed\n")
    r = st.parse_markers(f"@@ STATUS 0x000000ff 7.84 7.91{log}\n@@ BEAT 0\n{log}@@ DONE 0\n")
    c.expect(r.value("STATUS") == "0x000000ff 7.84 7.91" and r.values("BEAT") == ["0"]
             and r.done == 0, f"markers around log lines: {r.markers}")
    c.expect("supervisor.c" not in st.console_view(f"a{log}b\n"), "log line kept")
    # So do guest kernel lines that cut into a line of the guest's own.
    r = st.parse_markers("@@ CPUS 1\n@@ MEMTOTAL_KB 210884[    2.887367] clocksource: "
                         "watchdog\n[    2.894919] clocksource: wd\n\n@@ UPTIME 2.17\n"
                         "[    2.945637] reboot: Restarting system\n@@ DONE 0\n")
    c.expect(r.value("MEMTOTAL_KB") == "210884" and r.value("UPTIME") == "2.17"
             and r.done == 0, f"markers around kernel lines: {r.markers}")
    whole = "[    1.0] a\n@@ X 1\n[    2.0] b\n"
    c.expect(st.console_view(whole) == whole, "kernel lines at line starts were dropped")


def test_run(c: st.Checks) -> None:
    r = st.run(["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=30)
    c.expect(r.returncode == 3 and not r.timed_out, f"exit status {r.returncode}")
    c.expect(r.output.splitlines() == ["out", "err"], f"output {r.output!r}")

    # A timeout kills the whole group, grandchildren included.
    t0 = time.monotonic()
    r = st.run(["sh", "-c", "sleep 60 & echo started; wait"], timeout=1.5)
    c.expect(r.timed_out and r.returncode is None, "timeout not reported")
    c.expect(time.monotonic() - t0 < 20, "timeout did not stop the run")
    c.expect("started" in r.output, "output before the timeout lost")

    # ... and says what the process was doing when it was stopped.
    c.expect("thread " in r.hang_report and "sleep" in r.hang_report,
             f"hang report: {r.hang_report!r}")
    c.expect(st.is_guest_fault(st.TestFailure("x", r)), "a timed-out run is not a guest fault")
    c.expect(not st.is_guest_fault(st.TestFailure("x", None)), "a plain failure is a guest fault")
    c.expect(st.is_guest_fault(st.GuestFault("x")) and st.is_guest_fault(st.GuestHang("x")),
             "a GuestFault or GuestHang is not a guest fault")
    # A triple fault before the guest's script finished is one; after, not.
    fault = st.run(["sh", "-c", f"echo '@@ INIT 1.0'; echo 'vCPU 0: {st.TRIPLE_FAULT_LOG}'"],
                   timeout=30)
    c.expect(st.is_guest_fault(st.TestFailure("x", fault)), "a triple fault is not a guest fault")
    done = st.run(["sh", "-c", f"echo '@@ DONE 0'; echo 'vCPU 0: {st.TRIPLE_FAULT_LOG}'"],
                  timeout=30)
    c.expect(not st.is_guest_fault(st.TestFailure("x", done)),
             "a triple fault after DONE counts as a guest fault")

    # Still running after DONE: stopped, not timed out.
    r = st.run(["sh", "-c", "echo '@@ DONE 0'; sleep 60"], timeout=30,
               stop_after_done=0.5)
    c.expect(r.stopped_after_done and not r.timed_out, "not stopped after DONE")
    c.expect(r.elapsed < 20, f"stop after DONE took {r.elapsed:.1f} s")

    # Exits while a background child holds the pipe: not a timeout.
    r = st.run(["sh", "-c", "sleep 60 & echo bye; exit 0"], timeout=30)
    c.expect(r.returncode == 0 and not r.timed_out and r.elapsed < 20,
             f"exit with a pipe holder: rc={r.returncode} {r.elapsed:.1f} s")


RETRY_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import splitvm_test as st
from pathlib import Path
count = Path(sys.argv[2])
hangs = int(sys.argv[3])

def test():
    n = int(count.read_text() or 0) + 1
    count.write_text(str(n))
    if n <= hangs:
        raise st.GuestHang(f"hang {n}")
    if hangs < 0:
        raise st.TestFailure("plain failure")

st.main(test)
"""


def test_main_retry(c: st.Checks) -> None:
    """main() runs a test that hung once more, and only such a test."""
    here = os.fspath(Path(__file__).resolve().parent)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "t.py"
        script.write_text(RETRY_SCRIPT)
        for hangs, want_rc, want_runs, want_text in ((1, 0, 2, "RETRY"), (2, 1, 2, "FAIL"),
                                                     (-1, 1, 1, "FAIL"), (0, 0, 1, "")):
            count = Path(tmp) / "count"
            count.write_text("")
            p = subprocess.run([sys.executable, script, here, count, str(hangs)],
                               capture_output=True, text=True, timeout=60)
            runs = int(count.read_text())
            c.expect(p.returncode == want_rc and runs == want_runs and want_text in p.stdout,
                     f"{hangs} hangs: rc {p.returncode} after {runs} runs, "
                     f"output {p.stdout!r}")


def test_recorder(c: st.Checks) -> None:
    """A guest fault carries the KVM recorder's last events, other failures
    do not, and the recorder runs only when $SPLITVM_KVM_RECORDER asks and
    is stopped after every attempt."""
    calls: list[str] = []

    def start() -> bool:
        calls.append("start")
        return True

    def stop(lines: int = 40) -> list[str]:
        calls.append(f"stop {lines}")
        return ["CPU 0/KVM-7 kvm_exit: vcpu 0 reason shutdown"][:lines]

    def hang() -> None:
        raise st.GuestHang("hang")

    def plain() -> None:
        raise st.TestFailure("plain")

    saved = (hang_report.recorder_start, hang_report.recorder_stop,
             os.environ.get("SPLITVM_KVM_RECORDER"))
    hang_report.recorder_start, hang_report.recorder_stop = start, stop
    try:
        for env, fn, want_events, want_calls in (
                ("1", hang, 1, ["start", "stop 40", "stop 0"]),
                ("1", plain, 0, ["start", "stop 0"]),
                ("", hang, 0, [])):
            os.environ["SPLITVM_KVM_RECORDER"] = env
            calls.clear()
            try:
                st._attempt(fn)
                c.expect(False, f"{fn.__name__}: no failure raised")
            except st.TestFailure as e:
                text = st.format_failure(e)
                c.expect(len(e.kvm_events) == want_events and
                         ("reason shutdown" in text) == bool(want_events) and
                         calls == want_calls,
                         f"{fn.__name__} with recorder {env!r}: events {e.kvm_events}, "
                         f"calls {calls}")
    finally:
        hang_report.recorder_start, hang_report.recorder_stop = saved[:2]
        if saved[2] is None:
            os.environ.pop("SPLITVM_KVM_RECORDER", None)
        else:
            os.environ["SPLITVM_KVM_RECORDER"] = saved[2]


def test_exit_summary(c: st.Checks) -> None:
    """The hang report counts one VMM's exits per vCPU and reason, and names
    the guest-physical address a nested page fault loops on."""
    line = ("           vcpu0-{tid}     [000] .....   573.3: kvm_exit: vcpu 0 reason {reason} "
            "rip 0xffffffffc06f020c info1 0x0000000200000006 info2 0x00000000026bcff8 "
            "intr_info 0x00000000 error_code 0x00000000")
    trace = "\n".join([line.format(tid=696, reason="npf")] * 3 +
                      [line.format(tid=696, reason="hlt"), line.format(tid=999, reason="npf")])
    total, lines = hang_report._summarize_exits(trace, {"696"})
    text = "\n".join(lines)
    c.expect(total == 4 and "vcpu 0 npf: 3 exits, rip 0xffffffffc06f020cx3" in text and
             "guest-physical 0x00000000026bcff8 (error 0x0000000200000006)x3" in text and
             "vcpu 0 hlt: 1 exits" in text, f"exit summary: {total} {lines}")


def test() -> None:
    c = st.Checks()
    test_exit_summary(c)
    test_parse(c)
    test_run(c)
    test_main_retry(c)
    test_recorder(c)
    c.finish()


if __name__ == "__main__":
    st.main(test)
