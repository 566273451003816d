"""Many files, every core: the command line against ripgrep, GNU grep and
wc on the file sets of filesets.py, and fastmmap.files against a loop of
the map's own methods.  Whole processes, warm page cache (each set is read
once before anything is timed), every round's output checked.

* ``files tree ...``: ``grep -r -n mmap`` over the source tree (rg with
  ``--no-ignore --hidden``, so both read the same files; the lines of the
  binary files are left out of the comparison: rg skips them silently,
  GNU grep reports them on stderr, fastmmap prints ``binary file ...``);
  ``lines`` of its C headers against ``wc -l``;
* ``files logs ...``: ``grep -n`` of a rare needle in the 64 logs, and
  ``lines`` of them;
* ``files 1024 MiB log ...``: ``grep`` of absent and rare needles in the
  logs as one file (1 GiB; smaller in a quick run, see filesets.LOG_MIB);
* ``lib ...``: fastmmap.files.count over the logs with 1 and 2 workers and
  against the per-file loop it replaces; ``m.count(b"\\n", workers=2)``
  against ``workers=1`` on that one mapped file;
* ``crossover ...``: the same bytes in files of 4 KiB to 4 MiB, scanned
  read whole against mapped (where mapping starts to pay: MAP_MIN).
"""
import os
import shutil
import subprocess
import time

import pytest

import filesets
from processes import fastmmap_command, timed, timed_to_file

fastmmap = pytest.importorskip("fastmmap")
files = pytest.importorskip("fastmmap.files")

needs_rg = pytest.mark.skipif(shutil.which("rg") is None, reason="no rg (ripgrep)")


@pytest.fixture(scope="module")
def tree():
    top = filesets.source_tree()
    if top is None:
        pytest.skip("no /usr/include nor standard library to copy")
    filesets.page_in(filesets.tree_files(top))
    return top


@pytest.fixture(scope="module")
def logs():
    paths = filesets.log_files()
    filesets.page_in(paths)
    return paths


@pytest.fixture(scope="module")
def big(logs):
    path = filesets.big_log()
    filesets.page_in([path])
    return path


def text_lines(out, binary_prefix=b"binary file "):
    """Output lines without the binary-file reports, sorted."""
    return sorted(line for line in out.splitlines() if not line.startswith(binary_prefix))


def tool_output(argv, cwd=None):
    return subprocess.run(argv, capture_output=True, check=False, cwd=cwd).stdout


# -- the source tree ---------------------------------------------------------------

@pytest.mark.parametrize("impl", ("fastmmap", "rg", "grep"))
def test_tree_grep(benchmark, record, tree, impl, tmp_path):
    row = "files tree grep -r -n mmap"
    benchmark.group = row
    if impl == "rg":
        if shutil.which("rg") is None:
            pytest.skip("no rg")
        argv = ["rg", "--no-config", "--no-ignore", "--hidden", "-n", "-F", "-e", "mmap", tree]
        note = "rg --no-config --no-ignore --hidden -n -F -e mmap TREE"
    elif impl == "grep":
        argv = ["grep", "-rnF", "-e", "mmap", tree]
        note = "grep -rnF -e mmap TREE"
    else:
        prefix, note = fastmmap_command()
        argv = prefix + ["grep", "-r", "-n", "mmap", tree]
    out = timed_to_file(benchmark, argv, str(tmp_path / "out"), statuses=(0, 1, 2))
    assert text_lines(out) == text_lines(
        tool_output(["grep", "-rnF", "-I", "-e", "mmap", tree]))
    record(row, impl, "cli", note=note)


@pytest.mark.parametrize("impl", ("fastmmap", "wc"))
def test_tree_lines(benchmark, record, tree, impl):
    row = "files tree lines (C headers)"
    benchmark.group = row
    headers = filesets.tree_files(tree, "include")
    if impl == "wc":
        argv = ["wc", "-l", *headers]
        note = "wc -l FILE... (the %d header files)" % len(headers)
    else:
        prefix, note = fastmmap_command()
        argv = prefix + ["lines", *headers]
    out = timed(benchmark, argv)
    assert out == tool_output(["wc", "-l", *headers])
    record(row, impl, "cli", note=note)


# -- the logs ----------------------------------------------------------------------

@pytest.mark.parametrize("impl", ("fastmmap", "rg", "grep"))
def test_logs_grep_rare(benchmark, record, logs, impl, tmp_path):
    needle = filesets.LOG_NEEDLES["rare"].decode()
    row = "files logs grep -n %s (%s)" % (needle, filesets.LOGS)
    benchmark.group = row
    if impl == "rg":
        if shutil.which("rg") is None:
            pytest.skip("no rg")
        argv = ["rg", "--no-config", "-n", "-F", "-e", needle, *logs]
        note = "rg --no-config -n -F -e NEEDLE FILE..."
    elif impl == "grep":
        argv = ["grep", "-nF", "-e", needle, *logs]
        note = "grep -nF -e NEEDLE FILE..."
    else:
        prefix, note = fastmmap_command()
        argv = prefix + ["grep", "-n", needle, *logs]
    out = timed_to_file(benchmark, argv, str(tmp_path / "out"))
    expected = tool_output(["grep", "-nF", "-e", needle, *logs])
    if impl == "fastmmap":
        assert out == expected                     # input order, as GNU grep
    else:
        assert sorted(out.splitlines()) == sorted(expected.splitlines())
    record(row, impl, "cli", note=note)


@pytest.mark.parametrize("impl", ("fastmmap", "wc"))
def test_logs_lines(benchmark, record, logs, impl):
    row = "files logs lines (%s)" % filesets.LOGS
    benchmark.group = row
    if impl == "wc":
        argv = ["wc", "-l", *logs]
        note = "wc -l FILE..."
    else:
        prefix, note = fastmmap_command()
        argv = prefix + ["lines", *logs]
    assert timed(benchmark, argv) == tool_output(["wc", "-l", *logs])
    record(row, impl, "cli", note=note)


@needs_rg
@pytest.mark.parametrize("impl", ("fastmmap", "rg"))
@pytest.mark.parametrize("which", ("absent", "absent-long", "rare"))
def test_big_log_grep(benchmark, record, big, impl, which, tmp_path):
    needle = filesets.LOG_NEEDLES[which].decode()
    row = "files %s log grep %s (%s)" % (filesets.BIG, needle, which)
    benchmark.group = row
    if impl == "rg":
        argv = ["rg", "--no-config", "-F", "-e", needle, big]
        note = "rg --no-config -F -e NEEDLE FILE"
    else:
        prefix, note = fastmmap_command()
        argv = prefix + ["grep", needle, big]
    out = timed_to_file(benchmark, argv, str(tmp_path / "out"))
    assert out == tool_output(["rg", "--no-config", "-F", "-e", needle, big])
    record(row, impl, "cli", note=note)


# -- the library ---------------------------------------------------------------------

def best_of(fn, rounds=5):
    best = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t0
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def per_file_loop(paths, needle):
    out = []
    for path in paths:
        with fastmmap.open(path) as m:
            out.append(m.count(needle))
    return out


@pytest.mark.parametrize("impl", ("fastmmap", "workers=1"))
def test_lib_count_workers(benchmark, record, logs, impl):
    row = "lib files.count(64 logs) workers=2 vs 1"
    benchmark.group = row
    workers = 2 if impl == "fastmmap" else 1
    expected = per_file_loop(logs, b"\n")
    got = benchmark.pedantic(
        lambda: [r.value for r in files.count(logs, workers=workers)],
        rounds=5, warmup_rounds=1, iterations=1)
    assert got == expected
    record(row, impl, "cli", note="files.count(paths, workers=N)")


@pytest.mark.parametrize("impl", ("fastmmap", "loop"))
def test_lib_count_against_the_loop(benchmark, record, tree, impl):
    row = "lib files.count(tree) workers=1 vs a loop of m.count"
    benchmark.group = row
    paths = filesets.tree_files(tree)
    if impl == "loop":
        got = benchmark.pedantic(per_file_loop, args=(paths, b"mmap"), rounds=3,
                                 warmup_rounds=1, iterations=1)
    else:
        got = benchmark.pedantic(
            lambda: [r.value for r in files.count(paths, b"mmap", workers=1)],
            rounds=3, warmup_rounds=1, iterations=1)
    assert got == per_file_loop(paths, b"mmap")
    record(row, impl, "cli", note="per-file loop: fastmmap.open(path).count(needle)")


@pytest.mark.parametrize("impl", ("fastmmap", "workers=1"))
def test_lib_map_count_workers(benchmark, record, big, impl):
    row = "lib m.count(b'\\n') on a mapped %s file, workers=2 vs 1" % filesets.BIG
    benchmark.group = row
    workers = 2 if impl == "fastmmap" else 1
    with fastmmap.open(big) as m:
        m.count(b"\n", workers=2)           # every page faulted in first
        expected = m.count(b"\n")
        got = benchmark.pedantic(m.count, args=(b"\n",), kwargs={"workers": workers},
                                 rounds=7, warmup_rounds=1, iterations=1)
    assert got == expected
    record(row, impl, "cli", note="m.count(b'\\n', workers=N) on an already mapped file")


# -- where mapping starts to pay -------------------------------------------------------

CROSSOVER_TOTAL = 64 << 20
CROSSOVER_SIZES = (4 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20)


@pytest.fixture(scope="module")
def crossover_dirs(tmp_path_factory):
    out = {}
    rng_line = b"2026-11-03T14:22:07.123Z INFO  [svc-3] req=9f3a1c2e user=u123456 ok\n"
    for size in CROSSOVER_SIZES:
        top = tmp_path_factory.mktemp("crossover-%d" % size)
        body = (rng_line * (size // len(rng_line) + 1))[:size]
        paths = []
        for i in range(CROSSOVER_TOTAL // size):
            path = str(top / ("f%05d" % i))
            with open(path, "wb") as fh:
                fh.write(body)
            paths.append(path)
        filesets.page_in(paths)
        out[size] = (paths, body.count(b"\n") * len(paths))
    return out


@pytest.mark.parametrize("how", ("fastmmap", "mapped"))
@pytest.mark.parametrize("size", CROSSOVER_SIZES, ids=lambda s: "%dKiB" % (s >> 10))
def test_crossover_map_or_read(benchmark, record, crossover_dirs, how, size):
    """64 MiB in files of one size, counted read whole ("fastmmap" here:
    no map) and mapped ("mapped": map_min 0), one worker: the speed-up says
    which costs less at that size."""
    import fastmmap._scan as _scan

    row = "crossover %d KiB files: read vs mapped" % (size >> 10)
    benchmark.group = row
    names, newlines = crossover_dirs[size]
    paths = [os.fsencode(p) for p in names]
    map_min = 1 << 62 if how == "fastmmap" else 0

    def count_all():
        run = _scan.Run(_scan.Pattern([b"\n"]), _scan.COUNT, paths, workers=1,
                        map_min=map_min)
        try:
            return sum(r[3] for r in run.results())
        finally:
            run.close()

    got = benchmark.pedantic(count_all, rounds=5, warmup_rounds=1, iterations=1)
    assert got == newlines
    record(row, how, "cli", note="crossover: speed-up > 1 where reading costs less than mapping")
