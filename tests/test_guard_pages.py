"""Guard pages: every search kernel reads right up to a PROT_NONE page.

The searches run on real fastmmap maps through the public API (no copies:
find, rfind, count, find_all, lines, ``in``, readline, read, readinto and
slicing), on a range that ends exactly where a PROT_NONE page begins
(forward searches) or begins exactly where one ends (backward ones), with
the needle itself flush against a guard page of another map, for every
needle length 1..300, and in haystacks of up to 80 pages (where the
anchors come from a sample and long needles take the skip search) for
needles of up to 3000 bytes.  A kernel that reads past either end of its range
touches the guard page and dies of SIGSEGV.  That is why the sweep runs in
child processes (tests/guard_pages_child.py, two shards side by side): the
test asserts that they exit 0, that every result matched the bytes
methods, and that the expected numbers of cases ran; a second test checks
that they reached every kernel path (packed pair, memchr prefilter, short
and long fallbacks, the one-byte kernels, the skip search), which needs the engine's C
sources and a compiler (tests/search_engine.py) and is skipped without
them.

The canary tests prove the set-up can fail: reading a guard page, directly
or through fastmmap with a range one byte too long, must kill the child
with SIGSEGV (fastmmap's fault guard turns SIGBUS into OSError, never
SIGSEGV).  If they ever stop dying, the sweep proves nothing any more.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import AGAINST_STDLIB

pytestmark = [
    pytest.mark.skipif(AGAINST_STDLIB, reason="fastmmap's extras (count, "
                       "find_all, lines) and its kernels are what is tested"),
    pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin", "freebsd")),
                       reason="mprotect/mmap through ctypes on POSIX only"),
]

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "guard_pages_child.py")
KMAX = 300
SHARDS = 2
TIMEOUT = 300


def _env():
    import fastmmap
    parent = os.path.dirname(os.path.dirname(os.path.abspath(fastmmap.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [parent, HERE] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    return env


def _command(*args):
    # faulthandler: a crash prints the Python line that faulted, and then
    # the process still dies of the signal.  -u: the "k=... ok" progress
    # lines survive a crash.
    return [sys.executable, "-X", "faulthandler", "-u", CHILD, *map(str, args)]


def _tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize("name", [
    "touch-after", "touch-before", "touch-after-whole-map",
    "find-one-past", "count-one-past", "rfind-one-before",
])
def test_canary_dies_of_sigsegv(name):
    proc = subprocess.run(_command("canary", name), env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert "CANARY SURVIVED" not in proc.stdout
    assert proc.returncode == -signal.SIGSEGV, (
        f"canary {name} exited {proc.returncode}\n{_tail(proc.stdout)}\n"
        f"{_tail(proc.stderr)}")
    # faulthandler saw it as a segmentation fault.
    assert "Segmentation fault" in proc.stderr


@pytest.fixture(scope="module")
def sweep():
    """Run the sweep's shards side by side; their summaries merged."""
    started = time.monotonic()
    procs = [subprocess.Popen(_command("sweep", KMAX, shard, SHARDS), env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
             for shard in range(SHARDS)]
    results = []
    try:
        for proc in procs:
            out, err = proc.communicate(timeout=TIMEOUT)
            results.append((proc.returncode, out, err))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    merged = {"elapsed": time.monotonic() - started, "failed": None, "cases": {},
              "paths": {}, "lengths": set(), "summaries": []}
    for shard, (rc, out, err) in enumerate(results):
        # -SIGSEGV here means a kernel read a guard page: the last
        # "k=... ok" line and faulthandler's traceback say where.
        if rc != 0:
            merged["failed"] = (f"guard-page sweep shard {shard} exited {rc}\n"
                                f"--- stdout (tail) ---\n{_tail(out, 10)}\n"
                                f"--- stderr (tail) ---\n{_tail(err)}")
            return merged
        summary = [line for line in out.splitlines() if line.startswith("SUMMARY ")]
        assert len(summary) == 1, _tail(out)
        s = json.loads(summary[0][len("SUMMARY "):])
        merged["summaries"].append(s)
        for op, count in s["cases"].items():
            merged["cases"][op] = merged["cases"].get(op, 0) + count
        for key, count in s["paths"].items():
            merged["paths"][key] = merged["paths"].get(key, 0) + count
        merged["lengths"].update(s["needle_lengths"])
    return merged


def test_every_kernel_stops_at_guard_pages(sweep):
    if sweep["failed"]:
        pytest.fail(sweep["failed"], pytrace=False)
    for s in sweep["summaries"]:
        assert s["have_numpy"], "find_all needs NumPy"
        assert s["guard_before_b"] in (True, False)
    cases = sweep["cases"]
    assert sweep["lengths"] == set(range(1, KMAX + 1))
    # Every operation ran many cases (about a million checks in all).
    minimum = {"find": 200_000, "rfind": 140_000, "count": 200_000,
               "find_all": 140_000, "lines": 20_000, "read": 20_000,
               "readinto": 20_000, "getitem": 35_000, "readline": 1_500,
               "in": 3_000}
    for op, least in minimum.items():
        assert cases.get(op, 0) >= least, (op, cases)
    print(f"guard pages: {sum(cases.values())} checks in {sweep['elapsed']:.1f} s: "
          f"{dict(sorted(cases.items()))}")


def test_guard_page_sweep_reaches_every_kernel_path(sweep):
    # Which path each input took comes from the engine's C sources built
    # for the kernel tests (tests/search_engine.py): without them (a copy
    # of tests/ beside an installed wheel) there is nothing to count.
    if sweep["failed"]:
        pytest.fail(sweep["failed"], pytrace=False)
    why = next((s["engine_unavailable"] for s in sweep["summaries"]
                if s["engine_unavailable"]), None)
    if why:
        pytest.skip(why)
    paths = sweep["paths"]
    have_pair = sweep["summaries"][0]["have_pair"]
    for op in ("find", "rfind", "count", "find_all"):
        want = ["byte", "prefilter", "fallback-short", "fallback-long"]
        if have_pair:
            want.append("pair")
        if op in ("find", "rfind"):
            want.append("skip")     # long needles in the long haystacks
        for path in want:
            assert paths.get(f"{op}:{path}", 0) > 0, (op, path, paths)
