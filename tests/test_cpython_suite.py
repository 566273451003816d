"""CPython's own ``test.test_mmap``, run against fastmmap.

Each interpreter ships its own version of the suite; it is run in a
subprocess (tests/cpython_suite_runner.py) with ``sys.modules["mmap"] =
fastmmap`` installed before ``test.test_mmap`` is imported, so the stdlib
module is never replaced in this process.  A control run of the same suite
against the stdlib module makes sure the harness itself is sound.

Every test must pass (or be skipped by the suite itself) except those listed
in EXPECTED_DIFFERENCES, whose entries must still fail (a stale entry is an
error, so the list stays exact).  Run with ``-rA`` (or ``-s``) to see the
per-test summary.

What the suites of the interpreters here expect (checked by running each
against its stdlib and against fastmmap): none of the older suites asserts a
pre-3.13 behaviour (e.g. no seek() -> None), so every one is meaningful for
fastmmap's 3.13 semantics as it is.  3.9/3.10: 40 tests (4 Windows-only
skips); 3.11: 46 (adds find() bounds, find-beyond-buffer, Windows resize
tests); 3.12: 46 (adds gh-103987 closed-by-__index__); 3.13: 50 (adds seek()
return values and seekable() in test_basic, trackfd).
"""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import load_fastmmap

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "cpython_suite_runner.py")
TIMEOUT = 1200

#: {"Class.test_name": reason} -- tests of CPython's suite that fastmmap
#: deliberately fails.  Decided by the lead; keep reasons short.
EXPECTED_DIFFERENCES = {
    # README, "Deliberate differences" 1: the repr names the real type.
    "MmapTests.test_repr": "repr reads <fastmmap.mmap ...>, not <mmap.mmap ...>",
}

HAS_SUITE = importlib.util.find_spec("test") is not None and \
    importlib.util.find_spec("test.test_mmap") is not None

pytestmark = pytest.mark.skipif(
    not HAS_SUITE, reason="this interpreter ships no test.test_mmap")


def short_id(test_id):
    """'test.test_mmap.MmapTests.test_repr' -> 'MmapTests.test_repr'."""
    return test_id.split("test_mmap.", 1)[-1]


def run_suite(module_name, module_path, workdir):
    env = dict(os.environ)
    if module_path:
        root = os.path.dirname(os.path.dirname(os.path.abspath(module_path)))
        env["PYTHONPATH"] = os.pathsep.join(
            [root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    out = os.path.join(str(workdir), "results.json")
    cwd = os.path.join(str(workdir), "cwd")
    os.makedirs(cwd)
    proc = subprocess.run(
        [sys.executable, RUNNER, "--module", module_name, "--json", out],
        cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
        timeout=TIMEOUT, text=True)
    if proc.returncode != 0 or not os.path.exists(out):
        pytest.fail("CPython suite runner exited with %d (%s)\n--- stdout\n%s"
                    "\n--- stderr (last 8000 chars)\n%s"
                    % (proc.returncode, "crashed" if proc.returncode < 0
                       else "failed", proc.stdout, proc.stderr[-8000:]),
                    pytrace=False)
    with open(out) as f:
        data = json.load(f)
    return data, proc.stderr


def summarize(results):
    counts = {}
    for r in results:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    return ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items()))


@pytest.fixture(scope="module")
def fastmmap_results(tmp_path_factory):
    mod = load_fastmmap()
    return run_suite(mod.__name__, getattr(mod, "__file__", None),
                     tmp_path_factory.mktemp("cpython-suite-fastmmap"))


@pytest.fixture(scope="module")
def stdlib_results(tmp_path_factory):
    return run_suite("mmap", None,
                     tmp_path_factory.mktemp("cpython-suite-stdlib"))


def test_cpython_suite_stdlib_control(stdlib_results):
    """The harness itself: the suite passes with the stdlib module."""
    data, _ = stdlib_results
    results = data["results"]
    print("CPython %s test_mmap with stdlib mmap: %s"
          % (sys.version.split()[0], summarize(results)))
    assert len(results) >= 30, results
    bad = [r for r in results if r["outcome"] not in ("passed", "skipped")]
    assert not bad, "\n\n".join("%s: %s\n%s" % (r["id"], r["outcome"],
                                                r["detail"]) for r in bad)


def test_cpython_suite_fastmmap(fastmmap_results, stdlib_results):
    data, log = fastmmap_results
    results = data["results"]
    by_id = {short_id(r["id"]): r for r in results}
    summary = summarize(results)
    print("CPython %s test_mmap with %s (%s): %s"
          % (sys.version.split()[0], data["module"], data["module_file"],
             summary))
    for r in results:
        line = "  %-70s %s" % (short_id(r["id"]), r["outcome"])
        if r["outcome"] == "skipped":
            line += " (%s)" % r["detail"]
        print(line)
    assert len(results) >= 30, "suspiciously few tests ran: %s" % summary

    # the same tests must have run (no import-time skips hiding tests)
    std_ids = {short_id(r["id"]) for r in stdlib_results[0]["results"]}
    assert set(by_id) == std_ids, (
        "test sets differ: only stdlib %s, only fastmmap %s"
        % (sorted(std_ids - set(by_id)), sorted(set(by_id) - std_ids)))

    unexpected = [r for name, r in sorted(by_id.items())
                  if r["outcome"] not in ("passed", "skipped")
                  and name not in EXPECTED_DIFFERENCES]
    # a test skipped with fastmmap but run with the stdlib hides a problem
    std_outcome = {short_id(r["id"]): r["outcome"]
                   for r in stdlib_results[0]["results"]}
    new_skips = [r for name, r in sorted(by_id.items())
                 if r["outcome"] == "skipped"
                 and std_outcome.get(name) != "skipped"]
    stale = [name for name in sorted(EXPECTED_DIFFERENCES)
             if name in by_id and by_id[name]["outcome"] == "passed"]
    messages = []
    if unexpected:
        messages.append("%d CPython test(s) fail under fastmmap: %s\n\n%s" % (
            len(unexpected), ", ".join(short_id(r["id"]) for r in unexpected),
            "\n".join("===== %s (%s)\n%s" % (short_id(r["id"]), r["outcome"],
                                             r["detail"])
                      for r in unexpected)))
    if new_skips:
        messages.append("skipped under fastmmap only: %s" % ", ".join(
            "%s (%s)" % (short_id(r["id"]), r["detail"]) for r in new_skips))
    if stale:
        messages.append("EXPECTED_DIFFERENCES lists tests that now pass "
                        "(remove them): %s" % ", ".join(stale))
    if messages:
        pytest.fail("summary: %s\n%s" % (summary, "\n\n".join(messages)),
                    pytrace=False)
