"""SIGBUS handling next to other code that uses SIGBUS: a disposition of
SIG_IGN, a C handler chained without SA_NODEFER, a SIGBUS sent by a process
during a guarded scan, and the handler taken out by others (faulthandler).

Every scenario runs ``tests/sigbus_child.py SCENARIO ...`` in a fresh
interpreter with a timeout: the wrong outcome is often a dead or hung
process.  The expected outcome is either ``RESULT OK`` or death by SIGBUS
(exit -7 here, 135 from a shell) -- the same death the process would have
without fastmmap.  docs/safety.rst describes the rules these pin.
"""
import os
import signal
import sys

import pytest

from conftest import AGAINST_STDLIB
from support import child_env, run_or_fail_if_hung

pytestmark = [
    pytest.mark.skipif(AGAINST_STDLIB, reason="fastmmap's SIGBUS handler"),
    pytest.mark.skipif(not hasattr(signal, "SIGBUS") or sys.platform == "win32",
                       reason="POSIX SIGBUS"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "sigbus_child.py")
SIGBUS = -signal.SIGBUS
SKIPPED = 3                 # sigbus_child's exit status for "cannot run here"


def run_child(tmp_path, *args, timeout=60, python_args=(), **env):
    """Runs a scenario; returns the CompletedProcess (text).  A timeout is
    a failure that says so: that is how the re-fault loop shows."""
    cmd = [sys.executable] + list(python_args) + [CHILD] + [str(a) for a in args]
    proc = run_or_fail_if_hung(cmd, tmp_path, child_env(tmp_path, **env), timeout,
                               " ".join(map(str, args)))
    if proc.returncode == SKIPPED and "SKIP:" in proc.stdout:
        pytest.skip(proc.stdout.split("SKIP:", 1)[1].strip())
    return proc


def describe(proc):
    how = proc.returncode
    if how < 0:
        how = "%d (killed by %s)" % (how, signal.Signals(-how).name)
    return ("child exited with %s\n--- stdout\n%s\n--- stderr (last 8000 chars)\n%s"
            % (how, proc.stdout[-8000:], proc.stderr[-8000:]))


def assert_ok(proc):
    if proc.returncode != 0 or "RESULT OK" not in proc.stdout:
        pytest.fail(describe(proc), pytrace=False)


def assert_killed(proc):
    if proc.returncode != SIGBUS:
        pytest.fail("expected death by SIGBUS\n" + describe(proc), pytrace=False)


# --------------------------------------------------------------------------
# SIGBUS ignored before the import
# --------------------------------------------------------------------------

@pytest.mark.parametrize("toucher", ["memoryview", "numpy"])
def test_ignored_sigbus_foreign_fault_kills(tmp_path, toucher):
    """signal.signal(SIGBUS, SIG_IGN) before the import, then a fault
    through a memoryview / NumPy view of a truncated map: the kernel forces
    a fault's SIGBUS through SIG_IGN, so the process dies at once, as it
    does without fastmmap (it used to re-fault for ever)."""
    if toucher == "numpy":
        pytest.importorskip("numpy")
    assert_killed(run_child(tmp_path, "ignored", toucher, timeout=20))


def test_ignored_sigbus_fastmmap_faults_and_kill(tmp_path):
    """With SIG_IGN before the import, fastmmap's own faults still raise
    OSError(EFAULT), and a SIGBUS sent with kill() stays ignored."""
    assert_ok(run_child(tmp_path, "ignored", "fastmmap", timeout=30))


# --------------------------------------------------------------------------
# A C handler chained after the import, without SA_NODEFER
# --------------------------------------------------------------------------

def test_chained_handler_without_nodefer(tmp_path):
    """A C handler installed after the import without SA_NODEFER (so the
    kernel blocks SIGBUS while it runs) that calls fastmmap's: every fault
    -- not just the first -- raises OSError(EFAULT), and SIGBUS is unblocked
    again after each (the second used to kill the process)."""
    assert_ok(run_child(tmp_path, "chained"))


# --------------------------------------------------------------------------
# A SIGBUS sent by a process during a guarded scan
# --------------------------------------------------------------------------

SENDERS = ["kill", "pthread_kill", "sigqueue"]


@pytest.mark.parametrize("how", SENDERS)
@pytest.mark.parametrize("disposition", ["default", "faulthandler", "faulthandler_after"])
def test_sent_sigbus_during_scan_kills(tmp_path, how, disposition):
    """kill(), pthread_kill() or sigqueue() of SIGBUS while fastmmap scans
    an anonymous map is not a fault of that scan: it gets what it would get
    without fastmmap -- death by SIGBUS (with faulthandler's report when
    that is enabled) -- not OSError(EFAULT)."""
    proc = run_child(tmp_path, "sent", how, disposition)
    assert_killed(proc)
    if disposition.startswith("faulthandler"):
        assert proc.stderr.count("Fatal Python error: Bus error") == 1, describe(proc)


@pytest.mark.parametrize("how", SENDERS)
def test_sent_sigbus_during_scan_reaches_python_handler(tmp_path, how):
    """A Python SIGBUS handler installed before the import is called for a
    SIGBUS sent during a scan, and the scan raises nothing."""
    assert_ok(run_child(tmp_path, "sent", how, "python"))


# --------------------------------------------------------------------------
# The handler taken out by others
# --------------------------------------------------------------------------

FAULTHANDLER_WAYS = {
    "enable": dict(args=("enable",)),
    "env": dict(args=("env",), env={"PYTHONFAULTHANDLER": "1"}),
    "xoption": dict(args=("xoption",), python_args=("-X", "faulthandler")),
}


def _reinstalled(tmp_path, way, then):
    spec = FAULTHANDLER_WAYS[way]
    return run_child(tmp_path, "reinstalled", *spec["args"], then,
                     python_args=spec.get("python_args", ()), **spec.get("env", {}))


@pytest.mark.parametrize("way", sorted(FAULTHANDLER_WAYS))
def test_handler_reinstalled_after_faulthandler_disable(tmp_path, way):
    """faulthandler enabled before the import and disabled after it puts
    SIG_DFL back, taking fastmmap's handler out; the next GIL-free scan
    (a find over 4 MiB) re-installs it, so a truncated file still raises
    OSError(EFAULT) instead of killing the process."""
    assert_ok(_reinstalled(tmp_path, way, "none"))


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc/self/maps")
def test_one_guard_serves_the_command_line_too(tmp_path):
    """The scenario of issue 22: faulthandler enabled before the import,
    disabled after it, one large scan (which puts fastmmap's handler back),
    then `fastmmap grep` and `count` on a 2 GiB file truncated while they
    scan it.  Each reports the truncation (exit 2); with a guard per
    extension the command line's accesses went to a handler that did not
    know them, and the process died of SIGBUS."""
    assert_ok(_reinstalled(tmp_path, "env", "cli"))


def test_reinstalled_handler_keeps_default_action(tmp_path):
    """... and after that re-install, a SIGBUS sent with kill() still gets
    the default action, with no faulthandler report (it is disabled)."""
    proc = _reinstalled(tmp_path, "enable", "kill")
    assert_killed(proc)
    assert "Fatal Python error" not in proc.stderr, describe(proc)


@pytest.mark.parametrize("how", ["kill", "pthread_kill"])
def test_faulthandler_after_import_not_bypassed(tmp_path, how):
    """faulthandler enabled after the import chains to fastmmap's handler;
    a GIL-free scan must leave it in front (putting fastmmap's handler back
    in front of a handler that chains to it would loop): a SIGBUS sent
    afterwards gets exactly one report and kills."""
    proc = run_child(tmp_path, "faulthandler_after_scan", how)
    assert_killed(proc)
    assert proc.stderr.count("Fatal Python error: Bus error") == 1, describe(proc)
