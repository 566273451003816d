"""The type stubs (fastmmap/__init__.pyi) against the compiled module.

* ``python -m mypy.stubtest fastmmap`` compares every name, signature and
  ``__all__`` of the stubs with what the module under test has at run time.
  tests/typecheck/ holds its mypy settings and the allowlists for what
  stubtest cannot see: each allowlist is used only where it applies, and an
  allowlist entry that no longer matches anything is an error.
* tests/typecheck/example.py, a typed use of the public API, must pass
  ``mypy --strict`` -- and run.

Both run in subprocesses from a temporary directory, with the directory
that holds the tested ``fastmmap`` package first on PYTHONPATH, so they see
the same module as the rest of the suite (an installed wheel or the source
tree).  Skipped when mypy is not installed (it is in the ``test`` extra).
"""
import os
import platform
import subprocess
import sys

import pytest

from conftest import AGAINST_STDLIB, load_fastmmap

pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
pytestmark = pytest.mark.skipif(AGAINST_STDLIB, reason="the stubs describe fastmmap itself")

HERE = os.path.dirname(os.path.abspath(__file__))
TYPECHECK = os.path.join(HERE, "typecheck")
MYPY_INI = os.path.join(TYPECHECK, "mypy.ini")
EXAMPLE = os.path.join(TYPECHECK, "example.py")
TIMEOUT = 600


def allowlists():
    """(allowlist files for this interpreter and platform, whether entries
    may go unused)."""
    names = []
    if sys.version_info < (3, 12):
        names.append("allowlist_before_py312.txt")
    if sys.platform == "linux" and platform.machine() not in ("x86_64", "AMD64", "i386", "i686"):
        names.append("allowlist_linux_not_x86.txt")
    tolerate_unused = False
    if sys.platform == "darwin":
        names.append("allowlist_darwin.txt")
        tolerate_unused = True  # the SDK decides which of them exist
    return [os.path.join(TYPECHECK, name) for name in names], tolerate_unused


def run(args, cwd):
    fastmmap = load_fastmmap()
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fastmmap.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [package_parent] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("MYPYPATH", None)
    return subprocess.run([sys.executable, *args], cwd=str(cwd), env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=TIMEOUT)


def check(proc, what):
    if proc.returncode != 0:
        pytest.fail("%s failed (exit %d)\n--- stdout\n%s\n--- stderr\n%s"
                    % (what, proc.returncode, proc.stdout, proc.stderr[-8000:]),
                    pytrace=False)


def test_stubtest(tmp_path):
    files, tolerate_unused = allowlists()
    args = ["-m", "mypy.stubtest", "fastmmap", "--mypy-config-file", MYPY_INI]
    for path in files:
        args += ["--allowlist", path]
    if tolerate_unused:
        args.append("--ignore-unused-allowlist")
    check(run(args, tmp_path), "stubtest")


def test_typed_example_passes_mypy_strict(tmp_path):
    proc = run(["-m", "mypy", "--strict", "--config-file", MYPY_INI,
                "--cache-dir", str(tmp_path / "mypy-cache"), EXAMPLE], tmp_path)
    check(proc, "mypy --strict %s" % EXAMPLE)


def test_typed_example_runs(tmp_path):
    proc = run([EXAMPLE], tmp_path)
    check(proc, "python %s" % EXAMPLE)
    assert "typing example: OK" in proc.stdout
