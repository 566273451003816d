"""fastmmap.open(): modes, ranges, errors, against reading the file."""
import builtins
import errno
import os
import pathlib
import stat

import pytest

from conftest import AGAINST_STDLIB, load_fastmmap

pytestmark = pytest.mark.skipif(
    AGAINST_STDLIB, reason="fastmmap.open has no stdlib counterpart")

fastmmap = None if AGAINST_STDLIB else load_fastmmap()

PAGE = 4096 if AGAINST_STDLIB else fastmmap.PAGESIZE
DATA = bytes(range(256)) * 97 + b"tail"   # 24836 bytes: several pages, odd end


def read_file(path):
    with builtins.open(path, "rb") as fh:
        return fh.read()


@pytest.fixture
def data_file(make_file):
    return make_file(DATA)


# -- modes ---------------------------------------------------------------------

def test_read_mode(data_file):
    with fastmmap.open(data_file) as m:
        assert isinstance(m, fastmmap.mmap)
        assert len(m) == m.size() == len(DATA)
        assert m[:] == DATA
        assert m.tell() == 0
        with pytest.raises(TypeError):
            m[0] = 1
        with pytest.raises(TypeError):
            m.write(b"x")
        with pytest.raises(TypeError):
            m.resize(10)
    assert m.closed


def test_read_mode_is_default_and_explicit(data_file):
    with fastmmap.open(data_file, "r") as a, fastmmap.open(data_file) as b:
        assert a[:] == b[:] == DATA


def test_rplus_writes_through(data_file):
    with fastmmap.open(data_file, "r+") as m:
        m[0:5] = b"HELLO"
        m.seek(10)
        m.write(b"world")
        m.flush()
        # another map of the same file sees the shared write at once
        with fastmmap.open(data_file) as other:
            assert other[:5] == b"HELLO"
    expected = b"HELLO" + DATA[5:10] + b"world" + DATA[15:]
    assert read_file(data_file) == expected


def test_rplus_resize_changes_file(data_file):
    with fastmmap.open(data_file, "r+") as m:
        m.resize(100)
        assert len(m) == 100
    assert read_file(data_file) == DATA[:100]


def test_copy_mode_does_not_write_through(data_file):
    with fastmmap.open(data_file, "c") as m:
        m[0:4] = b"XXXX"
        m.seek(0, os.SEEK_END)
        m.seek(-4, os.SEEK_CUR)
        m.write(b"YYYY")
        m.flush()
        assert m[:4] == b"XXXX" and m[-4:] == b"YYYY"
        with fastmmap.open(data_file) as other:
            assert other[:] == DATA
        with pytest.raises(TypeError):
            m.resize(10)
    assert read_file(data_file) == DATA


def test_copy_mode_needs_only_read_permission(make_file):
    path = make_file(b"abc")
    os.chmod(path, 0o444)
    with fastmmap.open(path, "c") as m:
        m[0] = ord("z")
        assert m[:] == b"zbc"
    assert read_file(path) == b"abc"


def test_wplus_creates(tmp_path):
    path = tmp_path / "new.bin"
    with fastmmap.open(path, "w+", length=10000) as m:
        assert len(m) == 10000
        assert m[:] == bytes(10000)
        m[-3:] = b"end"
    assert read_file(path) == bytes(9997) + b"end"
    mode = stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_wplus_truncates_existing(data_file):
    with fastmmap.open(data_file, "w+", length=7) as m:
        assert m[:] == bytes(7)
        m.write(b"abcdefg")
    assert read_file(data_file) == b"abcdefg"


def test_wplus_grows_existing(make_file):
    path = make_file(b"old")
    with fastmmap.open(path, "w+", length=5) as m:
        assert m[:] == bytes(5)   # truncated first: the old bytes are gone
    assert read_file(path) == bytes(5)


def test_wplus_zero_length(tmp_path):
    path = tmp_path / "zero"
    with fastmmap.open(path, "w+", length=0) as m:
        assert len(m) == 0
        assert m.read() == b""
    assert read_file(path) == b""


def test_wplus_requires_length(tmp_path):
    path = tmp_path / "never"
    with pytest.raises(ValueError, match="length"):
        fastmmap.open(path, "w+")
    with pytest.raises(ValueError, match="offset"):
        fastmmap.open(path, "w+", offset=1, length=10)
    assert not path.exists()   # argument errors come before the file is made


def test_wplus_invalid_length_leaves_file(data_file):
    with pytest.raises(ValueError):
        fastmmap.open(data_file, "w+", length=-1)
    assert read_file(data_file) == DATA


@pytest.mark.parametrize("mode", ["", "rb", "w", "a", "R", "r+b", "x", None, 1, ["r"]])
def test_invalid_mode(data_file, mode):
    with pytest.raises(ValueError, match="mode"):
        fastmmap.open(data_file, mode)


def test_keyword_only(data_file):
    with pytest.raises(TypeError):
        fastmmap.open(data_file, "r", 0)


def test_exported_from_package():
    # Not in __all__: `from fastmmap import *` must not shadow the builtin open().
    assert "open" not in fastmmap.__all__
    from fastmmap import open as fm_open
    assert fm_open is fastmmap.open
    assert fastmmap.open.__doc__ and "w+" in fastmmap.open.__doc__


# -- path types ------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["str", "bytes", "pathlib", "custom"])
def test_path_types(data_file, kind):
    class Custom:
        def __fspath__(self):
            return data_file

    path = {"str": data_file, "bytes": os.fsencode(data_file),
            "pathlib": pathlib.Path(data_file), "custom": Custom()}[kind]
    with fastmmap.open(path) as m:
        assert m[:] == DATA


@pytest.mark.parametrize("path", [1.5, None, True, [3]])
def test_bad_path_types(path):
    with pytest.raises(TypeError):
        fastmmap.open(path)


# -- a file descriptor instead of a path ---------------------------------------------

def test_descriptor(make_file):
    path = make_file(DATA)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.lseek(fd, 5, os.SEEK_SET)
        with fastmmap.open(fd) as m:
            assert m[:] == DATA
        with fastmmap.open(fd, "r", offset=3, length=7) as m:
            assert m[:] == DATA[3:10]
        with fastmmap.open(fd, "c") as m:
            m[0] = 0
            assert m[0] == 0
        # left open, and where it was
        assert os.lseek(fd, 0, os.SEEK_CUR) == 5
        with pytest.raises(PermissionError):
            fastmmap.open(fd, "r+")
    finally:
        os.close(fd)
    with open(path, "rb") as f:
        assert f.read() == DATA


def test_descriptor_read_write(make_file):
    path = make_file(DATA)
    fd = os.open(path, os.O_RDWR)
    try:
        with fastmmap.open(fd, "r+") as m:
            m[:4] = b"ABCD"
        with fastmmap.open(fd, "w+", length=3) as m:
            assert m[:] == b"\0\0\0"
    finally:
        os.close(fd)
    assert os.path.getsize(path) == 3


def test_descriptor_errors():
    r, w = os.pipe()
    try:
        with pytest.raises(OSError) as info:
            fastmmap.open(r)
        assert info.value.errno == errno.ENODEV
    finally:
        os.close(r)
        os.close(w)
    with pytest.raises(OSError) as info:
        fastmmap.open(r)               # closed now
    assert info.value.errno == errno.EBADF


# -- empty files and ranges --------------------------------------------------------

@pytest.mark.parametrize("mode", ["r", "r+", "c"])
def test_empty_file(make_file, mode):
    path = make_file(b"")
    with fastmmap.open(path, mode) as m:
        assert len(m) == 0 and m.size() == 0
        assert m.read() == b"" and m[:] == b""
        assert m.find(b"x") == -1 and m.rfind(b"x") == -1
        assert m.count(b"\n") == 0
        assert list(m.lines()) == []
        assert m.readline() == b""
    assert m.closed


@pytest.mark.parametrize("offset", [0, 1, PAGE, len(DATA)])
def test_empty_range(data_file, offset):
    with fastmmap.open(data_file, offset=offset, length=0) as m:
        assert len(m) == 0 and m.read() == b"" and m.find(b"") in (0, -1)


def test_offset_at_end_maps_nothing(data_file):
    with fastmmap.open(data_file, offset=len(DATA)) as m:
        assert len(m) == 0 and m[:] == b""


# -- offsets and lengths ------------------------------------------------------------

OFFSETS = [0, 1, 7, 255, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE + 13,
           len(DATA) - PAGE, len(DATA) - 5, len(DATA) - 1]


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("mode", ["r", "c"])
def test_unaligned_offsets_byte_exact(data_file, offset, mode):
    with fastmmap.open(data_file, mode, offset=offset) as m:
        assert len(m) == len(DATA) - offset
        assert m[:] == DATA[offset:]
        assert m[0] == DATA[offset]
        assert m.read(3) == DATA[offset:offset + 3]
        assert bytes(memoryview(m)) == DATA[offset:]
        needle = DATA[-6:]
        assert m.find(needle) == DATA[offset:].find(needle)


@pytest.mark.parametrize("offset,length", [
    (0, 1), (1, 1), (3, 100), (PAGE - 2, 4), (PAGE, PAGE), (PAGE + 5, 2 * PAGE),
    (len(DATA) - 10, 10), (0, len(DATA)), (123, len(DATA) - 123)])
def test_offset_and_length_byte_exact(data_file, offset, length):
    with fastmmap.open(data_file, offset=offset, length=length) as m:
        assert len(m) == length
        assert m[:] == DATA[offset:offset + length]
        assert m.read() == DATA[offset:offset + length]


@pytest.mark.parametrize("offset", [1, PAGE - 1, PAGE + 3])
def test_rplus_unaligned_writes_land_at_offset(data_file, offset):
    with fastmmap.open(data_file, "r+", offset=offset, length=8) as m:
        m[:] = b"ABCDEFGH"
    expected = DATA[:offset] + b"ABCDEFGH" + DATA[offset + 8:]
    assert read_file(data_file) == expected


@pytest.mark.parametrize("offset", [1, PAGE - 1, PAGE + 3])
def test_unaligned_map_flush_and_madvise_any_offset(data_file, offset):
    """A map at an offset that is not page-aligned starts inside a page:
    flush() and madvise() ranges are widened down to their page, so a
    PAGESIZE multiple (and any other offset) works, and the bytes written
    before each flush reach the file."""
    with fastmmap.open(data_file, "r+", offset=offset) as m:
        for start, size in [(0, -1), (PAGE, 10), (PAGE, -1), (1, 5),
                            (2 * PAGE + 7, PAGE), (len(m), 0)]:
            if start < len(m):
                m[start] = 0x5A
            m.flush(start, size)
            m.madvise(fastmmap.MADV_NORMAL, min(start, len(m) - 1), PAGE)
        assert read_file(data_file)[offset + PAGE] == 0x5A


@pytest.mark.parametrize("offset,length", [
    (len(DATA) + 1, None), (len(DATA) + PAGE, None), (0, len(DATA) + 1),
    (len(DATA) - 1, 2), (len(DATA), 1)])
def test_past_the_end(data_file, offset, length):
    with pytest.raises(ValueError):
        fastmmap.open(data_file, offset=offset, length=length)


@pytest.mark.parametrize("kw", [{"offset": -1}, {"length": -1}])
def test_negative(data_file, kw):
    with pytest.raises(ValueError):
        fastmmap.open(data_file, **kw)


@pytest.mark.parametrize("kw", [{"offset": 1.0}, {"length": 2.5}, {"offset": "1"}])
def test_non_integer_ranges(data_file, kw):
    with pytest.raises(TypeError):
        fastmmap.open(data_file, **kw)


def test_index_objects_accepted(data_file):
    class Index:
        def __init__(self, v):
            self.v = v

        def __index__(self):
            return self.v

    with fastmmap.open(data_file, offset=Index(3), length=Index(4)) as m:
        assert m[:] == DATA[3:7]


def test_map_does_not_follow_growth(data_file):
    with fastmmap.open(data_file) as m:
        with builtins.open(data_file, "ab") as fh:
            fh.write(b"more")
        assert len(m) == len(DATA)
    with fastmmap.open(data_file) as m:
        assert m[-4:] == b"more"


# -- descriptors ------------------------------------------------------------------

def _open_fds():
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_closes_its_descriptor(data_file, tmp_path):
    before = _open_fds()
    m = fastmmap.open(data_file)
    during = _open_fds()
    assert len(during - before) == 1      # only the map's private duplicate
    m.close()
    assert _open_fds() == before
    for bad in ({"offset": len(DATA) + 1}, {"length": -1}):
        with pytest.raises(ValueError):
            fastmmap.open(data_file, **bad)
    with pytest.raises(IsADirectoryError):
        fastmmap.open(tmp_path)
    with pytest.raises(FileNotFoundError):
        fastmmap.open(tmp_path / "missing")
    assert _open_fds() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_private_descriptor_is_cloexec(data_file):
    import fcntl
    before = _open_fds()
    with fastmmap.open(data_file):
        (new,) = _open_fds() - before
        assert fcntl.fcntl(int(new), fcntl.F_GETFD) & fcntl.FD_CLOEXEC


def test_file_can_be_removed_while_mapped(data_file):
    m = fastmmap.open(data_file)
    os.unlink(data_file)
    assert m[:] == DATA
    m.close()


# -- errors, as builtins.open raises them -------------------------------------------

def _same_error(path, mode, fm_mode):
    with pytest.raises(OSError) as expected:
        builtins.open(path, mode)
    with pytest.raises(type(expected.value)) as got:
        fastmmap.open(path, fm_mode, length=1 if fm_mode == "w+" else None)
    assert got.value.errno == expected.value.errno
    assert got.value.filename == path
    assert str(got.value) == str(expected.value)
    return got.value


@pytest.mark.parametrize("fm_mode,mode", [("r", "rb"), ("r+", "r+b"), ("c", "rb")])
def test_missing_file(tmp_path, fm_mode, mode):
    err = _same_error(str(tmp_path / "missing.bin"), mode, fm_mode)
    assert isinstance(err, FileNotFoundError)


def test_missing_directory_for_wplus(tmp_path):
    err = _same_error(str(tmp_path / "no" / "such.bin"), "w+b", "w+")
    assert isinstance(err, FileNotFoundError)


def test_missing_bytes_path(tmp_path):
    path = os.fsencode(tmp_path / "missing.bin")
    with pytest.raises(FileNotFoundError) as info:
        fastmmap.open(path)
    assert info.value.filename == path


@pytest.mark.parametrize("fm_mode,mode", [("r", "rb"), ("r+", "r+b"),
                                          ("c", "rb"), ("w+", "w+b")])
def test_directory(tmp_path, fm_mode, mode):
    err = _same_error(str(tmp_path), mode, fm_mode)
    assert isinstance(err, IsADirectoryError)
    assert err.errno == errno.EISDIR


def test_not_a_directory(make_file):
    path = make_file(b"x")
    err = _same_error(os.path.join(path, "child"), "rb", "r")
    assert isinstance(err, NotADirectoryError)


def test_fifo_refused_without_blocking(tmp_path):
    path = str(tmp_path / "fifo")
    os.mkfifo(path)
    with pytest.raises(OSError) as info:
        fastmmap.open(path)    # would hang if it waited for a writer
    assert info.value.errno == errno.ENODEV
    assert info.value.filename == path
    assert "regular file" in str(info.value)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_device_refused():
    with pytest.raises(OSError) as info:
        fastmmap.open("/dev/null")
    assert info.value.errno == errno.ENODEV


@pytest.mark.skipif(os.geteuid() == 0,
                    reason="root bypasses file permissions (CAP_DAC_OVERRIDE): "
                           "chmod 000 does not stop it; see the sysfs test")
@pytest.mark.parametrize("fm_mode,mode", [("r", "rb"), ("r+", "r+b"),
                                          ("c", "rb"), ("w+", "w+b")])
def test_permission_denied_chmod(make_file, fm_mode, mode):
    path = make_file(b"secret")
    os.chmod(path, 0)
    err = _same_error(path, mode, fm_mode)
    assert isinstance(err, PermissionError)


def test_permission_denied_read_only_file_for_rplus(make_file):
    # Still meaningful as root? Only for non-root: the chmod is bypassed by
    # root, which then maps the file read-write -- also checked here.
    path = make_file(b"data")
    os.chmod(path, 0o444)
    if os.geteuid() == 0:
        with fastmmap.open(path, "r+") as m:
            assert m[:] == b"data"
    else:
        err = _same_error(path, "r+b", "r+")
        assert isinstance(err, PermissionError)


# sysfs refuses to open its 0444 attributes for writing even for root.
_SYSFS_READ_ONLY = ["/sys/devices/system/cpu/online",
                    "/sys/devices/system/cpu/possible",
                    "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"]


def _sysfs_denied():
    for path in _SYSFS_READ_ONLY:
        try:
            fd = os.open(path, os.O_RDWR)
        except PermissionError:
            return path
        except OSError:
            continue
        os.close(fd)
    return None


def test_permission_denied_even_for_root():
    path = _sysfs_denied()
    if path is None:
        pytest.skip("no read-only sysfs attribute refuses O_RDWR here")
    err = _same_error(path, "r+b", "r+")
    assert isinstance(err, PermissionError)
    assert err.errno == errno.EACCES


def test_embedded_nul_in_path():
    with pytest.raises(ValueError):
        fastmmap.open("abc\0def")
