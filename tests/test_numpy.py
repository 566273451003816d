"""NumPy interoperation: ``mmap.as_array`` and the buffer protocol.

Every test runs against both implementations (``mmap_module`` fixture).  The
stdlib map has no ``as_array`` method, so for it the tests call the
implementation function ``fastmmap._array.as_array`` directly; that checks
the function works over any byte-buffer exporter with the stdlib's export
rules, and, for fastmmap, the method is what is exercised.
"""
import gc
import os
import pickle
import subprocess
import sys

import pytest

np = pytest.importorskip("numpy")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fastmmap import _array  # noqa: E402

from support import Idx  # noqa: E402

PAGE = 4096
SIZE = 16 * PAGE
PATTERN = bytes((i * 7 + 3) & 0xFF for i in range(SIZE))

ACCESS_NAMES = ["ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY", "ACCESS_DEFAULT"]


def as_array(m, *args, **kwargs):
    method = getattr(m, "as_array", None)
    if method is not None:
        return method(*args, **kwargs)
    return _array.as_array(m, *args, **kwargs)


def address(m):
    """The map's base address, found through a separate export."""
    view = np.frombuffer(m, np.uint8)
    try:
        return view.ctypes.data
    finally:
        del view


def export_of(arr):
    """The first non-ndarray object on the array's ``.base`` chain."""
    base = arr.base
    while isinstance(base, np.ndarray):
        base = base.base
    return base


def close_when_free(m):
    """Close ``m``; first collect garbage if an array of it is still alive."""
    try:
        m.close()
    except BufferError:
        gc.collect()
        try:
            m.close()
        except BufferError:
            pass  # a failed test's traceback still holds one: GC unmaps it


@pytest.fixture
def anon(mmap_module):
    m = mmap_module.mmap(-1, SIZE)
    m[:] = PATTERN
    yield m
    close_when_free(m)


@pytest.fixture
def open_map(mmap_module, make_file):
    """``open_map(access_name, data=PATTERN) -> (map, path)`` over a file."""
    opened = []

    def open_(access_name="ACCESS_DEFAULT", data=PATTERN):
        path = make_file(data)
        with open(path, "r+b") as f:
            m = mmap_module.mmap(f.fileno(), 0,
                                 access=getattr(mmap_module, access_name))
        opened.append(m)
        return m, path

    yield open_
    for m in opened:
        close_when_free(m)


# --------------------------------------------------------------------------
# Shared memory and write-through


def test_as_array_shares_memory(anon):
    arr = as_array(anon)
    assert arr.dtype == np.uint8
    assert arr.shape == (SIZE,)
    assert arr.tobytes() == PATTERN
    other = np.frombuffer(anon, np.uint8)
    assert np.shares_memory(arr, other)
    assert arr.ctypes.data == other.ctypes.data
    del other


@pytest.mark.parametrize("offset", [0, 1, 7, PAGE, SIZE - 1, SIZE])
def test_offset_is_an_address_offset(anon, offset):
    base = address(anon)
    arr = as_array(anon, offset=offset)
    assert arr.ctypes.data == base + offset
    assert arr.shape == (SIZE - offset,)
    assert arr.tobytes() == PATTERN[offset:]


def test_write_through_array_to_map(anon):
    arr = as_array(anon)
    arr[:5] = np.frombuffer(b"hello", np.uint8)
    assert anon[:5] == b"hello"
    words = as_array(anon, np.uint32, offset=8, shape=2)
    words[:] = [0x01020304, 0xA0B0C0D0]
    assert anon[8:16] == np.array([0x01020304, 0xA0B0C0D0], np.uint32).tobytes()


def test_write_through_map_to_array(anon):
    arr = as_array(anon, np.uint16)
    anon[10:14] = b"\x01\x00\xff\xff"
    assert arr[5] == 1 and arr[6] == 0xFFFF
    anon.seek(100)
    anon.write(b"\x34\x12")
    assert arr[50] == 0x1234


@pytest.mark.parametrize("access_name", ["ACCESS_WRITE", "ACCESS_DEFAULT"])
def test_write_through_to_file(open_map, access_name):
    m, path = open_map(access_name)
    arr = as_array(m, np.uint8, offset=PAGE, shape=(2, 8))
    arr[1, :] = np.arange(8, dtype=np.uint8) + 200
    m.flush()
    with open(path, "rb") as f:
        data = f.read()
    expected = bytearray(PATTERN)
    expected[PAGE + 8:PAGE + 16] = bytes(range(200, 208))
    assert data == bytes(expected)


def test_copy_on_write_map_keeps_file(open_map):
    m, path = open_map("ACCESS_COPY")
    arr = as_array(m)
    arr[:4] = 0
    assert m[:4] == b"\0\0\0\0"
    m.flush()
    with open(path, "rb") as f:
        assert f.read() == PATTERN


def test_file_changes_show_in_shared_map_array(open_map):
    m, path = open_map("ACCESS_READ")
    arr = as_array(m)
    with open(path, "r+b") as f:
        f.seek(3)
        f.write(b"XYZ")
    assert arr[3:6].tobytes() == b"XYZ"


# --------------------------------------------------------------------------
# Writability follows the access mode


@pytest.mark.parametrize("access_name", ACCESS_NAMES)
def test_writeable_follows_access(open_map, access_name):
    m, _ = open_map(access_name)
    readonly = access_name == "ACCESS_READ"
    for arr in (as_array(m), as_array(m, np.float32, (4, 4), 16, "F"),
                np.asarray(m), np.frombuffer(m, np.uint8)):
        assert arr.flags.writeable is not readonly
        if readonly:
            with pytest.raises(ValueError):
                arr[0] = 1
            with pytest.raises(ValueError):
                arr.flags.writeable = True
        del arr
    mv = memoryview(m)
    assert mv.readonly is readonly
    mv.release()


def test_readonly_array_views_stay_readonly(open_map):
    m, _ = open_map("ACCESS_READ")
    arr = as_array(m, np.uint32)
    for derived in (arr[::2], arr.view(np.uint8), arr.reshape(-1, 4), arr.T):
        assert not derived.flags.writeable
        with pytest.raises(ValueError):
            derived.flags.writeable = True


def test_anonymous_map_is_writeable(anon):
    assert as_array(anon).flags.writeable


# --------------------------------------------------------------------------
# The plain buffer protocol: np.asarray, np.frombuffer, memoryview


def test_np_asarray(anon):
    arr = np.asarray(anon)
    assert arr.dtype == np.uint8 and arr.shape == (SIZE,)
    assert arr.ctypes.data == address(anon)
    assert arr.tobytes() == PATTERN
    arr[0] = 42
    assert anon[0] == 42
    with pytest.raises(BufferError):
        anon.close()
    del arr
    anon.close()


@pytest.mark.parametrize("dtype", ["<u2", ">i4", "f8", "S16"])
def test_np_frombuffer(anon, dtype):
    arr = np.frombuffer(anon, dtype, offset=16)
    dt = np.dtype(dtype)
    assert arr.shape == ((SIZE - 16) // dt.itemsize,)
    assert arr.ctypes.data == address(anon) + 16
    assert arr.tobytes() == PATTERN[16:16 + arr.nbytes]
    assert np.array_equal(arr, as_array(anon, dtype, offset=16))
    with pytest.raises(BufferError):
        anon.close()
    del arr
    anon.close()


def test_memoryview(anon):
    mv = memoryview(anon)
    assert (mv.format, mv.itemsize, mv.ndim) == ("B", 1, 1)
    assert mv.shape == (SIZE,) and mv.strides == (1,)
    assert mv.nbytes == SIZE and mv.contiguous and mv.c_contiguous
    assert not mv.readonly
    assert mv.obj is anon
    assert np.asarray(mv).ctypes.data == address(anon)
    mv[1] = 0xAB
    assert anon[1] == 0xAB
    cast = mv.cast("I")
    assert cast[0] == int.from_bytes(anon[:4], sys.byteorder)
    with pytest.raises(BufferError):
        anon.close()
    mv.release()
    with pytest.raises(BufferError):  # the cast shares mv's export
        anon.close()
    cast.release()
    anon.close()


def test_memoryview_context_manager(anon):
    with memoryview(anon) as mv:
        assert mv[0] == PATTERN[0]
        with pytest.raises(BufferError):
            anon.close()
    anon.close()


# --------------------------------------------------------------------------
# dtype / shape / offset / order matrix

RECORD = np.dtype([("id", "<u4"), ("x", "<f8"), ("tag", "S3")])  # packed, 15 B
ALIGNED_RECORD = np.dtype([("a", "u1"), ("b", "<i4")], align=True)  # 8 B
SUBARRAY = np.dtype(("<i2", (3,)))

DTYPES = [None, "u1", "<i2", ">u4", "<i8", "f4", ">f8", "c16", "S5", "V3",
          RECORD, ALIGNED_RECORD, SUBARRAY]
SHAPES = [None, 6, (6,), (2, 3), (3, 2, 1), (0,), (4, 0), ()]
OFFSETS = [0, 1, 13, PAGE]
ORDERS = ["C", "F"]


def dtype_id(value):
    if value is None:
        return "default"
    if isinstance(value, np.dtype):
        return {RECORD: "record", ALIGNED_RECORD: "aligned_record",
                SUBARRAY: "subarray"}[value]
    return value


def same(a, b):
    """Equal shape, dtype and bytes of every element.  Bytes, since the
    pattern makes NaNs (NaN != NaN); field by field, since a copy of a
    non-contiguous record array leaves padding bytes undefined."""
    assert a.shape == b.shape and a.dtype == b.dtype
    if a.dtype.names:
        return all(same(a[name], b[name]) for name in a.dtype.names)
    return a.tobytes() == b.tobytes()


def reference(dtype, shape, offset, order):
    """The expected array, built from a bytes copy of the map's contents."""
    dt = np.dtype(np.uint8 if dtype is None else dtype)
    if shape is None:
        shape = ((SIZE - offset) // dt.itemsize,)
    elif isinstance(shape, int):
        shape = (shape,)
    expected = np.ndarray(shape, dt, PATTERN, offset, order=order)
    if not dt.shape:
        # Independently of np.ndarray's buffer handling, for plain dtypes.
        flat = np.frombuffer(PATTERN, dt, count=int(np.prod(shape)),
                             offset=offset)
        assert same(flat.reshape(shape, order=order), expected)
    return expected


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES, ids=dtype_id)
def test_matrix(anon, dtype, shape, offset, order):
    base = address(anon)
    arr = as_array(anon, dtype, shape, offset, order)
    expected = reference(dtype, shape, offset, order)
    dt = np.dtype(np.uint8 if dtype is None else dtype)
    assert arr.dtype == (dt.base if dt.shape else dt)
    assert arr.shape == expected.shape
    assert same(arr, expected)
    assert arr.nbytes <= SIZE - offset
    if arr.size:
        assert arr.ctypes.data == base + offset
        assert np.shares_memory(arr, np.frombuffer(anon, np.uint8))
    if arr.ndim > 1 and arr.size > 1:
        assert arr.flags.f_contiguous is (order == "F")
        assert arr.flags.c_contiguous is (order == "C")
    assert arr.flags.writeable
    assert export_of(arr).obj is anon


def test_order_f_layout(anon):
    arr = as_array(anon, np.uint8, (2, 3), order="F")
    # Column-major: element [i, j] is byte i + 2 * j.
    for i in range(2):
        for j in range(3):
            assert arr[i, j] == PATTERN[i + 2 * j]


def test_partial_trailing_item_is_dropped(anon):
    arr = as_array(anon, np.dtype("V7"), offset=3)
    assert arr.shape == ((SIZE - 3) // 7,)
    assert as_array(anon, np.uint64, offset=SIZE - 9).shape == (1,)
    assert as_array(anon, np.uint64, offset=SIZE - 7).shape == (0,)


def test_numpy_integers_and_lists_accepted(anon):
    arr = as_array(anon, np.int32, [np.int64(2), np.uint8(3)], np.int16(8))
    assert arr.shape == (2, 3)
    assert arr.ctypes.data == address(anon) + 8
    assert as_array(anon, shape=np.int64(5)).shape == (5,)


def test_dtype_like_arguments(anon):
    for _ in range(2):  # the second round may hit a conversion cache
        for like in (np.float32, "f4", "<f4", float, np.dtype("f4")):
            assert as_array(anon, like).dtype == np.dtype(like)

    class WithDtype:
        dtype = np.dtype("<u2")

    assert as_array(anon, WithDtype).dtype == np.dtype("<u2")
    WithDtype.dtype = np.dtype(">i4")  # not cached: read again
    assert as_array(anon, WithDtype).dtype == np.dtype(">i4")


def test_unaligned_offset(anon):
    arr = as_array(anon, np.float64, offset=3)
    assert not arr.flags.aligned
    assert arr[0] == np.frombuffer(PATTERN[3:11], np.float64)[0]


def test_whole_map_multidimensional(anon):
    arr = as_array(anon, np.uint32, (16, PAGE // 4))
    assert arr.nbytes == SIZE
    assert arr[15, -1] == int.from_bytes(PATTERN[-4:], sys.byteorder)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dtype=st.sampled_from(["u1", "<u2", ">i4", "<f8", "S3", "V5"]),
       offset=st.integers(0, 64), count=st.integers(0, 40),
       order=st.sampled_from(ORDERS), rows=st.sampled_from([1, 2, 4]))
def test_property_matches_copy(mmap_module, dtype, offset, count, order, rows):
    m = mmap_module.mmap(-1, 256)
    m[:] = PATTERN[:256]
    dt = np.dtype(dtype)
    shape = (rows, count)
    try:
        if offset + rows * count * dt.itemsize > 256:
            with pytest.raises(ValueError, match="bytes"):
                as_array(m, dtype, shape, offset, order)
        else:
            arr = as_array(m, dtype, shape, offset, order)
            flat = np.frombuffer(PATTERN[:256], dt, rows * count, offset)
            assert same(arr, flat.reshape(shape, order=order))
            del arr
    finally:
        m.close()


# --------------------------------------------------------------------------
# Structured records written with ndarray.tofile

POINT = np.dtype([("id", "<i8"), ("pos", "<f4", (3,)), ("name", "S6"),
                  ("ok", "?")])


def make_records(n):
    recs = np.zeros(n, POINT)
    recs["id"] = np.arange(n) * 3 - 7
    recs["pos"] = np.arange(3 * n, dtype=np.float32).reshape(n, 3) / 4
    recs["name"] = [("p%d" % i).encode() for i in range(n)]
    recs["ok"] = np.arange(n) % 3 == 0
    return recs


@pytest.mark.parametrize("header", [0, 16, 5])
def test_structured_records_from_tofile(mmap_module, tmp_path, header):
    recs = make_records(1000)
    path = tmp_path / "points.bin"
    with open(path, "wb") as f:
        f.write(b"H" * header)
        recs.tofile(f)
    with open(path, "rb") as f:
        m = mmap_module.mmap(f.fileno(), 0, access=mmap_module.ACCESS_READ)
    arr = as_array(m, POINT, offset=header)
    assert arr.dtype == POINT and arr.shape == recs.shape
    assert (arr == recs).all()
    assert arr["id"][999] == 999 * 3 - 7
    assert arr["pos"].shape == (1000, 3)
    assert arr[10]["name"] == b"p10"
    assert arr["ok"].sum() == recs["ok"].sum()
    assert np.array_equal(np.fromfile(path, POINT, offset=header), arr)
    sub = as_array(m, POINT, (10, 5), header + POINT.itemsize * 500)
    assert np.array_equal(sub.ravel(), recs[500:550])
    field = arr["pos"]
    del arr, sub
    with pytest.raises(BufferError):  # a field view keeps the export
        m.close()
    del field
    m.close()


def test_record_array_view(anon):
    rec = as_array(anon, RECORD, 10).view(np.recarray)
    assert rec.id[0] == int.from_bytes(PATTERN[:4], "little")
    rec.id[0] = 7
    assert anon[:4] == (7).to_bytes(4, "little")


# --------------------------------------------------------------------------
# Offsets beyond 4 GiB (sparse file)

BIG = 5 * 2**30
MARK_A = (4 * 2**30 + 12345, b"past four gib")
MARK_B = (BIG - 64, b"end of the sparse file")


@pytest.fixture
def sparse_file(tmp_path):
    if sys.maxsize < 2**33:
        pytest.skip("needs a 64-bit address space")
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        try:
            f.truncate(BIG)
        except OSError as exc:
            pytest.skip("cannot make a 5 GiB sparse file here: %s" % exc)
        for pos, data in (MARK_A, MARK_B):
            f.seek(pos)
            f.write(data)
    return str(path)


def test_map_offset_beyond_4gib(mmap_module, sparse_file):
    gran = mmap_module.ALLOCATIONGRANULARITY
    map_offset = (MARK_A[0] // gran) * gran
    assert map_offset > 2**32
    with open(sparse_file, "rb") as f:
        m = mmap_module.mmap(f.fileno(), 0, offset=map_offset,
                             access=mmap_module.ACCESS_READ)
    assert len(m) == BIG - map_offset
    arr = as_array(m)
    assert arr.shape == (BIG - map_offset,)
    pos, data = MARK_A
    assert arr[pos - map_offset:pos - map_offset + len(data)].tobytes() == data
    pos, data = MARK_B
    tail = as_array(m, "S%d" % len(data), (), pos - map_offset)
    assert tail[()] == data
    del arr, tail
    m.close()


def test_whole_map_array_offset_beyond_4gib(mmap_module, sparse_file):
    with open(sparse_file, "r+b") as f:
        m = mmap_module.mmap(f.fileno(), 0)
    assert len(m) == BIG
    base = address(m)
    for pos, data in (MARK_A, MARK_B):
        arr = as_array(m, np.uint8, len(data), pos)
        assert arr.tobytes() == data
        assert arr.ctypes.data == base + pos
    words = as_array(m, np.uint64, offset=BIG - 2**20)
    assert words.shape == (2**20 // 8,)
    assert words[:-8].sum() == 0
    # Writes land > 4 GiB into the file.
    words[0] = 0x0102030405060708
    m.flush()
    del arr, words
    m.close()
    with open(sparse_file, "rb") as f:
        f.seek(BIG - 2**20)
        assert f.read(8) == (0x0102030405060708).to_bytes(8, "little")
    # offset > 4 GiB past the end is still reported as such.
    with open(sparse_file, "rb") as f:
        m = mmap_module.mmap(f.fileno(), 0, access=mmap_module.ACCESS_READ)
    with pytest.raises(ValueError, match="beyond"):
        as_array(m, offset=BIG + 1)
    with pytest.raises(ValueError, match="bytes"):
        as_array(m, np.uint64, 2**29, 2**32)
    m.close()


# --------------------------------------------------------------------------
# Lifetimes: exports, close and resize


def test_close_raises_while_array_alive(anon):
    arr = as_array(anon)
    with pytest.raises(BufferError):
        anon.close()
    assert not anon.closed
    assert arr[0] == PATTERN[0]  # still mapped
    del arr
    anon.close()
    assert anon.closed


def test_with_block_exit_with_live_array(mmap_module):
    with pytest.raises(BufferError), mmap_module.mmap(-1, PAGE) as m:
        arr = as_array(m)
    assert not m.closed
    del arr
    m.close()


def test_resize_raises_while_array_alive(open_map):
    m, _ = open_map("ACCESS_WRITE")
    arr = as_array(m, np.uint32)
    with pytest.raises(BufferError):
        m.resize(2 * SIZE)
    assert len(m) == SIZE
    del arr
    m.resize(2 * SIZE)
    assert len(m) == 2 * SIZE
    assert as_array(m).shape == (2 * SIZE,)


def make_derived(arr):
    yield "slice", arr[3:100]
    yield "strided", arr[::3]
    yield "reversed", arr[::-1]
    yield "view", arr.view(np.uint16)
    yield "reshape", arr.reshape(4, -1)
    yield "transpose", arr.reshape(4, -1).T
    yield "asarray", np.asarray(arr)
    yield "memoryview", memoryview(arr)
    yield "index_view", arr[..., None]
    yield "as_strided", np.lib.stride_tricks.as_strided(arr, (10,), (4,))


@pytest.mark.parametrize("kind", [name for name, _ in make_derived(np.zeros(8))])
def test_derived_views_keep_export(anon, kind):
    arr = as_array(anon)
    derived = dict(make_derived(arr))[kind]
    del arr
    gc.collect()
    with pytest.raises(BufferError):
        anon.close()
    with pytest.raises(BufferError):
        anon.resize(2 * SIZE)
    assert np.asarray(derived).size > 0  # still readable
    del derived
    gc.collect()
    anon.close()


def test_copies_do_not_keep_export(anon):
    arr = as_array(anon, np.uint32)
    copies = [arr.copy(), arr + 1, arr[[0, 5, 9]], arr[arr > 0], arr.astype(np.int64),
              np.array(arr), pickle.loads(pickle.dumps(arr))]
    del arr
    anon.close()
    assert copies[0][0] == int.from_bytes(PATTERN[:4], sys.byteorder)


def test_each_array_holds_its_own_export(anon):
    a = as_array(anon)
    b = as_array(anon, np.uint16)
    del a
    with pytest.raises(BufferError):
        anon.close()
    del b
    anon.close()


def test_export_cannot_be_released_early(anon):
    arr = as_array(anon)
    base = arr.base
    assert base.obj is anon
    assert not hasattr(base, "release")
    mv = memoryview(base)  # the base re-exports the map's bytes
    assert mv.nbytes == SIZE and not mv.readonly
    mv.release()
    with pytest.raises(TypeError):
        pickle.dumps(base)
    del base
    with pytest.raises(BufferError):
        anon.close()
    del arr
    anon.close()


def test_failed_calls_leave_no_export(anon):
    bad = [dict(offset=-1), dict(offset=SIZE + 1), dict(shape=SIZE + 1),
           dict(shape=(-1, 2)), dict(dtype=object), dict(dtype="O"),
           dict(order="K"), dict(shape=1.5), dict(offset="0"),
           dict(dtype="no such dtype"), dict(shape=(2**62, 2**62))]
    for kwargs in bad:
        with pytest.raises((ValueError, TypeError)):
            as_array(anon, **kwargs)
    anon.close()


def test_map_collected_while_array_alive(mmap_module):
    m = mmap_module.mmap(-1, SIZE)
    m[:] = PATTERN
    arr = as_array(m, np.uint8, (16, PAGE))
    half = arr[8:]
    del m
    gc.collect()
    assert arr.tobytes() == PATTERN
    assert half.tobytes() == PATTERN[SIZE // 2:]
    assert int(arr.sum()) == sum(PATTERN)
    arr[0, 0] = 9
    assert arr.base.obj[0] == 9
    assert not arr.base.obj.closed
    del arr, half
    gc.collect()


def test_map_in_reference_cycle_with_array(mmap_module):
    m = mmap_module.mmap(-1, SIZE)
    holder = {"map": m, "array": as_array(m)}
    holder["self"] = holder
    del m, holder
    gc.collect()  # must neither crash nor leak an export error


def test_array_outlives_gc_of_everything_else(mmap_module, make_file):
    path = make_file(PATTERN)
    with open(path, "r+b") as f:
        m = mmap_module.mmap(f.fileno(), 0)
    arr = as_array(m, np.uint32)[::2]
    expected = np.frombuffer(PATTERN, np.uint32)[::2].copy()
    del m
    for _ in range(3):
        gc.collect()
    assert np.array_equal(arr, expected)


def test_closed_map(mmap_module):
    m = mmap_module.mmap(-1, PAGE)
    m.close()
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        as_array(m)
    with pytest.raises(ValueError, match="mmap closed or invalid"):
        as_array(m, np.uint32, (2, 2), 4, "F")


# --------------------------------------------------------------------------
# Pickling copies


@pytest.mark.parametrize("dtype", ["u1", "<f8", RECORD], ids=dtype_id)
def test_pickle_array(anon, dtype):
    arr = as_array(anon, dtype, offset=1)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        clone = pickle.loads(pickle.dumps(arr, protocol))
        assert clone.dtype == arr.dtype and clone.shape == arr.shape
        assert clone.tobytes() == arr.tobytes()
        assert not np.shares_memory(clone, arr)
        assert clone.flags.writeable
        assert type(clone.base) is not type(arr.base)  # not an export
        del clone
    del arr
    anon.close()


def test_pickle_readonly_array(open_map):
    m, _ = open_map("ACCESS_READ")
    arr = as_array(m, np.int16, (8, 4), order="F")
    clone = pickle.loads(pickle.dumps(arr))
    assert np.array_equal(clone, arr)
    assert clone.flags.f_contiguous
    del arr
    m.close()
    assert clone.sum() == np.frombuffer(PATTERN[:64], np.int16).sum()


# --------------------------------------------------------------------------
# Errors


def test_negative_offset(anon):
    with pytest.raises(ValueError, match="offset must be >= 0"):
        as_array(anon, offset=-1)


@pytest.mark.parametrize("offset", [SIZE + 1, SIZE + PAGE, 2**62, 2**80])
def test_offset_beyond_map(anon, offset):
    with pytest.raises(ValueError, match="beyond the end of the map"):
        as_array(anon, offset=offset)


def test_offset_at_end_gives_empty(anon):
    arr = as_array(anon, np.float64, offset=SIZE)
    assert arr.shape == (0,)
    assert as_array(anon, np.float64, (0, 3), SIZE).shape == (0, 3)


@pytest.mark.parametrize("offset", [1.0, "4", None, b"\x01", 2j])
def test_offset_type(anon, offset):
    with pytest.raises(TypeError, match="offset must be an integer"):
        as_array(anon, offset=offset)


@pytest.mark.parametrize("shape", [-1, (-1,), (2, -3), (-(2**80),)])
def test_negative_shape(anon, shape):
    with pytest.raises(ValueError, match="negative dimensions"):
        as_array(anon, shape=shape)


@pytest.mark.parametrize("kwargs,message", [
    (dict(offset=Idx(-5)), "offset must be >= 0, got -5"),
    (dict(offset=Idx(SIZE + 5)),
     f"offset {SIZE + 5} is beyond the end of the map ({SIZE} bytes)"),
    (dict(offset=2**80), f"offset {2**80} is beyond the end of the map"),
    (dict(shape=Idx(-2)), "negative dimensions are not allowed, got shape -2"),
    (dict(shape=(Idx(2), Idx(-3))),
     "negative dimensions are not allowed, got shape (2, -3)"),
    (dict(shape=[Idx(2), Idx(-3)]),
     "negative dimensions are not allowed, got shape (2, -3)"),
    (dict(shape=(Idx(SIZE), 2)), f"shape ({SIZE}, 2) of dtype uint8 needs"),
])
def test_messages_show_index_values(anon, kwargs, message):
    # The value __index__ gave, never the object's repr.
    with pytest.raises(ValueError) as info:
        as_array(anon, **kwargs)
    assert message in str(info.value)
    assert "Idx" not in str(info.value)


def test_index_objects_give_their_values(anon):
    arr = as_array(anon, shape=(Idx(2), Idx(3)), offset=Idx(4))
    assert arr.shape == (2, 3)
    assert bytes(arr.tobytes()) == anon[4:10]


@pytest.mark.parametrize("dtype,shape,offset", [
    (None, SIZE + 1, 0),
    (None, SIZE, 1),
    ("<u4", SIZE // 4 + 1, 0),
    ("<u4", (2, SIZE // 8), 1),
    (RECORD, SIZE // RECORD.itemsize + 1, 0),
    (SUBARRAY, SIZE // 6 + 1, 0),
    (None, 2**80, 0),
    (None, (2**40, 2**40), 0),
    ("<f8", 2**61, 0),
    (None, (2**62, 2**62, 2**62), 0),
])
def test_shape_does_not_fit(anon, dtype, shape, offset):
    with pytest.raises(ValueError, match="needs .* bytes, but only") as info:
        as_array(anon, dtype, shape, offset)
    assert "offset %d" % offset in str(info.value)


def test_huge_shape_with_zero_dimension_fits(anon):
    assert as_array(anon, None, (2**62, 0)).shape == (2**62, 0)


@pytest.mark.parametrize("shape", [1.5, (2, 2.0), "12", (None,), object()])
def test_shape_type(anon, shape):
    with pytest.raises(TypeError, match="shape"):
        as_array(anon, shape=shape)


@pytest.mark.parametrize("dtype", [object, "O", [("a", "i4"), ("b", "O")]])
def test_object_dtype_rejected(anon, dtype):
    with pytest.raises(TypeError, match="Python objects"):
        as_array(anon, dtype)


def test_bad_dtype(anon):
    with pytest.raises(TypeError):
        as_array(anon, "not a dtype")


def test_zero_itemsize_needs_shape(anon):
    empty = np.dtype([])
    with pytest.raises(ValueError, match="itemsize 0"):
        as_array(anon, empty)
    assert as_array(anon, empty, (3,)).shape == (3,)


@pytest.mark.parametrize("order", ["A", "K", "c", "", "CF"])
def test_bad_order_value(anon, order):
    with pytest.raises(ValueError, match="order must be 'C' or 'F'"):
        as_array(anon, order=order)


def test_bad_order_type(anon):
    with pytest.raises(TypeError, match="order"):
        as_array(anon, order=1)


def test_not_a_buffer():
    with pytest.raises(TypeError):
        _array.as_array(object(), None, None, 0, "C")


def test_any_byte_buffer_works():
    buf = bytearray(PATTERN[:64])
    arr = _array.as_array(buf, np.uint16, (4, 8), 0, "C")
    arr[0, 0] = 0
    assert buf[:2] == b"\0\0"
    with pytest.raises(BufferError):
        buf.append(1)  # bytearray cannot resize while exported
    ro = _array.as_array(bytes(PATTERN[:64]), None, None, 0, "C")
    assert not ro.flags.writeable
    del arr
    buf.append(1)


# --------------------------------------------------------------------------
# Import hygiene


def test_import_does_not_load_numpy(fastmmap_module):
    if fastmmap_module.__name__ != "fastmmap":
        pytest.skip("FASTMMAP_TEST_AGAINST_STDLIB is set")
    code = ("import sys, fastmmap\n"
            "m = fastmmap.mmap(-1, 4096)\n"
            "bytes(memoryview(m)[:4]); m.find(b'x')\n"
            "assert 'numpy' not in sys.modules, 'numpy imported early'\n"
            "a = m.as_array()\n"
            "assert 'numpy' in sys.modules\n"
            "assert a.base.obj is m\n")
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastmmap_module.__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# --------------------------------------------------------------------------
# find_all's helpers


def test_offsets_array():
    values = [0, 5, 2**40, -3]
    buf = bytearray(np.array(values, np.intp).tobytes())
    arr = _array.offsets_array(buf)
    assert arr.dtype == np.int64 and arr.shape == (4,)
    assert arr.tolist() == values
    if np.dtype(np.intp).itemsize == 8:
        assert np.shares_memory(arr, np.frombuffer(buf, np.uint8))
        assert not hasattr(arr.base, "release")
        with pytest.raises(BufferError):
            buf.extend(b"x")
    assert _array.offsets_array(bytearray()).shape == (0,)


def test_offsets_range():
    assert _array.offsets_range(3, 7).tolist() == [3, 4, 5, 6]
    assert _array.offsets_range(0, 0).dtype == np.int64
    assert _array.offsets_range(2**40, 2**40 + 2).tolist() == [2**40, 2**40 + 1]
