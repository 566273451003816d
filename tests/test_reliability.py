"""Reliability tests: truncated files, re-entrant arguments, threads,
integer bounds, big files, resource leaks and hostile-argument fuzzing.

Every scenario that could crash runs in a child process
(``tests/reliability_child.py SCENARIO ...``, with ``sys.executable``), so a
crash is a failed test with the child's output, not a dead test run.  The
child prints ``FAIL: ...`` lines and ends with ``RESULT OK`` / ``RESULT
FAIL``; scenarios with many cases fork once per crash (see
``reliability.forked_many``), so a crash names the case that caused it.

The default run takes well under a minute on two cores.  Longer runs::

    FASTMMAP_LONG=1 python -m pytest tests/test_reliability.py

(threads stress 60 s per variant, 5000 randomised fuzz examples, a million
open/close cycles).  Single knobs: FASTMMAP_STRESS_SECONDS,
FASTMMAP_FUZZ_EXAMPLES (and FASTMMAP_FUZZ_RANDOM=1 for a new seed each run),
FASTMMAP_RESOURCE_CYCLES.

Two bugs this suite found are pinned by regression tests below
(test_setslice_index_closes_on_second_call, test_resize_keeps_gil).
"""
import os
import re
import signal
import subprocess
import sys

import pytest

from conftest import AGAINST_STDLIB
from support import child_env, run_or_fail_if_hung

pytestmark = pytest.mark.skipif(
    AGAINST_STDLIB, reason="fastmmap's own safety guarantees: the stdlib "
    "module dies where these tests expect an exception")

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "reliability_child.py")
LONG = bool(os.environ.get("FASTMMAP_LONG"))
SIGBUS = -signal.SIGBUS

STRESS_SECONDS = os.environ.get("FASTMMAP_STRESS_SECONDS", "60" if LONG else "3")
FUZZ_EXAMPLES = os.environ.get("FASTMMAP_FUZZ_EXAMPLES", "5000" if LONG else "200")
RESOURCE_CYCLES = os.environ.get("FASTMMAP_RESOURCE_CYCLES",
                                 "1000000" if LONG else "100000")


def run_child(tmp_path, *args, timeout=300, **env):
    """Runs a scenario; returns the CompletedProcess (text)."""
    return run_or_fail_if_hung([sys.executable, CHILD] + [str(a) for a in args],
                               tmp_path, child_env(tmp_path, **env), timeout,
                               " ".join(map(str, args)))


def run_code(tmp_path, code, timeout=120):
    """Runs ``python -c code`` with fastmmap importable."""
    return subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path),
                          env=child_env(tmp_path), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def describe(proc):
    how = proc.returncode
    if how < 0:
        how = "%d (killed by %s)" % (how, signal.Signals(-how).name)
    return ("child exited with %s\n--- stdout (last 12000 chars)\n%s\n"
            "--- stderr (last 8000 chars)\n%s"
            % (how, proc.stdout[-12000:], proc.stderr[-8000:]))


def assert_ok(proc):
    if proc.returncode != 0 or "RESULT OK" not in proc.stdout:
        pytest.fail(describe(proc), pytrace=False)


def failures(proc):
    return [line for line in proc.stdout.splitlines() if line.startswith("FAIL:")]


# --------------------------------------------------------------------------
# 1. Truncated files
# --------------------------------------------------------------------------

TRUNCATE_KINDS = ["shared", "write", "read", "copy", "open_unaligned",
                  "open_copy_unaligned"]


@pytest.mark.parametrize("who", ["self", "other"])
@pytest.mark.parametrize("kind", TRUNCATE_KINDS)
def test_truncated_file(tmp_path, kind, who):
    """Every access to the lost pages raises OSError(EFAULT); the backed
    part keeps working (find, rfind, count, find_all, read, read_byte,
    readline, lines, readinto, items and slices incl. stepped, their
    assignment, write, write_byte, move, iteration, ``in``)."""
    assert_ok(run_child(tmp_path, "truncate", kind, who, "none"))


@pytest.mark.parametrize("kind,who", [("shared", "self"), ("copy", "other"),
                                      ("open_unaligned", "self")])
@pytest.mark.parametrize("fh", ["before", "after"])
def test_truncated_file_with_faulthandler(tmp_path, kind, who, fh):
    """faulthandler enabled before or after importing fastmmap: the child
    survives either way.  Enabled after, faulthandler sits in front of
    fastmmap's handler and reports the first fault (README, Safety)."""
    proc = run_child(tmp_path, "truncate", kind, who, fh)
    assert_ok(proc)
    if fh == "after":
        assert "Bus error" in proc.stderr, describe(proc)
    else:
        assert "Fatal Python error" not in proc.stderr, describe(proc)


@pytest.mark.parametrize("fh", ["none", "before", "after"])
def test_truncated_big_map_gil_free(tmp_path, fh):
    """A 64 MiB map truncated to 1 MiB: the GIL-free find/rfind/count/
    find_all and large copies raise OSError(EFAULT), also from two threads
    at once, and leave no export behind (close() works)."""
    assert_ok(run_child(tmp_path, "truncate_big", fh))


def test_sigbus_default_action_kept(tmp_path):
    """A SIGBUS not raised inside fastmmap still kills the process."""
    proc = run_child(tmp_path, "sigbus_control", "kill")
    assert proc.returncode == SIGBUS, describe(proc)


def test_sigbus_faulthandler_then_dies(tmp_path):
    proc = run_child(tmp_path, "sigbus_control", "kill_faulthandler")
    assert proc.returncode == SIGBUS, describe(proc)
    assert "Bus error" in proc.stderr, describe(proc)


def test_sigbus_faulthandler_before_import_then_dies(tmp_path):
    proc = run_code(tmp_path, "import faulthandler, os, signal\n"
                              "faulthandler.enable()\n"
                              "import fastmmap\n"
                              "os.kill(os.getpid(), signal.SIGBUS)\n")
    assert proc.returncode == SIGBUS, describe(proc)
    assert "Bus error" in proc.stderr, describe(proc)


def test_sigbus_from_memoryview_is_not_caught(tmp_path):
    """A fault through a memoryview (outside fastmmap) kills with SIGBUS,
    as README's Safety section says."""
    proc = run_child(tmp_path, "sigbus_control", "memoryview")
    assert proc.returncode == SIGBUS, describe(proc)


@pytest.mark.parametrize("mode", ["handler_after", "handler_before"])
def test_sigbus_python_handler(tmp_path, mode):
    """A Python-level SIGBUS handler installed after importing fastmmap is
    the one called for a foreign SIGBUS; installed before, it is chained
    (and fastmmap faults still become OSError without calling it)."""
    assert_ok(run_child(tmp_path, "sigbus_control", mode))


# --------------------------------------------------------------------------
# 2. Re-entrancy
# --------------------------------------------------------------------------

#: Crashes of the sweep explained by the bug pinned in
#: test_setslice_index_closes_on_second_call.
KNOWN_REENTRANCY_CRASHES = re.compile(
    r"^FAIL: crash: setslice\w*\[arg [012]\] close@call2: crash "
    r"(killed by SIGSEGV|exit status 1, no result)$")     # (the latter: under ASan)


def test_reentrant_arguments(tmp_path):
    """Every method x every argument that goes through __index__ (and
    __buffer__ on 3.12+) x hooks that close / shrink / grow the map or take
    a memoryview export, firing on the first or second call of the hook.

    Each case runs in a fork; its result and the map's final state must
    equal the same call with plain arguments on a fresh map to which the
    hook's action was done before the call or after it, or be a
    ValueError/IndexError that leaves the map as the action alone left it.
    Where the stdlib survives the same case and its hook ran alike,
    fastmmap must agree with it or be stricter (README difference 5)."""
    proc = run_child(tmp_path, "reentrancy")
    unexpected = [line for line in failures(proc)
                  if not KNOWN_REENTRANCY_CRASHES.match(line)]
    if unexpected or proc.returncode not in (0, 1) or "RESULT" not in proc.stdout:
        pytest.fail("\n".join(unexpected) + "\n" + describe(proc), pytrace=False)


def test_reentrant_eq_in_contains(tmp_path):
    """``x in m`` where x.__eq__ closes/resizes the map mid-iteration:
    every byte compared is the map's current byte, never a stale one."""
    assert_ok(run_child(tmp_path, "reentrancy_contains"))


def test_reentrant_own_buffers(tmp_path):
    """The map's own memoryview as needle, write source and readinto
    target (overlapping), with hooks trying to close/resize meanwhile."""
    assert_ok(run_child(tmp_path, "reentrancy_self_buffers"))


def test_setslice_index_closes_on_second_call(tmp_path):
    proc = run_code(tmp_path, """if 1:
        import fastmmap
        m = fastmmap.mmap(-1, 4096)
        class Index:
            calls = 0
            def __index__(self):
                Index.calls += 1
                if Index.calls == 2:
                    m.close()
                return 0
        try:
            m[Index():10] = b"0123456789"
        except ValueError as exc:
            print("ValueError:", exc)
        else:
            print("no error")
        """)
    assert proc.returncode == 0, describe(proc)


# --------------------------------------------------------------------------
# 3. Threads
# --------------------------------------------------------------------------

def test_threads_stress_without_resize(tmp_path):
    """Workers run find/rfind/count/find_all, big (GIL-free) and stepped
    slices, slice assignment, move, seek+read/write/readline/readinto/
    read_byte, lines, memoryview and NumPy exports on one map while another
    thread seeks (every whence, out of range too) and a closer closes it,
    round after round (file and private anonymous maps).  Every result is
    checked against the known content, every exception against the
    expected type and message."""
    assert_ok(run_child(tmp_path, "threads", STRESS_SECONDS, 4, "noresize",
                        timeout=300 + 2 * float(STRESS_SECONDS)))


def test_threads_stress_with_resize(tmp_path):
    """As above, with the extra thread also resizing the map."""
    assert_ok(run_child(tmp_path, "threads", STRESS_SECONDS, 4, "resize",
                        timeout=300 + 2 * float(STRESS_SECONDS)))


def test_resize_keeps_gil(tmp_path):
    """resize() keeps the GIL across ftruncate() and mremap(), so no other
    thread can start a GIL-free scan of the mapping it is moving (before the
    fix this crashed 30 runs out of 30, each in < 1.1 s)."""
    proc = run_code(tmp_path, """if 1:
        import fastmmap, os, tempfile, threading, time
        fd, _ = tempfile.mkstemp()
        os.ftruncate(fd, 256 << 20)
        m = fastmmap.mmap(fd, 0)
        m.find(b"x")                        # fill the page cache: slow ftruncate
        stop = []
        def resizer():
            i = 0
            while not stop:
                try:
                    m.resize((64 << 20) if i % 2 == 0 else (256 << 20))
                except BufferError:         # a scan is running: correct
                    time.sleep(0.001)
                i += 1
        t = threading.Thread(target=resizer)
        t.start()
        errors = []
        t0 = time.monotonic()
        while time.monotonic() - t0 < 3:
            try:
                m.find(b"x")                # whole map, without the GIL
                time.sleep(0.0005)          # let the resizer in between scans
            except (BufferError, ValueError):
                pass
            except OSError as exc:          # EFAULT: resize() truncated underneath
                errors.append(exc.errno)
        stop.append(1)
        t.join()
        print("errors", errors)
        assert not errors, errors
        """, timeout=120)
    assert proc.returncode == 0, describe(proc)


# --------------------------------------------------------------------------
# 4. Integers and bounds
# --------------------------------------------------------------------------

def test_integer_bounds_against_stdlib(tmp_path):
    """sys.maxsize, -sys.maxsize-1, overflowing values, negatives and
    overflowing sums for every length/offset/count/position/size/slice
    argument (constructor, seek with every whence, move, flush, madvise,
    resize, read, find/rfind start/end, slices with huge steps, item
    indices and values): same exception type (and message on 3.13) or the
    same result and final map state as the stdlib; count/find_all/lines
    against bytes' index rules; as_array never crashes."""
    assert_ok(run_child(tmp_path, "integers"))


# --------------------------------------------------------------------------
# 5. Big files
# --------------------------------------------------------------------------

def _sparse_ok(directory, size):
    st = os.statvfs(str(directory))
    if st.f_bavail * st.f_frsize < (256 << 20):
        return "less than 256 MiB free in %s" % directory
    probe = os.path.join(str(directory), "sparse-probe")
    try:
        with open(probe, "wb") as f:
            f.truncate(size)
            f.seek(size - 1)
            f.write(b"x")
        blocks = os.stat(probe).st_blocks
    except OSError as exc:
        return "cannot make a %d-byte file: %s" % (size, exc)
    finally:
        if os.path.exists(probe):
            os.unlink(probe)
    if blocks * 512 > (16 << 20):
        return "the file system does not make sparse files"
    return None


@pytest.mark.skipif(sys.maxsize < 2 ** 32, reason="64-bit only")
def test_big_sparse_file(tmp_path):
    """A sparse 5 GiB file with markers around 4 GiB and at the end:
    whole-file map, a map at an offset past 4 GiB, unaligned open() maps;
    reads, writes, moves, flushes and searches starting past 4 GiB."""
    why = _sparse_ok(tmp_path, 5 << 30)
    if why:
        pytest.skip(why)
    assert_ok(run_child(tmp_path, "bigfile", tmp_path / "big.bin"))


@pytest.mark.skipif(sys.maxsize < 2 ** 32, reason="64-bit only")
def test_big_anonymous_map(tmp_path):
    """A 5 GiB anonymous map: count() > 2**32, find/rfind/find_all across
    4 GiB in single GIL-free kernel calls."""
    assert_ok(run_child(tmp_path, "bigmap"))


# --------------------------------------------------------------------------
# 6. Resources
# --------------------------------------------------------------------------

def test_resources_flat(tmp_path):
    """FASTMMAP_RESOURCE_CYCLES (default 100 000) open/use/close cycles,
    rotating over: file, shared/private anonymous (resized), read-only,
    copy, memoryview and NumPy exports released before close, maps left to
    refcounting and to the cyclic GC, trackfd=False, open() with an
    unaligned offset and with an empty range, live iterators, failing
    constructors and open()s, and faulting (truncated) maps.  Descriptors
    stay equal; mappings, RSS and virtual size stay flat after a warm-up."""
    proc = run_child(tmp_path, "resources", RESOURCE_CYCLES, timeout=1200)
    assert_ok(proc)


def test_fork_child_writes_and_closes(tmp_path):
    """A forked child writes to and closes inherited maps (and drops an
    inherited export): the parent's maps stay open; shared ones show the
    child's writes, COPY and private anonymous ones do not."""
    assert_ok(run_child(tmp_path, "fork"))


# --------------------------------------------------------------------------
# 7. Fuzz
# --------------------------------------------------------------------------

def test_fuzz_hostile_arguments(tmp_path):
    """Hypothesis throws hostile arguments (huge and negative ints, floats,
    None, str, junk objects, __index__/__buffer__/__eq__ hooks that close,
    resize or export the map, memoryviews/bytearrays of the map itself) at
    random methods of random kinds of maps, each example in a fork: every
    call returns or raises TypeError/ValueError/IndexError/OverflowError/
    BufferError/OSError, and the map stays consistent.
    FASTMMAP_FUZZ_EXAMPLES (default 200) examples, derandomised unless
    FASTMMAP_FUZZ_RANDOM=1."""
    pytest.importorskip("hypothesis")
    extra = {}
    if LONG and "FASTMMAP_FUZZ_RANDOM" not in os.environ:
        extra["FASTMMAP_FUZZ_RANDOM"] = "1"
    assert_ok(run_child(tmp_path, "fuzz", FUZZ_EXAMPLES, timeout=3600, **extra))
