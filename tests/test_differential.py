"""Differential tests: fastmmap against the stdlib ``mmap`` module.

Every scenario is a *body*: a function ``body(t)`` written once, that drives
``t.mod`` (either module) through a Recorder, which turns every call into a
trace event (differential.py; the bodies are in differential_object.py and
differential_access.py).  ``test_differential[<body>]`` runs the body on the
stdlib module and on fastmmap (each in its own temp directory) and asserts
that the two traces are identical.

fastmmap implements CPython **3.15** semantics on every Python.  On 3.15
the stdlib is run as it is; on older interpreters, whose stdlib differs in
places, the bodies are compared with the traces the real 3.15 stdlib gave,
recorded in cpython315_oracle.json (see cpython315.py, and
record_cpython315.py to record again after changing a body).
``test_record_matches_stdlib`` checks on 3.15 that the record is current.
Bodies must therefore not branch on the interpreter version.

Messages from the interpreter's argument parser (wrong argument counts,
unknown keywords) are tagged ``_argparse=True``; they are compared only while
``STRICT_ARGPARSE_MESSAGES`` is true (their type is always compared).

fastmmap names its type ``fastmmap.mmap`` where the stdlib says ``mmap.mmap``:
all text (reprs, messages) is normalised by replacing that prefix.

Every trace also ends with whether file descriptors 0-2 survived the body (a map
must never close a descriptor it does not own).

Deliberately not exercised, because CPython itself crashes or corrupts
state there: touching a file map after a failed resize(0) (the file is
already truncated: SIGBUS), and seek()/flush()/resize() with an argument
whose __index__ closes the map (not covered by gh-103987).
"""
import inspect
import mmap as stdlib_mmap

import pytest

from conftest import load_fastmmap
from cpython315 import IS_315, ORACLE
from differential import PY, all_bodies, assert_same_trace, module_record, run_body

BODIES = all_bodies()


@pytest.fixture(scope="module")
def fast():
    return load_fastmmap()


@pytest.mark.parametrize("name", sorted(BODIES))
def test_differential(name, fast, tmp_path):
    expected, source = expected_trace(name, tmp_path)
    actual = run_body(BODIES[name], fast, str(tmp_path / "fastmmap"))
    assert_same_trace(expected, actual, source, "fastmmap")


def expected_trace(name, tmp_path):
    """CPython 3.15's trace of a body: the live stdlib on 3.15, else the
    record (cpython315.py)."""
    if IS_315:
        return (run_body(BODIES[name], stdlib_mmap, str(tmp_path / "stdlib")),
                "stdlib mmap %d.%d" % PY[:2])
    reason = ORACLE.unusable_reason()
    if reason:
        pytest.skip(reason)
    return ORACLE.trace(name), "CPython 3.15 stdlib (recorded)"


@pytest.mark.skipif(not IS_315, reason="needs the CPython 3.15 stdlib")
@pytest.mark.skipif(ORACLE.unusable_reason() is not None,
                    reason=str(ORACLE.unusable_reason()))
def test_record_matches_stdlib(tmp_path):
    """The record older interpreters compare with is what this 3.15 stdlib
    does, for every body (re-record with record_cpython315.py when a body
    changes)."""
    assert ORACLE.bodies() == set(BODIES), (
        "bodies and record differ: only bodies %s, only record %s" % (
            sorted(set(BODIES) - ORACLE.bodies()),
            sorted(ORACLE.bodies() - set(BODIES))))
    for name, fn in sorted(BODIES.items()):
        live = run_body(fn, stdlib_mmap, str(tmp_path / name))
        assert_same_trace(ORACLE.trace(name), live, "record " + name,
                          "stdlib " + name)


def test_bodies_are_deterministic(fast, tmp_path):
    """Guard against traces that depend on addresses, fds or timing: every
    body run twice gives the same trace (on the stdlib where it is the
    spec, else on fastmmap)."""
    mod = stdlib_mmap if IS_315 else fast
    for name, fn in sorted(BODIES.items()):
        a = run_body(fn, mod, str(tmp_path / name / "a"))
        b = run_body(fn, mod, str(tmp_path / name / "b"))
        assert_same_trace(a, b, name + " run 1", name + " run 2")
        aborted = [e for e in a if e[0] == "BODY ABORTED"]
        assert not aborted, aborted


def spec_module():
    """(constants, method names) of CPython 3.15's mmap module."""
    if IS_315:
        return ({n: getattr(stdlib_mmap, n) for n in dir(stdlib_mmap)
                 if n.isupper()},
                sorted(n for n in dir(stdlib_mmap.mmap) if not n.startswith("_")))
    reason = ORACLE.unusable_reason()
    if reason:
        pytest.skip(reason)
    return ORACLE.data["module"]["constants"], ORACLE.data["module"]["methods"]


def test_constants(fast):
    constants, _ = spec_module()
    missing = sorted(n for n in constants if not hasattr(fast, n))
    assert not missing, "fastmmap lacks %s" % missing
    for name, value in constants.items():
        assert getattr(fast, name) == value, name
        assert type(getattr(fast, name)) is int, name
    assert fast.error is OSError


def test_methods(fast):
    _, methods = spec_module()
    missing = sorted(n for n in methods if not hasattr(fast.mmap, n))
    assert not missing, "fastmmap.mmap lacks %s" % missing


def test_signatures(fast):
    """inspect.signature works for every public method and gives 3.15's
    parameters."""
    if IS_315:
        expected = module_record(stdlib_mmap)["signatures"]
    else:
        spec_module()
        expected = ORACLE.data["module"]["signatures"]
    for name, signature in sorted(expected.items()):
        assert str(inspect.signature(getattr(fast.mmap, name))) == signature, name
