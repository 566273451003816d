"""Helpers shared by the command-line tests (tests/test_cli*.py).

The tests drive ``python -m fastmmap`` as a user does, or ``_cli.main`` in
the test's process, and compare with the tools the commands mimic.
"""
import bisect
import os
import random
import subprocess
import sys

import pytest

from conftest import AGAINST_STDLIB, load_fastmmap
from support import env_with_package_path, naive_find_all

#: every CLI test module's pytestmark
SKIP_AGAINST_STDLIB = pytest.mark.skipif(
    AGAINST_STDLIB, reason="the command line needs fastmmap itself")

if not AGAINST_STDLIB:
    load_fastmmap()
    from fastmmap import _cli
    from fastmmap._cli import _parse

try:
    import numpy  # noqa: F401  (the corpus generator needs it)
    HAVE_NUMPY = True
except ImportError:
    HAVE_NUMPY = False
needs_numpy = pytest.mark.skipif(not HAVE_NUMPY, reason="the corpus generator needs NumPy")

TEXT = b"hello world\nfoo bar\nbaz hello\n\nlast hello line"   # no final newline


def run(*args, stdin=None, input=None, cwd=None, timeout=120):
    """Run ``python -m fastmmap ARGS``; returns the CompletedProcess (bytes)."""
    env = env_with_package_path()
    cmd = [sys.executable, "-m", "fastmmap"] + [os.fsdecode(a) for a in args]
    kw = {"input": input} if input is not None else {"stdin": stdin if stdin is not None
                                                      else subprocess.DEVNULL}
    return subprocess.run(cmd, capture_output=True, env=env, cwd=cwd,
                          timeout=timeout, **kw)


def call(capsysbinary, *args):
    """Run the command line in this process: (status, stdout, stderr) bytes."""
    status = _cli.main([os.fsdecode(a) for a in args])
    out, err = capsysbinary.readouterr()
    return status, out, err


def in_process(capsysbinary):
    """Like run(), but in this process through main() (no stdin): the
    variants of a behaviour a subprocess test already covers end to end.
    (Each test module makes it its ``inproc`` fixture.)"""
    def run_here(*args):
        status, out, err = call(capsysbinary, *args)
        return subprocess.CompletedProcess(args, status, out, err)
    return run_here


def assert_clean_error(proc, *fragments):
    """Exit 2, one line on stderr starting 'fastmmap: ', no traceback."""
    err = proc.stderr.decode()
    assert proc.returncode == 2, (proc.returncode, err)
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    return err


def file_maker(tmp_path):
    """``make(name, data) -> path`` of a file under tmp_path (the
    ``files`` fixture of conftest.py)."""
    def make(name, data):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return make


def rg_oracle(data, needle, numbers=True, prefix=b""):
    """The lines ``rg -U -F`` prints: every line an occurrence touches,
    occurrences taken left to right without overlapping."""
    starts = [0] + [i + 1 for i, byte in enumerate(data) if byte == 10]
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    if not needle:
        touched = set(range(len(lines)))
    else:
        touched = set()
        for hit in naive_find_all(data, needle):
            first = bisect.bisect_right(starts, hit) - 1
            last = bisect.bisect_right(starts, hit + len(needle) - 1) - 1
            touched.update(range(first, last + 1))
    return b"".join(b"%s%s%s\n" % (prefix, b"%d:" % (i + 1) if numbers else b"", lines[i])
                    for i in sorted(touched))


def tool(*argv, input=None, stdin=None):
    """stdout of a system tool (GNU grep, wc, ripgrep)."""
    kw = {"input": input} if input is not None else {"stdin": stdin or subprocess.DEVNULL}
    return subprocess.run(list(argv), capture_output=True, **kw).stdout


def big_text():
    """A few MiB of lines (more than one read block), with occurrences of
    the needles below at every distance from the block edges."""
    rng = random.Random(17)
    words = [b"ERROR", b"a;", b"};", b"}x", b"the", b"e", b"x" * 300, b"", b"\xc3\xa9"]
    lines = [b" ".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
             for _ in range(120_000)]
    return b"\n".join(lines) + b"\n"


NEEDLES = ["ERROR", "e", "the", ";\\n}", "x\\nth", "\\u00e9"]


def needle_bytes(text):
    return _parse.parse_needle(text)
