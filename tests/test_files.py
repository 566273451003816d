"""fastmmap.files: scans of many files on worker threads, against a loop
of the map's own methods over the same files, in the same order."""
import errno
import os
import random
import subprocess
import sys
import threading
import time

import pytest

from conftest import AGAINST_STDLIB, load_fastmmap
from support import cut_once_mapped, env_with_package_path, unprivileged_prefix

pytestmark = pytest.mark.skipif(AGAINST_STDLIB, reason="fastmmap.files")

if not AGAINST_STDLIB:
    fastmmap = load_fastmmap()
    import fastmmap.files as files

np = pytest.importorskip("numpy")

NEEDLES = [b"ERROR", b"a", b"ab", b"\n", b"xx\nx"]


def make_tree(root, seed=7):
    """A directory tree of text files: empty ones, small ones, a few big
    enough to be mapped, nested directories, a symbolic link to a file and
    a link loop (both skipped by the walk), and a FIFO (skipped too)."""
    rng = random.Random(seed)
    words = [b"ERROR", b"a", b"ab", b"b", b"xx", b"x", b"", b"\xc3\xa9"]
    paths = []
    for d in ("", "sub", "sub/deeper", "other", "other/x"):
        os.makedirs(os.path.join(root, d), exist_ok=True)
        for i in range(rng.randint(2, 6)):
            size = rng.choice([0, 10, 300, 5000, 70_000, 600_000])
            lines, total = [], 0
            while total < size:
                line = b" ".join(rng.choice(words) for _ in range(rng.randint(0, 8)))
                lines.append(line)
                total += len(line) + 1
            path = os.path.join(root, d, "f%d.txt" % i)
            with open(path, "wb") as fh:
                fh.write(b"\n".join(lines)[:size])
            paths.append(path)
    os.symlink(paths[0], os.path.join(root, "sub", "link.txt"))
    os.symlink(root, os.path.join(root, "sub", "loop"))
    os.mkfifo(os.path.join(root, "other", "fifo"))
    return paths


def walk_order(root):
    """grep -r's files under root, in fastmmap's order: os.walk top-down,
    names sorted, regular files only, links not followed."""
    out = []
    for top, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(top, name)
            if os.path.isfile(path) and not os.path.islink(path):
                out.append(path)
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("tree"))
    make_tree(root)
    return root


def per_file(paths, method, needle):
    """The loop the library replaces: one map per file."""
    out = []
    for path in paths:
        with fastmmap.open(path) as m:
            out.append((path, getattr(m, method)(needle)))
    return out


@pytest.mark.parametrize("workers", [1, 2, 4])
@pytest.mark.parametrize("needle", NEEDLES)
def test_count_equals_a_loop_of_map_counts(tree, workers, needle):
    got = [(r.path, r.value) for r in files.count([tree], needle, recursive=True,
                                                    workers=workers)]
    assert got == per_file(walk_order(tree), "count", needle)
    assert all(r.error is None for r in files.count([tree], recursive=True))


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("needle", NEEDLES)
def test_find_all_equals_a_loop_of_map_find_all(tree, workers, needle):
    got = list(files.find_all([tree], needle, recursive=True, workers=workers))
    expected = per_file(walk_order(tree), "find_all", needle)
    assert [r.path for r in got] == [p for p, _ in expected]
    for result, (_, offsets) in zip(got, expected):
        assert result.value.dtype == np.int64
        assert np.array_equal(result.value, offsets)


def oracle_lines(data, needle, invert=False):
    lines = data.split(b"\n") if data else []
    if data.endswith(b"\n"):
        lines.pop()
    out, offset = [], 0
    for number, line in enumerate(lines, 1):
        if (needle in line) != invert:
            out.append((number, offset, line))
        offset += len(line) + 1
    return out


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("needle", [b"ERROR", b"ab", b"x"])
@pytest.mark.parametrize("invert", [False, True])
def test_grep_lines(tree, workers, needle, invert):
    got = list(files.grep([tree], needle, recursive=True, workers=workers, invert=invert))
    paths = walk_order(tree)
    assert [r.path for r in got] == paths
    for result, path in zip(got, paths):
        with open(path, "rb") as fh:
            assert [tuple(line) for line in result.value] == oracle_lines(fh.read(), needle,
                                                                          invert)


def test_input_order_and_path_types(tree):
    paths = walk_order(tree)[::-1]
    assert [r.path for r in files.count(paths, workers=3)] == paths
    as_bytes = [os.fsencode(p) for p in paths]
    assert [r.path for r in files.count(as_bytes)] == as_bytes
    import pathlib
    assert [r.path for r in files.count([pathlib.Path(p) for p in paths])] == paths
    assert [r.path for r in files.count(paths[0])] == [paths[0]]


def test_errors_are_per_file(tree, tmp_path):
    good = walk_order(tree)[0]
    results = list(files.count([str(tmp_path / "missing"), good, tree], b"a"))
    missing, ok, directory = results
    assert isinstance(missing.error, FileNotFoundError) and missing.value is None
    assert missing.error.filename == str(tmp_path / "missing")
    assert ok.error is None and isinstance(ok.value, int)
    assert isinstance(directory.error, IsADirectoryError)


_UNREADABLE_CHILD = r"""
import os, sys
import fastmmap.files as files

root = sys.argv[1]
for r in files.count([root], b"x", recursive=True, workers=2):
    print(os.path.basename(r.path), r.value,
          type(r.error).__name__ if r.error else None, r.error and r.error.filename)
"""


def test_unreadable_files_and_directories(tmp_path):
    """Without the permission to read them (a child run without
    CAP_DAC_OVERRIDE when the tests run as root): each is reported, the
    rest scanned."""
    prefix = unprivileged_prefix()
    if prefix is None:
        pytest.skip("root, and no setpriv to drop the power to read anything")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "a").write_bytes(b"x\n")
    (tmp_path / "b").write_bytes(b"x\n")
    (tmp_path / "c").write_bytes(b"x\n")
    os.chmod(tmp_path / "c", 0)
    os.chmod(tmp_path / "secret", 0)
    try:
        done = subprocess.run(prefix + [sys.executable, "-c", _UNREADABLE_CHILD, str(tmp_path)],
                              capture_output=True, text=True, env=env_with_package_path(),
                              timeout=60)
    finally:
        os.chmod(tmp_path / "secret", 0o755)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "b 1 None None",
        "c None PermissionError %s" % (tmp_path / "c"),
        "secret None PermissionError %s" % (tmp_path / "secret"),
    ]


def test_empty_inputs(tmp_path):
    assert list(files.count([])) == []
    (tmp_path / "empty").mkdir()
    assert list(files.count([str(tmp_path / "empty")], recursive=True)) == []
    path = tmp_path / "zero"
    path.write_bytes(b"")
    (result,) = files.find_all([str(path)], b"x")
    assert result.value.tolist() == [] and result.error is None
    (result,) = files.count([str(path)], b"")
    assert result.value == 1       # bytes.count: the empty needle at the end


def test_bad_arguments(tree):
    with pytest.raises(ValueError):
        files.count([tree], workers=0)
    with pytest.raises(TypeError):
        files.count([tree], "str needle")
    with pytest.raises(ValueError):
        files.count([tree], [])


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """40 MiB of lines: big enough to be scanned in two parts (16 MiB or
    more each) when a worker would otherwise be idle."""
    rng = random.Random(3)
    words = [b"ERROR", b"ab", b"a", b"b", b"xx", b"x"]
    line_set = [b" ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
                for _ in range(997)]
    block = b"\n".join(line_set) + b"\n"
    data = (block * ((40 << 20) // len(block) + 1))[:40 << 20]
    path = str(tmp_path_factory.mktemp("big") / "big.txt")
    with open(path, "wb") as fh:
        fh.write(data)
    return path, data


@pytest.mark.parametrize("needle", [b"ERROR", b"ab", b"\n"])
def test_a_big_file_is_split_when_a_worker_is_idle(big_file, needle):
    """With 2 workers and one big file, the file is scanned in parts by
    both workers (Run.splits), and the parts add up to the whole's answer."""
    from fastmmap import _scan

    path, data = big_file
    for workers, splits in ((1, 0), (2, 1)):
        for kind in (_scan.COUNT, _scan.OFFSETS):
            run = _scan.Run(_scan.Pattern([needle]), kind, [os.fsencode(path)],
                            workers=workers)
            (result,) = run.results()
            assert run.splits == splits
            run.close()
            assert result[1] == 0 and result[3] == data.count(needle)
    by_workers = [list(files.find_all([path], needle, workers=w))[0].value for w in (1, 2)]
    assert np.array_equal(by_workers[0], by_workers[1])
    assert len(by_workers[0]) == data.count(needle)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc")
def test_a_file_cut_short_while_scanned(tree, tmp_path):
    """A big file truncated under its map reports EFAULT for that file; the
    files around it are scanned as usual."""
    sparse = str(tmp_path / "sparse")
    with open(sparse, "wb") as fh:
        fh.truncate(1 << 30)
    paths = [walk_order(tree)[0], sparse, walk_order(tree)[1]]
    with cut_once_mapped(sparse, 4096) as cut:
        results = list(files.count(paths, b"x", workers=2))
    assert cut
    assert results[0].error is None and results[2].error is None
    assert results[1].error.errno == errno.EFAULT
    assert results[1].error.filename == sparse


def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


def mapped(path):
    with open("/proc/self/maps") as maps:
        return path in maps.read()


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")
def test_leaving_early_closes_everything(tree):
    before = open_descriptors()
    results = files.count([tree] * 50, recursive=True, workers=2)
    next(results)
    results.close()
    assert open_descriptors() == before
    for _ in files.grep([tree], b"a", recursive=True):
        break
    assert open_descriptors() == before


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="needs /proc")
def test_ctrl_c_stops_the_workers(tmp_path):
    """KeyboardInterrupt (Ctrl-C) in the consumer cancels the run promptly:
    no file is left open or mapped."""
    import _thread

    paths = []
    for i in range(8):
        path = str(tmp_path / ("big%d" % i))
        with open(path, "wb") as fh:
            fh.truncate(1 << 30)      # sparse: 8 GiB of zeros to scan
        paths.append(path)
    before = open_descriptors()
    timer = threading.Timer(0.2, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        for _ in files.count(paths, b"x", workers=2):
            pass
    timer.join()
    assert time.monotonic() - started < 5
    assert open_descriptors() == before
    assert not any(mapped(p) for p in paths)
