"""The scripts of docs/examples/ (the documentation's examples page) run and
give the right answers, checked against plain Python on small generated
files.

The scripts live in docs/examples/ ($FASTMMAP_EXAMPLES overrides); where the
tests run from a copy of tests/ without them, these tests are skipped.  The
Dask example needs ``dask.distributed`` (the ``dask`` dependency group) and
starts a LocalCluster of two worker processes on 127.0.0.1.
"""
import importlib.util
import os
import subprocess
import sys

import pytest

from conftest import AGAINST_STDLIB
from support import env_with_package_path

np = pytest.importorskip("numpy")

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.environ.get("FASTMMAP_EXAMPLES") or os.path.join(
    os.path.dirname(HERE), "docs", "examples")

pytestmark = [
    pytest.mark.skipif(AGAINST_STDLIB, reason="the examples use fastmmap's extras"),
    pytest.mark.skipif(not os.path.isdir(EXAMPLES),
                       reason="no docs/examples next to tests/ (set FASTMMAP_EXAMPLES)"),
]


def contents(paths):
    """(path, the file's bytes) for each path."""
    for path in paths:
        with open(path, "rb") as f:
            yield path, f.read()


def load(name):
    spec = importlib.util.spec_from_file_location(
        "fastmmap_example_" + name, os.path.join(EXAMPLES, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def log_text(lines, seed=1, every=7):
    """Log-like lines, every ``every``-th (about) holding ERROR."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(lines):
        level = b"ERROR" if rng.integers(every) == 0 else b"INFO"
        out.append(b"%06d %s %s\n" % (i, level, b"x" * int(rng.integers(0, 80))))
    return b"".join(out)


@pytest.fixture
def logs(tmp_path):
    """Files with the edge cases: empty, no final newline, ERROR on the
    first and last line, adjacent ERROR lines, one line longer than a
    Dask range."""
    contents = {
        "empty.log": b"",
        "plain.log": log_text(3000),
        "edges.log": b"ERROR first\nok\nERROR\nERROR again\nok\nok\nok\nlast ERROR",
        "long-line.log": b"head\n" + b"y" * 300_000 + b"ERROR" + b"z" * 1000 + b"\nERROR\n",
        "dense.log": log_text(20000, seed=2, every=2),
    }
    paths = []
    for name, data in contents.items():
        path = tmp_path / name
        path.write_bytes(data)
        paths.append(str(path))
    return paths


def grep_reference(data, needle, before=1, after=1):
    lines = data.splitlines(keepends=True)
    keep = set()
    for i, line in enumerate(lines):
        if needle in line:
            keep.update(range(max(0, i - before), min(len(lines), i + after + 1)))
    blocks, out = [], []
    for i in sorted(keep):
        if blocks and blocks[-1][-1] == i - 1:
            blocks[-1].append(i)
        else:
            blocks.append([i])
    for block in blocks:
        out.append((block[0] + 1, b"".join(lines[i] for i in block)))
    return out


def test_grep_context(logs):
    grep_context = load("grep_context")
    import fastmmap
    for path, data in contents(logs):
        with fastmmap.open(path) as m:
            got = [(n, bytes(text)) for n, text in grep_context.context(m, b"ERROR")]
        assert got == grep_reference(data, b"ERROR"), path


def test_count_lines(logs, capsys):
    count_lines = load("count_lines")
    assert count_lines.main(logs) == 0
    out = capsys.readouterr().out.splitlines()
    expected = [data.count(b"\n") for _, data in contents(logs)]
    assert [int(line.split()[0]) for line in out[:-1]] == expected
    assert out[-1].split() == [str(sum(expected)), "total"]


def test_records(tmp_path):
    records = load("records")
    path = str(tmp_path / "records.bin")
    records.write_records(path, 10_000, seed=3)
    got = records.summarize(path)
    data = np.fromfile(path, records.RECORD)
    for sensor in range(8):
        values = data["value"][data["sensor"] == sensor]
        assert got[sensor][0] == len(values)
        assert got[sensor][1] == pytest.approx(values.astype(np.float64).mean(), rel=1e-9)


def test_threads(logs):
    threads = load("threads")
    import fastmmap
    for path, data in contents(logs):
        with fastmmap.open(path) as m:
            for parts in (1, 2, 3, 7):
                assert threads.count_in_slices(m, b"ERROR", parts) == data.count(b"ERROR")


@pytest.mark.parametrize("script", ["processes.py", "threads.py", "grep_context.py"])
def test_scripts_run(logs, script):
    # As a user runs them: a fresh interpreter, the file on the command line
    # (processes.py starts a multiprocessing.Pool).
    path = logs[1]
    with open(path, "rb") as f:
        count = f.read().count(b"ERROR")
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, script), path],
                            env=env_with_package_path(), stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert ("%d matches" % count) in result.stdout or result.stdout.startswith("%d x " % count)


# -- the Dask example --------------------------------------------------------------------

def test_dask_split_at_lines(logs):
    sys.path.insert(0, EXAMPLES)
    try:
        import dask_scan
    finally:
        sys.path.remove(EXAMPLES)
    for path, data in contents(logs):
        for chunk in (1, 100, 4096, 65536, 1 << 30):
            ranges = dask_scan.split_at_lines(path, chunk)
            assert sum(length for _, _, length in ranges) == len(data)
            position = 0
            for p, offset, length in ranges:
                assert p == path and offset == position and length > 0
                position += length
                assert position == len(data) or data[position - 1:position] == b"\n"


def test_dask_scan_equals_one_process(logs, monkeypatch):
    distributed = pytest.importorskip("dask.distributed",
                                      reason="dask.distributed is not installed "
                                             "(pip install --group dask)")
    # The workers are new processes: they import dask_scan from EXAMPLES.
    monkeypatch.setenv("PYTHONPATH", env_with_package_path(EXAMPLES)["PYTHONPATH"])
    monkeypatch.syspath_prepend(EXAMPLES)
    import dask_scan

    reference = dask_scan.scan_files_here(logs, b"ERROR")
    for path, data in contents(logs):
        lines, hits = reference[path]
        assert lines == data.count(b"\n")
        expected, i = [], data.find(b"ERROR")
        while i >= 0:
            expected.append(i)
            i = data.find(b"ERROR", i + 5)
        assert hits.tolist() == expected
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        for chunk in (4096, 65536, 1 << 26):
            result = dask_scan.scan_files(client, logs, b"ERROR", chunk)
            assert dask_scan.same(result, reference), chunk
        # The tasks ran in the worker processes, not here.
        pids = client.run(os.getpid)
        assert len(pids) == 2 and os.getpid() not in pids.values()
        with pytest.raises(ValueError):
            dask_scan.scan_files(client, logs, b"ERROR\n")


def test_dask_script(tmp_path):
    # The script end to end, as the docs show it: generate, scan with 1 and 2
    # workers, compare with one process (it exits 1 on a difference).
    pytest.importorskip("dask.distributed", reason="dask.distributed is not installed")
    mib = int(os.environ.get("FASTMMAP_DASK_EXAMPLE_MIB", "4"))
    result = subprocess.run(
        [sys.executable, os.path.join(EXAMPLES, "dask_scan.py"), "--workers", "1", "2",
         "--generate", "4", str(mib), str(tmp_path / "logs")],
        env=env_with_package_path(), stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=600)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("equal to one process") == 2
