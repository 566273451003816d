"""The ``fastmmap`` command as a whole process against the tools it mimics.

``fastmmap lines FILE`` against ``wc -l FILE``, with the file in the page
cache as written (large folios) and again after its pages were dropped and
read back 4 KiB at a time without readahead (4 KiB pages);
``fastmmap count NEEDLE FILE`` against ``rg -c --count-matches -F NEEDLE
FILE`` (ripgrep), for the suite's 18 absent needles and two present ones;
and ``fastmmap grep NEEDLE FILE`` against ``rg -F NEEDLE FILE`` with the
output written to a file, for an absent, a rare and three frequent needles.
Each round starts a fresh
process, so interpreter start-up is included, as a shell user sees it.  The
page cache is warm (the ``corpus`` fixture read the file).  Every round's
output is checked.

The fastmmap command is the console script installed next to this Python
(so no pyenv shim or similar wrapper is timed); without one, ``python -m
fastmmap`` is used.  Either is checked to import the fastmmap the suite
imported (PYTHONPATH is set to its tree when it would not), and the note in
the summary says which it was (about_fastmmap.cli_command).
"""
import functools
import hashlib
import os
import shutil
import subprocess

import pytest

from corpus import NEEDLE_CLASSES, NEEDLE_LENGTHS
from processes import ROUNDS, cli_escape, fastmmap_command, run_to_file, timed

PRESENT_NEEDLES = (b" the ", b"qu")


@functools.cache
def present_count(path, needle):
    with open(path, "rb") as fh:
        return fh.read().count(needle)


def small_pages(path):
    """Drop the file's pages from the page cache and read them back 4 KiB at
    a time with readahead off: the cache then holds it in 4 KiB pages (as
    after memory pressure), not in the large folios that writing or a
    sequential read with readahead leave.  Pages another process has
    mapped are not dropped."""
    os.sync()
    with open(path, "rb", buffering=0) as fh:
        fd = fh.fileno()
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
        while fh.read(4096):
            pass
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_NORMAL)


@pytest.mark.parametrize("impl", ("fastmmap", "wc"))
@pytest.mark.parametrize("pages", ("as written", "4 KiB"))
def test_cli_lines(benchmark, record, corpus, impl, pages):
    row = "cli lines" if pages == "as written" else "cli lines, 4 KiB pages"
    benchmark.group = row
    if pages == "4 KiB":
        if not hasattr(os, "posix_fadvise"):
            pytest.skip("no posix_fadvise")
        small_pages(corpus.path)
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


# Absent, rare, and frequent: a word, a letter on most lines, a one-byte needle.
GREP_NEEDLES = (b"ERROR 504", b"qu", b" the ", b"e", b"z")


@functools.cache
def rg_grep_digest(path, needle):
    """(size, sha256) of rg -F's output: what fastmmap grep must print."""
    done = subprocess.run(["rg", "--no-config", "-F", "-e", os.fsdecode(needle), path],
                          capture_output=True, check=False)
    return len(done.stdout), hashlib.sha256(done.stdout).hexdigest()


def digest(path):
    with open(path, "rb") as fh:
        data = fh.read()
    return len(data), hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("impl", ("fastmmap", "rg"))
@pytest.mark.parametrize("needle", GREP_NEEDLES, ids=lambda n: repr(n.decode()))
def test_cli_grep(benchmark, record, corpus, impl, needle, tmp_path):
    if shutil.which("rg") is None:
        pytest.skip("no rg (ripgrep)")
    row = f"cli grep {needle!r}"
    benchmark.group = row
    out_path = str(tmp_path / "out")
    if impl == "rg":
        argv = ["rg", "--no-config", "-F", "-e", os.fsdecode(needle), corpus.path]
        note = "rg --no-config -F -e NEEDLE FILE > OUT"
    else:
        prefix, note = fastmmap_command()
        argv = prefix + ["grep", "--", cli_escape(needle), corpus.path]
    benchmark.pedantic(run_to_file, args=(argv, out_path), rounds=ROUNDS,
                       warmup_rounds=1, iterations=1)
    assert digest(out_path) == rg_grep_digest(corpus.path, needle)
    record(row, impl, "cli", note=note)
