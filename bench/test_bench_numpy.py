"""NumPy benchmarks: making an array over a map, and reducing over it.

Self-contained (its fixtures are defined here, prefixed ``np_``).  Run with
``python -m pytest bench/test_bench_numpy.py --benchmark-only``.

* ``create ...`` groups: the cost of getting an ndarray over mapped memory:
  ``numpy.memmap(path)`` (opens the file and maps it every time), the plain
  buffer protocol (``np.asarray`` / ``np.frombuffer``) over a stdlib and a
  fastmmap map, ``m.as_array()``, and the fair counterpart of
  ``numpy.memmap``: open + ``fastmmap.mmap`` + ``as_array``.
* ``sum ...`` group: ``.sum()`` over a uint64 view of a large file (256 MiB by
  default, ``FASTMMAP_BENCH_NUMPY_MB`` to change), made deterministically in
  the temp directory and kept there for later runs.  All three arrays are
  plain views of the page cache, so the ratios should be ~1: the point is
  that as_array adds nothing to the scan.

Every benchmark checks its answer.
"""
import mmap as stdlib_mmap
import os
import tempfile

import numpy as np
import pytest

import fastmmap

CREATE_FILE_SIZE = 1 << 20
SUM_MB = int(os.environ.get("FASTMMAP_BENCH_NUMPY_MB", "256"))
SUM_ROUNDS = int(os.environ.get("FASTMMAP_BENCH_NUMPY_ROUNDS", "10"))
ROWS, COLS, OFFSET = 64, 2000, 4096  # the 2-D float64 view


# -- data files ---------------------------------------------------------------

def _cached_file(name, size, fill):
    """Path of ``name`` in the temp directory, created by ``fill(f)`` unless a
    file of the right size is already there (written under a temporary name
    and renamed, so an interrupted run never leaves a short file)."""
    path = os.path.join(tempfile.gettempdir(), name)
    if not (os.path.exists(path) and os.path.getsize(path) == size):
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "wb") as f:
            fill(f)
        assert os.path.getsize(tmp) == size
        os.replace(tmp, path)
    return path


def _u64_count():
    return SUM_MB * (1 << 20) // 8


def _fill_u64(f):
    """uint64 values 0, 1, 2, ... written in 8 MiB chunks."""
    chunk = 1 << 20
    total = _u64_count()
    for start in range(0, total, chunk):
        np.arange(start, min(start + chunk, total), dtype="<u8").tofile(f)


def _u64_expected_sum():
    n = _u64_count()
    return (n * (n - 1) // 2) % 2**64  # numpy wraps uint64 sums


@pytest.fixture(scope="module")
def np_small_file():
    def fill(f):
        f.write(bytes(range(256)) * (CREATE_FILE_SIZE // 256))
    return _cached_file("fastmmap-bench-numpy-1MiB.bin", CREATE_FILE_SIZE, fill)


@pytest.fixture(scope="module")
def np_u64_file():
    path = _cached_file("fastmmap-bench-numpy-u64-%dMiB.bin" % SUM_MB,
                        _u64_count() * 8, _fill_u64)
    # Spot-check a cached file, then read it once into the page cache.
    check = np.memmap(path, "<u8", "r")
    for i in (0, 1, len(check) // 2, len(check) - 1):
        assert int(check[i]) == i, "stale %s: delete it" % path
    del check
    with open(path, "rb") as f:
        while f.read(1 << 24):
            pass
    return path


def _open_maps(path, write):
    """{impl: map} for the stdlib and fastmmap, ACCESS_WRITE or ACCESS_READ."""
    maps = {}
    with open(path, "r+b" if write else "rb") as f:
        for name, mod in (("stdlib", stdlib_mmap), ("fastmmap", fastmmap)):
            maps[name] = mod.mmap(f.fileno(), 0, access=(
                mod.ACCESS_WRITE if write else mod.ACCESS_READ))
    return maps


def _close_all(maps):
    for m in maps.values():
        m.close()


# -- creation cost ------------------------------------------------------------

CREATE_IMPLS = [
    "numpy.memmap(path)",
    "stdlib np.frombuffer(m)",
    "stdlib np.asarray(m)",
    "fastmmap np.asarray(m)",
    "fastmmap m.as_array()",
    "fastmmap open+mmap+as_array",
]


def _uint8_creator(impl, path, maps, write):
    mode = "r+" if write else "r"
    if impl == "numpy.memmap(path)":
        return lambda: np.memmap(path, np.uint8, mode)
    if impl == "stdlib np.frombuffer(m)":
        m = maps["stdlib"]
        return lambda: np.frombuffer(m, np.uint8)
    if impl == "stdlib np.asarray(m)":
        m = maps["stdlib"]
        return lambda: np.asarray(m)
    if impl == "fastmmap np.asarray(m)":
        m = maps["fastmmap"]
        return lambda: np.asarray(m)
    if impl == "fastmmap m.as_array()":
        return maps["fastmmap"].as_array
    if impl == "fastmmap open+mmap+as_array":
        flags = "r+b" if write else "rb"
        access = fastmmap.ACCESS_WRITE if write else fastmmap.ACCESS_READ

        def make():
            with open(path, flags) as f:
                return fastmmap.mmap(f.fileno(), 0, access=access).as_array()
        return make
    raise AssertionError(impl)


@pytest.mark.parametrize("write", [False, True], ids=["read", "write"])
@pytest.mark.parametrize("impl", CREATE_IMPLS)
def test_create_uint8_view(benchmark, np_small_file, impl, write):
    benchmark.group = "create 1-D uint8 view of a 1 MiB map (%s)" % (
        "ACCESS_WRITE / r+" if write else "ACCESS_READ / r")
    maps = _open_maps(np_small_file, write)
    try:
        arr = benchmark(_uint8_creator(impl, np_small_file, maps, write))
        assert arr.shape == (CREATE_FILE_SIZE,) and arr.dtype == np.uint8
        assert arr[:256].tobytes() == bytes(range(256)) and arr[-1] == 255
        assert arr.flags.writeable is write
        del arr
    finally:
        _close_all(maps)


CREATE_2D_IMPLS = ["numpy.memmap(path)", "stdlib np.ndarray(buffer=m)",
                   "fastmmap m.as_array()"]


@pytest.mark.parametrize("impl", CREATE_2D_IMPLS)
def test_create_2d_float64_view(benchmark, np_small_file, impl):
    benchmark.group = "create (%d, %d) float64 view at offset %d (read-only)" % (
        ROWS, COLS, OFFSET)
    maps = _open_maps(np_small_file, write=False)
    shape = (ROWS, COLS)
    try:
        if impl == "numpy.memmap(path)":
            arr = benchmark(np.memmap, np_small_file, np.float64, "r", OFFSET, shape)
        elif impl == "stdlib np.ndarray(buffer=m)":
            # NB: holds no buffer export (stdlib close() would succeed).
            arr = benchmark(np.ndarray, shape, np.float64, maps["stdlib"], OFFSET)
        else:
            arr = benchmark(maps["fastmmap"].as_array, np.float64, shape, OFFSET)
        expected = np.frombuffer(maps["fastmmap"], np.float64, ROWS * COLS, OFFSET)
        assert arr.shape == shape and arr.dtype == np.float64
        assert np.array_equal(arr.ravel(), expected, equal_nan=True)
        del arr, expected
    finally:
        _close_all(maps)


# -- reduction ----------------------------------------------------------------

SUM_IMPLS = ["numpy.memmap", "stdlib np.frombuffer", "fastmmap m.as_array"]


@pytest.mark.parametrize("impl", SUM_IMPLS)
def test_sum_uint64(benchmark, np_u64_file, impl):
    benchmark.group = "sum uint64 view of a %d MiB file" % SUM_MB
    expected = _u64_expected_sum()
    maps = _open_maps(np_u64_file, write=False)
    # The array lives only in `held`: pytest-benchmark keeps the timed
    # function, and the maps cannot close while an array of theirs exists.
    held = []
    try:
        if impl == "numpy.memmap":
            held.append(np.memmap(np_u64_file, "<u8", "r"))
        elif impl == "stdlib np.frombuffer":
            held.append(np.frombuffer(maps["stdlib"], "<u8"))
        else:
            held.append(maps["fastmmap"].as_array("<u8"))
        arr = held[0]
        assert arr.shape == (_u64_count(),)

        def reduce():
            return int(held[0].sum())

        total = benchmark.pedantic(reduce, rounds=SUM_ROUNDS, iterations=1,
                                   warmup_rounds=1)
        assert total == expected
        nbytes = arr.nbytes
        benchmark.extra_info["bytes"] = nbytes
        benchmark.extra_info["GB/s (best)"] = round(
            nbytes / benchmark.stats.stats.min / 1e9, 2)
        del arr
    finally:
        held.clear()
        _close_all(maps)
