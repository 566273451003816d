"""CPython's own ``test_mmap``, run against fastmmap.

Each suite is run in a subprocess (tests/cpython_suite_runner.py) with
``sys.modules["mmap"] = fastmmap`` installed before it is imported, so the
stdlib module is never replaced in this process.

What runs when:

* always: the running interpreter's own ``test.test_mmap`` against fastmmap
  (test_cpython_suite_fastmmap), and against the stdlib module as a control
  that the harness itself is sound (test_cpython_suite_stdlib_control);
* when FASTMMAP_CPYTHON_TEST_MMAP names a test_mmap.py (CI extracts CPython
  3.15's from a Debian chroot), that file too, against fastmmap
  (test_cpython_315_suite_fastmmap).  fastmmap targets 3.15's semantics on
  every Python, so this is the suite that says whether it has them.  Its
  test.support helpers missing on older interpreters come from
  tests/cpython_support_shim.py.  The old stdlib lacks 3.15's features (and
  crashes in some of its reentrancy tests), so its control is one of the
  harness only (test_cpython_315_suite_harness_control): the file imports
  with the stdlib module and every test it declares is collected; a skip
  decorator that fires under fastmmap only (an attribute fastmmap lacks) is
  an error, as any fastmmap-only skip is in the own suite.  On 3.15
  and later both are skipped: the own suite is already 3.15's.  A variable
  naming a missing file is an error, not a skip.

Every test must pass (or be skipped by the suite itself) except those listed
in EXPECTED_DIFFERENCES, whose entries must still fail (a stale entry is an
error, so the list stays exact).  Run with ``-rA`` (or ``-s``) to see the
per-test summary.

What the suites of the interpreters here hold (checked by running each
against its stdlib and against fastmmap): 3.10: 40 tests (4 Windows-only
skips); 3.11: 46 (adds find() bounds, find-beyond-buffer, Windows resize
tests); 3.12: 46 (adds gh-103987 closed-by-__index__); 3.13: 50 (adds
seek() return values and seekable() in test_basic, trackfd); 3.14: 53; the
3.15 file: 55 (7 Windows-only skips; over 3.13's adds flush() flags and
default size, set_name(), size() of anonymous and trackfd=False maps,
anonymous resize limits, __setitem__ reentrancy); on 3.10/3.11 the shim
skips test_setitem_slice_resize_reentrancy, which needs PEP 688's
__buffer__.  An older suite that asserts a behaviour 3.15 changed lists
that test in OLDER_SUITE_DIFFERENCES (docs/differences.rst).
"""
import ast
import importlib.util
import json
import os
import re
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

#: {"Class.test_name": (last interpreter whose suite asserts it, reason)}:
#: tests of an older interpreter's *own* suite that assert a behaviour
#: CPython 3.15 changed.  fastmmap behaves as 3.15 (docs/differences.rst,
#: "Older interpreters"), so they fail there; on newer interpreters an entry
#: does not apply.
OLDER_SUITE_DIFFERENCES = {
    "MmapTests.test_basic": (
        (3, 13), "m[len(m)] = b'\\0' must raise IndexError; 3.14 checks the "
        "value first (TypeError)"),
}


def own_suite_differences():
    """EXPECTED_DIFFERENCES plus what this interpreter's own suite asserts
    of its older behaviour."""
    expected = dict(EXPECTED_DIFFERENCES)
    expected.update({name: why for name, (last, why)
                     in OLDER_SUITE_DIFFERENCES.items()
                     if sys.version_info[:2] <= last})
    return expected


HAS_SUITE = importlib.util.find_spec("test") is not None and \
    importlib.util.find_spec("test.test_mmap") is not None

needs_own_suite = pytest.mark.skipif(
    not HAS_SUITE, reason="this interpreter ships no test.test_mmap")

#: a newer CPython's test_mmap.py to run as well (see the docstring)
SUITE_315 = os.environ.get("FASTMMAP_CPYTHON_TEST_MMAP") or None

#: what a shim gap looks like in a traceback: a test.support name missing
#: (at import time it stops the runner instead).  Never an mmap failure.
#: (cpython_support_shim.py itself shows in the traceback of every test using
#: its subTests, so a frame there proves nothing.)
HARNESS_ERROR = re.compile(
    r"module 'test\.support[\w.]*' has no attribute"
    r"|cannot import name .* from 'test\.support")


def short_id(test_id):
    """'test.test_mmap.MmapTests.test_repr' -> 'MmapTests.test_repr'."""
    return test_id.split("test_mmap.", 1)[-1]


def run_suite(module_name, module_path, workdir, suite_file=None,
              collect_only=False):
    env = dict(os.environ)
    if module_path:
        root = os.path.dirname(os.path.dirname(os.path.abspath(module_path)))
        env["PYTHONPATH"] = os.pathsep.join(
            [root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    out = os.path.join(str(workdir), "results.json")
    cwd = os.path.join(str(workdir), "cwd")
    os.makedirs(cwd)
    cmd = [sys.executable, RUNNER, "--module", module_name, "--json", out]
    if suite_file:
        cmd += ["--file", suite_file]
    if collect_only:
        cmd.append("--collect-only")
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
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


def declared_tests(path):
    """{'Class.test_x'} for every test method the file's classes define,
    read from its source: what the runner must collect, none lost."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    return {"%s.%s" % (cls.name, node.name)
            for cls in tree.body if isinstance(cls, ast.ClassDef)
            for node in cls.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name.startswith("test")}


def print_outcomes(title, data):
    """The summary line the notes quote, then one line per test."""
    results = data["results"]
    print("%s with %s (%s): %s" % (title, data["module"], data["module_file"],
                                   summarize(results)))
    if data.get("shimmed"):
        print("  (shimmed: %s)" % ", ".join(data["shimmed"]))
    for r in results:
        line = "  %-70s %s" % (short_id(r["id"]), r["outcome"])
        if r["outcome"] == "skipped":
            line += " (%s)" % r["detail"]
        print(line)


def check_fastmmap(data, control_ids, new_skips, expected_differences):
    """Fail unless every test passed or was skipped, bar
    expected_differences (which must still fail, if they ran), exactly the
    control's tests ran, and no test was skipped that the control ran
    (new_skips, chosen by the caller)."""
    results = data["results"]
    by_id = {short_id(r["id"]): r for r in results}
    summary = summarize(results)
    assert len(results) >= 30, "suspiciously few tests ran: %s" % summary

    # the same tests must have run (no import-time skips hiding tests)
    assert set(by_id) == control_ids, (
        "test sets differ: only in the control %s, only under fastmmap %s"
        % (sorted(control_ids - set(by_id)), sorted(set(by_id) - control_ids)))

    failing = [r for name, r in sorted(by_id.items())
               if r["outcome"] not in ("passed", "skipped")]
    harness = [r for r in failing if HARNESS_ERROR.search(r["detail"])]
    unexpected = [r for r in failing if r not in harness
                  and short_id(r["id"]) not in expected_differences]
    stale = [name for name in sorted(expected_differences)
             if name in by_id and by_id[name]["outcome"] == "passed"]
    messages = []
    if harness:
        messages.append("HARNESS problem, not mmap's (a test.support helper "
                        "missing from cpython_support_shim?): %s\n\n%s" % (
                            ", ".join(short_id(r["id"]) for r in harness),
                            "\n".join(r["detail"] for r in harness)))
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
        messages.append("expected differences that now pass "
                        "(remove them): %s" % ", ".join(stale))
    if messages:
        pytest.fail("summary: %s\n%s" % (summary, "\n\n".join(messages)),
                    pytrace=False)


# -- the running interpreter's own suite -------------------------------------

@pytest.fixture(scope="module")
def fastmmap_results(tmp_path_factory):
    mod = load_fastmmap()
    return run_suite(mod.__name__, getattr(mod, "__file__", None),
                     tmp_path_factory.mktemp("cpython-suite-fastmmap"))


@pytest.fixture(scope="module")
def stdlib_results(tmp_path_factory):
    return run_suite("mmap", None,
                     tmp_path_factory.mktemp("cpython-suite-stdlib"))


@needs_own_suite
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


@needs_own_suite
def test_cpython_suite_fastmmap(fastmmap_results, stdlib_results):
    data, _ = fastmmap_results
    print_outcomes("CPython %s test_mmap" % sys.version.split()[0], data)
    std_outcome = {short_id(r["id"]): r["outcome"]
                   for r in stdlib_results[0]["results"]}
    # a test skipped with fastmmap but run with the stdlib hides a problem
    new_skips = [r for r in data["results"] if r["outcome"] == "skipped"
                 and std_outcome.get(short_id(r["id"])) != "skipped"]
    check_fastmmap(data, set(std_outcome), new_skips, own_suite_differences())


# -- a newer CPython's suite (FASTMMAP_CPYTHON_TEST_MMAP) ---------------------

needs_suite_315 = pytest.mark.skipif(
    not SUITE_315, reason="FASTMMAP_CPYTHON_TEST_MMAP is not set")


@pytest.fixture(scope="module")
def suite_315():
    """The file FASTMMAP_CPYTHON_TEST_MMAP names; a missing one is an error
    (CI asked for the run: a skip would hide that it never happened)."""
    if not os.path.isfile(SUITE_315):
        pytest.fail("FASTMMAP_CPYTHON_TEST_MMAP=%r names no file" % SUITE_315,
                    pytrace=False)
    if sys.version_info >= (3, 15):
        pytest.skip("the interpreter's own suite is 3.15's (or newer): "
                    "test_cpython_suite_fastmmap already runs it")
    return os.path.abspath(SUITE_315)


@pytest.fixture(scope="module")
def suite_315_collected(suite_315, tmp_path_factory):
    return run_suite("mmap", None,
                     tmp_path_factory.mktemp("cpython-315-suite-collect"),
                     suite_file=suite_315, collect_only=True)


@pytest.fixture(scope="module")
def suite_315_fastmmap_results(suite_315, tmp_path_factory):
    mod = load_fastmmap()
    return run_suite(mod.__name__, getattr(mod, "__file__", None),
                     tmp_path_factory.mktemp("cpython-315-suite-fastmmap"),
                     suite_file=suite_315)


@needs_suite_315
def test_cpython_315_suite_harness_control(suite_315, suite_315_collected):
    """The harness itself: with the stdlib module, the file imports (its
    module-level code and skip decorators run) and every test it declares
    is collected.  The old stdlib cannot pass a newer suite, so the tests
    are not run."""
    data, _ = suite_315_collected
    results = data["results"]
    print("CPython test_mmap from %s on %s with stdlib mmap, collected: %s"
          % (suite_315, sys.version.split()[0], summarize(results)))
    if data["shimmed"]:
        print("  (shimmed: %s)" % ", ".join(data["shimmed"]))
    errors = [r["id"] for r in results if r["outcome"] == "error"]
    assert not errors, "the loader failed on: %s" % errors
    collected = {short_id(r["id"]) for r in results}
    declared = declared_tests(suite_315)
    assert collected == declared, (
        "declared but not collected %s, collected but not declared %s"
        % (sorted(declared - collected), sorted(collected - declared)))


@needs_suite_315
def test_cpython_315_suite_fastmmap(suite_315_fastmmap_results,
                                    suite_315_collected):
    data, _ = suite_315_fastmmap_results
    print_outcomes("CPython test_mmap from %s on %s"
                   % (data["suite_file"], sys.version.split()[0]), data)
    # The control ran nothing, so only skips decided at import time compare:
    # a skip decorator that fired under fastmmap but not under the stdlib
    # means fastmmap lacks an attribute the old stdlib has.
    import_skipped = {short_id(r["id"])
                      for r in suite_315_collected[0]["results"]
                      if r["outcome"] == "skipped"}
    new_skips = [r for r in data["results"] if r["outcome"] == "skipped"
                 and r.get("import_skip")
                 and short_id(r["id"]) not in import_skipped]
    control_ids = {short_id(r["id"]) for r in suite_315_collected[0]["results"]}
    check_fastmmap(data, control_ids, new_skips, EXPECTED_DIFFERENCES)
