"""The ``fastmmap`` command as a whole process against the tools it mimics.

``fastmmap lines FILE`` against ``wc -l FILE``, and ``fastmmap count NEEDLE
FILE`` against ``rg -c --count-matches -F NEEDLE FILE`` (ripgrep), for the
suite's 18 absent needles and two present ones.  Each round starts a fresh
process, so interpreter start-up is included, as a shell user sees it.  The
page cache is warm (the ``corpus`` fixture read the file).  Every round's
output is checked.

The fastmmap command is the console script installed next to this Python
(so no pyenv shim or similar wrapper is timed); without one, ``python -m
fastmmap`` is used and the note in the summary says so.
"""
import functools
import os
import shutil
import subprocess
import sys
import sysconfig

import pytest

from corpus import NEEDLE_CLASSES, NEEDLE_LENGTHS

ROUNDS = int(os.environ.get("FASTMMAP_BENCH_ROUNDS", 5))

PRESENT_NEEDLES = (b" the ", b"qu")


def fastmmap_command():
    """(argv prefix, note) for running the fastmmap command line."""
    script = os.path.join(sysconfig.get_path("scripts"), "fastmmap")
    if os.path.isfile(script) and os.access(script, os.X_OK):
        return [script], "console script " + script
    return [sys.executable, "-m", "fastmmap"], "python -m fastmmap (no console script)"


def cli_escape(needle):
    """NEEDLE as fastmmap's command line reads it (Python-style escapes)."""
    return os.fsdecode(needle.replace(b"\\", b"\\\\").replace(b"\n", b"\\n"))


@functools.cache
def present_count(path, needle):
    with open(path, "rb") as fh:
        return fh.read().count(needle)


def run(argv):
    done = subprocess.run(argv, capture_output=True, check=False)
    assert done.returncode in (0, 1), (argv, done.returncode, done.stderr)
    return done.stdout


def timed(benchmark, argv):
    return benchmark.pedantic(run, args=(argv,), rounds=ROUNDS, warmup_rounds=1,
                              iterations=1)


@pytest.mark.parametrize("impl", ("fastmmap", "wc"))
def test_cli_lines(benchmark, record, corpus, impl):
    row = "cli lines"
    benchmark.group = row
    if impl == "wc":
        if shutil.which("wc") is None:
            pytest.skip("no wc")
        out = timed(benchmark, ["wc", "-l", corpus.path])
        note = "wc -l FILE"
    else:
        prefix, note = fastmmap_command()
        out = timed(benchmark, prefix + ["lines", corpus.path])
    assert int(out.split()[0]) == corpus.lines
    record(row, impl, "cli", note=note)


NEEDLE_KEYS = [(cls, length) for cls in NEEDLE_CLASSES for length in NEEDLE_LENGTHS]


@pytest.mark.parametrize("impl", ("fastmmap", "rg"))
@pytest.mark.parametrize("which", NEEDLE_KEYS + list(PRESENT_NEEDLES),
                         ids=lambda w: f"{w[0]}-{w[1]}" if isinstance(w, tuple)
                         else "present-" + w.decode().strip())
def test_cli_count(benchmark, record, corpus, impl, which):
    needle = corpus.needles[which] if isinstance(which, tuple) else which
    expected = 0 if isinstance(which, tuple) else present_count(corpus.path, needle)
    label = (f"{which[0]}-{which[1]}" if isinstance(which, tuple)
             else f"present {needle!r}")
    row = f"cli count {label}"
    benchmark.group = row
    if impl == "rg":
        if shutil.which("rg") is None:
            pytest.skip("no rg (ripgrep)")
        # a needle holding a newline needs multiline mode (-U)
        multiline = ["-U"] if b"\n" in needle else []
        out = timed(benchmark, ["rg", "-c", "--count-matches", "-F", *multiline,
                                "-e", os.fsdecode(needle), corpus.path])
        note = "rg -c --count-matches -F [-U] -e NEEDLE FILE (-U: needles with a newline)"
    else:
        prefix, note = fastmmap_command()
        out = timed(benchmark, prefix + ["count", "--", cli_escape(needle), corpus.path])
    # rg prints nothing for no match; fastmmap prints 0 (and both exit 1)
    assert int(out or b"0") == expected
    record(row, impl, "cli", note=note)
