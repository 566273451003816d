# cython: language_level=3
"""The drop-in ``mmap`` object.

Every method follows the same three steps, in this order:

1. convert its arguments (which may run Python code: ``__index__``,
   ``__buffer__``, ``__eq__`` -- and that code may close or resize the map);
2. re-check that the map is still open and that the bounds still hold
   against the *current* size;
3. only then touch ``self._data``, through a kernel when the work is large.

Nothing caches ``_data`` or ``_size`` across step 1.  Work that runs without
the GIL holds a guard (``_scans``), so ``close()`` and ``resize()`` from
another thread raise BufferError instead of unmapping memory under a scan.

Step 3 is always ``mmap._run(operation, args, release_gil)``: the guarded
operations (one ``nogil`` function and argument struct each) are in
_ops.pxi, and the iterator of ``lines()`` in _lines.pxi, both included here.
The exported constants come from the list in _constants.h.
"""

cimport cython
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE
from cpython.buffer cimport PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from cpython.number cimport PyNumber_AsSsize_t, PyNumber_Index, PyIndex_Check
from cpython.long cimport PyLong_AsLong

from fastmmap cimport _os
from fastmmap cimport _posix as posix
from fastmmap cimport _search
from fastmmap._offsets cimport OffsetBuffer, reserve_offsets
from fastmmap._fault cimport (fastmmap_fault_check, fastmmap_fault_install,
                              fastmmap_guard_run)
from fastmmap._recycle cimport (fastmmap_spare, fastmmap_spare_bytes,
                                fastmmap_spare_clear, fastmmap_spare_new,
                                fastmmap_spare_free)
from fastmmap._convert cimport as_clinic_int, as_int, as_longlong, as_ssize
from fastmmap._posix cimport off_t, EBADF

import os as _pyos
import sys as _sys

cdef extern from *:
    """
    static void fastmmap_set_type_name(PyTypeObject *type, const char *name)
    {
        /* Static types derive __name__ and __module__ from tp_name. */
        type->tp_name = name;
        PyType_Modified(type);
    }
    """
    ctypedef struct PyTypeObject
    void _set_type_name "fastmmap_set_type_name"(
        PyTypeObject *type, const char *name)

cdef extern from "Python.h":
    # Declared here rather than cimported: not every Cython release ships
    # them in cpython/slice.pxd.
    int PySlice_Unpack(object slice, Py_ssize_t *start, Py_ssize_t *stop,
                       Py_ssize_t *step) except -1
    Py_ssize_t PySlice_AdjustIndices(Py_ssize_t length, Py_ssize_t *start,
                                     Py_ssize_t *stop,
                                     Py_ssize_t step) noexcept
    bint PySlice_Check(object obj)
    const Py_ssize_t PY_SSIZE_T_MAX


# Access modes, as in the stdlib (the values are part of the API).
cdef enum:
    _ACCESS_DEFAULT = 0
    _ACCESS_READ = 1
    _ACCESS_WRITE = 2
    _ACCESS_COPY = 3

# Work on fewer bytes than this keeps the GIL: dropping and retaking it costs
# about as much as scanning or copying 64 KiB, and per-call cost matters for
# the many small finds/reads/slices typical code does.
cdef Py_ssize_t GIL_FREE_MIN = 1 << 16

cdef Py_ssize_t _PAGE_SIZE = _os.page_size()

# A zero-length map (fastmmap.open() of an empty file) has no OS mapping but
# must still look open: _data points here and _map_base stays NULL.
cdef char _EMPTY_MAP[1]

_ACCESS_NAMES = ("ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY")

# A constructor argument not given (None is a value there).
cdef object _MISSING = object()

# set_name(): the kernel's limit for a name is 80 bytes with its NUL, and
# CPython puts this prefix before the caller's part.
cdef bytes _ANON_NAME_PREFIX = b"cpython:mmap:"
cdef Py_ssize_t _ANON_NAME_MAX = 80


# What __delitem__ passes to _assign() as the value.
cdef object _DELETE = object()


cdef int _slice_unpack(object item, Py_ssize_t *start, Py_ssize_t *stop,
                       Py_ssize_t *step) except -1:
    """PySlice_Unpack with CPython 3.15's message for bad bounds on every
    interpreter (older ones add "or None", which a slice accepts anyway)."""
    try:
        return PySlice_Unpack(item, start, stop, step)
    except TypeError as exc:
        if str(exc) == ("slice indices must be integers or None or have an "
                        "__index__ method"):
            raise TypeError("slice indices must be integers or have an "
                            "__index__ method") from None
        raise


class TrackfdSizeError(ValueError, OSError):
    """size() of a map made with trackfd=False: a ValueError, as CPython
    3.15 raises, and an OSError(EBADF), as CPython 3.13 and 3.14 raise
    (their own test suites check each), so code written for either
    catches it.  io.UnsupportedOperation bridges the same two classes."""


TrackfdSizeError.__module__ = "fastmmap"


cdef object _no_descriptor_error():
    exc = TrackfdSizeError("can't get size with trackfd=False")
    exc.errno = EBADF
    return exc


cdef str _type_name_of(object value):
    """How CPython's messages name a value's type: None for None."""
    return "None" if value is None else type(value).__name__

# Marker passed as fileno by the module's own factories: creates a closed
# object whose fields the factory then fills in.
cdef object _BLANK = object()


cdef struct _Needle:
    const char *data
    Py_ssize_t len
    bint have_view          # view holds the needle's buffer
    Py_buffer view


cdef inline int _take_needle(object sub, _Needle *needle) except -1:
    """The bytes of a search argument: a bytes object's own (no buffer
    request on the common path), else a buffer export held until
    _release_needle()."""
    needle.have_view = False
    if type(sub) is bytes:
        # SAFETY: the caller's argument keeps the bytes object alive, and
        # bytes are immutable.
        needle.data = PyBytes_AS_STRING(sub)
        needle.len = len(<bytes>sub)
        return 0
    PyObject_GetBuffer(sub, &needle.view, PyBUF_SIMPLE)
    needle.have_view = True
    needle.data = <const char *>needle.view.buf
    needle.len = needle.view.len
    return 0


cdef inline void _release_needle(_Needle *needle) noexcept:
    if needle.have_view:
        PyBuffer_Release(&needle.view)
        needle.have_view = False


cdef inline void _bytes_indices(Py_ssize_t *start, Py_ssize_t *end,
                                Py_ssize_t size) noexcept nogil:
    """bytes.count's index rules (ADJUST_INDICES): negative values count
    from the end, end is clamped to size, start is not clamped from above."""
    if end[0] > size:
        end[0] = size
    elif end[0] < 0:
        end[0] += size
        if end[0] < 0:
            end[0] = 0
    if start[0] < 0:
        start[0] += size
        if start[0] < 0:
            start[0] = 0


# fastmmap._array, imported on first use: `import fastmmap` must not import
# NumPy, and an import statement per call would cost more than as_array().
cdef object _array_module = None


cdef object _numpy_views():
    global _array_module
    if _array_module is None:
        try:
            from fastmmap import _array
        except ImportError as exc:
            if exc.name != "numpy" and not (exc.name or "").startswith("numpy."):
                raise
            raise ImportError(
                "find_all() and as_array() need NumPy, which is not installed "
                "(%s): install it with `pip install 'fastmmap[numpy]'` (or "
                "`pip install numpy`)" % (exc,), name=exc.name) from exc
        _array_module = _array
    return _array_module


_CONSTRUCTOR_PARAMETERS = ("fileno", "length", "flags", "prot", "access",
                           "offset")


cdef tuple _parse_constructor_args(tuple args, dict kwargs):
    """mmap(fileno, length, flags, prot, access, offset, *, trackfd), with
    the wording of CPython's PyArg_ParseTupleAndKeywords errors."""
    cdef Py_ssize_t nargs = len(args), i
    if nargs > 6:
        raise TypeError(
            f"function takes at most 6 positional arguments ({nargs} given)")
    values = list(args) + [_MISSING] * (6 - nargs)
    trackfd = True
    for key, value in kwargs.items():
        if key == "trackfd":
            trackfd = value
            continue
        try:
            i = _CONSTRUCTOR_PARAMETERS.index(key)
        except ValueError:
            raise TypeError(
                f"this function got an unexpected keyword argument '{key}'"
            ) from None
        if i < nargs:
            raise TypeError(f"argument for function given by name ('{key}') "
                            f"and position ({i + 1})")
        values[i] = value
    for i in range(2):
        if values[i] is _MISSING:
            raise TypeError("function missing required argument "
                            f"'{_CONSTRUCTOR_PARAMETERS[i]}' (pos {i + 1})")
    defaults = (None, None, posix.MAP_SHARED, posix.PROT_WRITE | posix.PROT_READ,
                _ACCESS_DEFAULT, 0)
    for i in range(2, 6):
        if values[i] is _MISSING:
            values[i] = defaults[i]
    values.append(trackfd)
    return tuple(values)


include "_ops.pxi"


cdef int _access_flags_prot(int access, int *flags, int *prot) except -1:
    """The mmap() flags and protection of ACCESS_READ, ACCESS_WRITE or
    ACCESS_COPY; ValueError for any other value."""
    if access == _ACCESS_READ:
        flags[0], prot[0] = posix.MAP_SHARED, posix.PROT_READ
    elif access == _ACCESS_WRITE:
        flags[0], prot[0] = posix.MAP_SHARED, posix.PROT_READ | posix.PROT_WRITE
    elif access == _ACCESS_COPY:
        flags[0], prot[0] = posix.MAP_PRIVATE, posix.PROT_READ | posix.PROT_WRITE
    else:
        raise ValueError("mmap invalid access parameter.")
    return 0


cdef int _resolve_access(int access, int *flags, int *prot) except -1:
    """The constructor's access mode, with *flags and *prot set from it (an
    explicit access) or it from them (ACCESS_DEFAULT), as CPython does."""
    if access == _ACCESS_DEFAULT:
        # Without both read and write, an explicit prot picks the access
        # mode that the memory actually allows.
        if (prot[0] & posix.PROT_READ) and (prot[0] & posix.PROT_WRITE):
            return _ACCESS_DEFAULT
        return _ACCESS_WRITE if prot[0] & posix.PROT_WRITE else _ACCESS_READ
    if (flags[0] != posix.MAP_SHARED
            or prot[0] != (posix.PROT_WRITE | posix.PROT_READ)):
        raise ValueError("mmap can't specify both access and flags, prot.")
    _access_flags_prot(access, flags, prot)
    return access


cdef Py_ssize_t _file_map_size(int fd, Py_ssize_t map_size,
                               long long offset) except -1:
    """The length to map of the file open as fd: map_size, or with 0 the
    rest of the file from offset; ValueError where the file is too short.
    A descriptor that is not a regular file (a device) is not checked."""
    cdef off_t file_size
    if not _os.fd_regular_size(fd, &file_size):
        return map_size
    if map_size == 0:
        if file_size == 0:
            raise ValueError("cannot mmap an empty file")
        if offset >= file_size:
            raise ValueError("mmap offset is greater than file size")
        if file_size - offset > PY_SSIZE_T_MAX:
            raise ValueError("mmap length is too large")
        return <Py_ssize_t>(file_size - offset)
    if offset > file_size or file_size - offset < map_size:
        raise ValueError("mmap length is greater than file size")
    return map_size


# find_all's first buffer when the largest cannot be reserved (it doubles).
cdef Py_ssize_t FIND_ALL_FALLBACK_START = 1 << 16

cdef OffsetBuffer _grown(OffsetBuffer buf, Py_ssize_t more):
    """A copy of buf's offsets with room for ``more`` (>= 1) after them."""
    cdef OffsetBuffer bigger = reserve_offsets(buf.count + max(more, 1))
    # SAFETY: both buffers are ours and hold at least buf.count slots.
    posix.memcpy(bigger.data, buf.data, <size_t>buf.count * sizeof(Py_ssize_t))
    bigger.count = buf.count
    return bigger


# ----------------------------------------------------------------------
# State shared between threads.  The stdlib does every call under the GIL,
# so each call is atomic for other threads using the same map; fastmmap
# releases the GIL inside some calls and keeps them atomic this way:
#
# * A call that knows its range up front (read, write, readinto) claims it:
#   it moves the position *before* releasing the GIL, so a concurrent call
#   starts after it.
# * A call that only learns where it ends by scanning (a long readline, a
#   long line of lines()) takes a _Turn on the position: every other call
#   that moves that position waits until the turn ends.
# * Work running without the GIL counts itself in _scans, which close() and
#   resize() check, so the memory stays mapped under it.
#
# Turns and scan counts belong to threads of this process: a child made by
# fork() has none of them running.  _fork_generation (bumped in the child)
# tells a stale turn or count from a live one.  All of this relies on the
# GIL (each check and update runs with it held); a free-threaded build
# would need a lock per map instead (docs/safety.rst).

cdef unsigned long _fork_generation = 0


def _after_fork_in_child():
    global _fork_generation
    _fork_generation += 1


cdef struct _Turn:
    bint taken
    unsigned long generation


cdef inline bint _turn_taken(_Turn *turn) noexcept:
    return turn.taken and turn.generation == _fork_generation


cdef inline void _take_turn(_Turn *turn) noexcept:
    turn.taken = True
    turn.generation = _fork_generation


cdef inline void _end_turn(_Turn *turn) noexcept:
    turn.taken = False


cdef int _await_turn(_Turn *turn) except -1:
    """Return once no other thread holds ``turn``.  The holder runs without
    the GIL, so this sleeps without it; the caller must keep the object
    that holds ``turn`` alive, and re-check everything afterwards."""
    while _turn_taken(turn):
        with nogil:
            posix.usleep(50)
    return 0


cdef class mmap

# find() and rfind()'s search, given to mmap._locate_arg: _first_in or
# _last_in (after the mmap class).
ctypedef Py_ssize_t (*_Locator)(mmap m, Py_ssize_t start, Py_ssize_t end,
                                const char *needle, Py_ssize_t k) except -2


@cython.final
cdef class _Iterator:
    """Iterates a map like the stdlib's sequence protocol does: 1-byte bytes
    objects, re-checking validity and the current size at every step."""
    cdef mmap _map
    cdef Py_ssize_t _index
    cdef Py_ssize_t _stride

    def __iter__(self):
        return self

    def __next__(self):
        cdef mmap m = self._map
        cdef Py_ssize_t i = self._index
        if m is None:
            raise StopIteration
        m._check_valid()
        if i < 0 or i >= m._size:
            self._map = None
            raise StopIteration
        self._index = i + self._stride
        return m._copy_out(i, 1)


# readline() first looks for the newline in a copy of this many bytes.
cdef enum:
    READLINE_PEEK = 256

include "_lines.pxi"


@cython.auto_pickle(False)
cdef class mmap:
    """A memory map of a file, or of anonymous memory::

        mmap(fileno, length, flags=MAP_SHARED, prot=PROT_WRITE|PROT_READ,
             access=ACCESS_DEFAULT, offset=0, *, trackfd=True)

    Maps ``length`` bytes of the file open as ``fileno`` (or anonymous memory
    when ``fileno`` is -1) and returns a mutable, file-like, bytes-like object.
    A drop-in for :class:`mmap.mmap` with CPython 3.15 semantics, plus
    :meth:`count`, :meth:`find_all`, :meth:`lines`, :meth:`readinto` and
    :meth:`as_array`.  Length 0 maps the whole file from ``offset``.
    """

    cdef char *_data          # first byte exposed to Python; NULL once closed
    cdef Py_ssize_t _size     # bytes exposed from _data
    cdef Py_ssize_t _pos      # file position, 0 <= _pos (may exceed _size after a resize)
    cdef long long _offset    # file offset of _data
    cdef char *_map_base      # address mmap() returned; NULL for an empty map
    cdef size_t _map_len      # length given to mmap(); _data == _map_base + skip
    cdef int _fd              # our own dup() of the file, or -1
    cdef int _access
    cdef int _flags
    cdef bint _trackfd
    cdef bint _anonymous      # made with fileno -1
    cdef Py_ssize_t _exports  # live buffer exports (memoryviews, arrays)
    cdef Py_ssize_t _scans    # work running without the GIL (see _Turn)
    cdef unsigned long _scans_generation
    cdef _Turn _position_turn  # held while a long readline() scans
    cdef size_t _writes       # bumped by every write through fastmmap (lines() read-ahead)
    cdef fastmmap_spare *_line_spare  # readline()'s objects for reuse; NULL until needed
    cdef object __weakref__

    def __cinit__(self, *args, **kwargs):
        # Fields first: if argument parsing fails, __dealloc__ still runs and
        # must not mistake the zero-filled _fd for a descriptor we own.
        self._data = NULL
        self._map_base = NULL
        self._fd = -1
        if args and args[0] is _BLANK:
            return
        fileno, length, flags, prot, access, offset, trackfd = \
            _parse_constructor_args(args, kwargs)
        cdef int fd = as_int(fileno)
        cdef Py_ssize_t map_size = as_ssize(length)
        cdef int c_flags = as_int(flags)
        cdef int c_prot = as_int(prot)
        cdef int c_access = as_int(access)
        cdef long long c_offset
        try:
            c_offset = as_longlong(offset)
        except OverflowError:
            raise OverflowError("Python int too large to convert to C long") from None
        cdef bint c_trackfd = bool(trackfd)
        if map_size < 0:
            raise OverflowError("memory mapped length must be positive")
        if c_offset < 0:
            raise OverflowError("memory mapped offset must be positive")
        c_access = _resolve_access(c_access, &c_flags, &c_prot)
        _sys.audit("mmap.__new__", fd, map_size, c_access, c_offset)
        if fd != -1:
            map_size = _file_map_size(fd, map_size, c_offset)
        self._access = c_access
        self._flags = c_flags
        self._trackfd = c_trackfd
        self._offset = c_offset
        if fd == -1:
            c_flags |= posix.MAP_ANONYMOUS
            self._anonymous = True
        elif c_trackfd:
            self._fd = _os.dup_fd(fd)
        self._map_base = _os.map_memory(<size_t>map_size, c_prot, c_flags, fd,
                                        <off_t>c_offset)
        self._map_len = <size_t>map_size
        self._data = self._map_base
        self._size = map_size
        self._pos = 0

    def __dealloc__(self):
        fastmmap_spare_free(self._line_spare)
        self._line_spare = NULL
        # No exports can be alive here: every export holds a reference.
        if self._fd >= 0:
            _os.close_fd(self._fd)
            self._fd = -1
        if self._map_base != NULL:
            posix.munmap(self._map_base, self._map_len)
            self._map_base = NULL
        self._data = NULL

    # ------------------------------------------------------------------
    # State checks (C level, cheap enough to repeat after every conversion)

    cdef inline int _check_valid(self) except -1:
        if self._data == NULL:
            raise ValueError("mmap closed or invalid")
        return 0

    cdef inline bint _busy(self) noexcept:
        """True while work on this map runs without the GIL in a thread of
        this process (close() and resize() must wait for it)."""
        return self._scans > 0 and self._scans_generation == _fork_generation

    cdef inline void _enter_scan(self) noexcept:
        if self._scans_generation != _fork_generation:
            # Counted by threads of the parent, which this child lacks.
            self._scans_generation = _fork_generation
            self._scans = 0
        self._scans += 1

    cdef inline void _leave_scan(self) noexcept:
        self._scans -= 1

    cdef inline int _await_position(self) except -1:
        """Every call that moves the position waits here for a long
        readline() of another thread (see _Turn); callers check validity
        afterwards."""
        if _turn_taken(&self._position_turn):
            _await_turn(&self._position_turn)
        return 0

    cdef inline void _unclaim(self, Py_ssize_t start, Py_ssize_t n) noexcept:
        """A claimed range [start, start + n) failed (the file was truncated
        underneath): give the position back, unless another thread has
        moved it since."""
        if self._pos == start + n:
            self._pos = start

    cdef inline int _check_writable(self) except -1:
        if self._access == _ACCESS_READ:
            raise TypeError("mmap can't modify a readonly memory map.")
        return 0

    cdef char *_page_range(self, Py_ssize_t start, Py_ssize_t *length):
        """Address of [start, start + length) for a page-level syscall
        (msync, madvise).  A map made with fastmmap.open() at an offset that
        is not page-aligned starts inside a page, so its offsets are not
        page-aligned in memory: the range is extended down to the page it
        starts in (*length grows by that head), and any offset works.  Maps
        made by the constructor start on a page, and the kernel judges
        their offsets, as in CPython (flush(1) is EINVAL)."""
        cdef size_t head
        if self._data == self._map_base:
            return self._data + start
        head = <size_t>(self._data - self._map_base + start) % <size_t>_PAGE_SIZE
        length[0] += head
        return self._data + start - head

    cdef int _check_resizable(self) except -1:
        if self._exports > 0 or self._busy():
            raise BufferError("mmap can't resize with extant buffers exported.")
        if not self._trackfd:
            raise ValueError("mmap can't resize with trackfd=False.")
        if self._access != _ACCESS_WRITE and self._access != _ACCESS_DEFAULT:
            raise TypeError(
                "mmap can't resize a readonly or copy-on-write memory map.")
        return 0

    # ------------------------------------------------------------------
    # Memory access.  Every read or write of mapped bytes goes through
    # _run(): it catches SIGBUS (a truncated file) and turns it into OSError,
    # and when asked to release the GIL it holds the scan guard so no other
    # thread can unmap the memory meanwhile.  Callers have re-checked
    # validity and clamped their ranges to the current size.

    cdef int _run(self, _Guarded operation, void *args,
                  bint release_gil) except -1:
        """operation(args) under the fault guard (see _ops.pxi)."""
        cdef int rc
        if release_gil:
            if fastmmap_fault_check() != 0:
                _os.raise_errno(posix.errno)
            # SAFETY: a running scan makes close() and resize() raise
            # BufferError until the operation returns, so the range the
            # caller checked stays mapped while the GIL is released.  Any
            # source or target buffer outside the map is held by the caller.
            self._enter_scan()
            with nogil:
                rc = fastmmap_guard_run(operation, args)
            self._leave_scan()
        else:
            # SAFETY: the GIL is held, so nothing can unmap the range.
            rc = fastmmap_guard_run(operation, args)
        if rc != 0:
            _os.raise_truncated()
        return 0

    cdef Py_ssize_t _find(self, Py_ssize_t start, Py_ssize_t end,
                          const char *needle, Py_ssize_t k) except -2:
        """Absolute offset of the first needle in [start, end), or -1."""
        cdef Py_ssize_t n = end - start
        if n < k:
            return -1
        if n - k < 2 * GIL_FREE_MIN:
            return self._search_in(_do_find, start, n, needle, k, False)
        return self._near_then_far(_do_find, start, start + GIL_FREE_MIN,
                                   n - GIL_FREE_MIN, needle, k)

    cdef Py_ssize_t _rfind(self, Py_ssize_t start, Py_ssize_t end,
                           const char *needle, Py_ssize_t k) except -2:
        """Absolute offset of the last needle in [start, end), or -1."""
        cdef Py_ssize_t n = end - start, near_start
        if n < k:
            return -1
        if n - k < 2 * GIL_FREE_MIN:
            return self._search_in(_do_rfind, start, n, needle, k, False)
        near_start = end - GIL_FREE_MIN - k + 1
        return self._near_then_far(_do_rfind, near_start, start,
                                   near_start - start + k - 1, needle, k)

    cdef Py_ssize_t _near_then_far(self, _Guarded search, Py_ssize_t near_start,
                                   Py_ssize_t far_start, Py_ssize_t far_len,
                                   const char *needle, Py_ssize_t k) except -2:
        """Hits close to where a scan begins are common (readline-style
        loops, find-next loops): look at the GIL_FREE_MIN match positions
        from near_start with the GIL held, so such calls never pay for
        releasing it, and only then scan the far part without the GIL."""
        cdef Py_ssize_t found = self._search_in(
            search, near_start, GIL_FREE_MIN + k - 1, needle, k, False)
        if found >= 0:
            return found
        return self._search_in(search, far_start, far_len, needle, k, True)

    cdef Py_ssize_t _search_in(self, _Guarded search, Py_ssize_t start,
                               Py_ssize_t n, const char *needle, Py_ssize_t k,
                               bint release_gil) except -2:
        """One find or rfind on [start, start + n): absolute offset or -1."""
        cdef _SearchArgs a
        a.hay = self._data + start
        a.n = n
        a.needle = needle
        a.k = k
        self._run(search, &a, release_gil)
        return start + a.result if a.result >= 0 else -1

    cdef Py_ssize_t _count(self, Py_ssize_t start, Py_ssize_t end,
                           const char *needle, Py_ssize_t k) except -1:
        cdef _SearchArgs a
        a.hay = self._data + start
        a.n = end - start
        a.needle = needle
        a.k = k
        self._run(_do_count, &a, a.n >= GIL_FREE_MIN)
        return a.result

    cdef object _copy_out(self, Py_ssize_t start, Py_ssize_t n):
        """bytes(self._data[start:start + n]); the caller checked bounds."""
        cdef _CopyArgs a
        cdef object result
        if n <= 0:
            return b""
        # Allocate first, copy under the guard: a fault then leaks nothing.
        # (Allocating bytes runs no Python code, so the bounds still hold.)
        result = PyBytes_FromStringAndSize(NULL, n)
        a.dst = PyBytes_AS_STRING(result)
        a.src = self._data + start
        a.n = n
        self._run(_do_copy, &a, n >= GIL_FREE_MIN)
        return result

    cdef int _copy_in(self, Py_ssize_t start, const char *src,
                      Py_ssize_t n) except -1:
        """self._data[start:start + n] = src (memmove: src may be a view of
        this very map); the caller checked bounds and holds src."""
        cdef _CopyArgs a
        if n <= 0:
            return 0
        self._writes += 1
        a.dst = self._data + start
        a.src = src
        a.n = n
        return self._run(_do_copy, &a, n >= GIL_FREE_MIN)

    cdef int _copy_claimed(self, char *dst, const char *src, Py_ssize_t start,
                           Py_ssize_t n) except -1:
        """memmove(dst, src, n) for a read or write that claimed the n bytes
        at ``start`` (the position is already start + n): if the copy fails,
        the claim is given back.  The caller checked bounds and holds any
        buffer outside the map."""
        cdef _CopyArgs a
        if n <= 0:
            return 0
        a.dst = dst
        a.src = src
        a.n = n
        try:
            self._run(_do_copy, &a, n >= GIL_FREE_MIN)
        except BaseException:
            self._unclaim(start, n)
            raise
        return 0

    cdef int _load(self, Py_ssize_t i) except -1:
        """self._data[i] as 0..255; the caller checked 0 <= i < size."""
        cdef _ByteArgs a
        a.addr = self._data + i
        self._run(_do_load, &a, False)
        return a.value

    cdef int _store(self, Py_ssize_t i, int value) except -1:
        """self._data[i] = value; the caller checked 0 <= i < size."""
        cdef _ByteArgs a
        self._writes += 1
        a.addr = self._data + i
        a.value = value
        return self._run(_do_store, &a, False)

    # ------------------------------------------------------------------
    # Life cycle

    def close(self):
        """close() -> None.  Unmaps the memory and closes the descriptor.

        Raises BufferError while a buffer export (memoryview, NumPy array)
        or a GIL-free scan from another thread is alive.  Closing a closed
        map does nothing."""
        cdef char *base = self._map_base
        cdef size_t length = self._map_len
        if self._exports > 0 or self._busy():
            raise BufferError("cannot close exported pointers exist")
        if self._fd >= 0:
            _os.close_fd(self._fd)
            self._fd = -1
        # Unpublish before unmapping: no code path can see a dangling _data.
        self._data = NULL
        self._map_base = NULL
        self._map_len = 0
        if base != NULL:
            _os.unmap_memory(base, length)

    @property
    def closed(self):
        """True once close() has been called."""
        return self._data == NULL

    def __enter__(self):
        self._check_valid()
        return self

    def __exit__(self, exc_type, exc_value, traceback, /):
        self.close()

    def __reduce_ex__(self, protocol):
        raise TypeError(f"cannot pickle {self._type_name()!r} object")

    cdef str _type_name(self):
        return "fastmmap.mmap" if type(self) is mmap else type(self).__name__

    def __repr__(self):
        name = self._type_name()
        if self._data == NULL:
            return f"<{name} closed=True>"
        return (f"<{name} closed=False, access={_ACCESS_NAMES[self._access]}, "
                f"length={self._size}, pos={self._pos}, offset={self._offset}>")

    # ------------------------------------------------------------------
    # Searching

    def find(self, view, start=None, end=None, /):
        """find(view, start=None, end=None, /) -> int

        Lowest index in [start, end) where bytes-like ``view`` is found, or
        -1.  ``start`` defaults to the current position, ``end`` to the
        size; negative values count from the end, and a start past the end
        finds nothing (not even b"").  As in CPython 3.14 and 3.15, ``end``
        is ignored when ``start`` is None.  Runs without the GIL on large
        ranges."""
        return self._locate_arg(view, start, end, _first_in)

    def rfind(self, view, start=None, end=None, /):
        """rfind(view, start=None, end=None, /) -> int

        Highest index in [start, end) where ``view`` is found, or -1.  Same
        arguments as find()."""
        return self._locate_arg(view, start, end, _last_in)

    cdef object _locate_arg(self, object view, object start, object end,
                            _Locator locate):
        """find() or rfind(): ``locate`` on the argument ``view`` in
        [start, end), as _find_range normalises them."""
        cdef _Needle needle
        cdef Py_ssize_t c_start, c_end
        _take_needle(view, &needle)
        try:
            if not self._find_range(start, end, &c_start, &c_end):
                return -1
            return locate(self, c_start, c_end, needle.data, needle.len)
        finally:
            _release_needle(&needle)

    def count(self, sub, start=None, end=None, /):
        """count(sub, start=None, end=None, /) -> int

        Number of non-overlapping occurrences of ``sub`` in [start, end),
        with ``bytes.count`` semantics: ``m.count(sub, start, end) ==
        m[:].count(sub, start, end)``.  Unlike find(), the range defaults to
        the whole map, not the current position.  Runs without the GIL on
        large ranges."""
        cdef _Needle needle
        cdef Py_ssize_t c_start, c_end
        # CPython 3.15's order: the needle, then validity, then start and
        # end, then validity again.
        _take_needle(sub, &needle)
        try:
            self._check_valid()
            self._byte_range(start, end, &c_start, &c_end)
            if c_end - c_start < needle.len:
                return 0
            if needle.len == 0:
                return c_end - c_start + 1
            return self._count(c_start, c_end, needle.data, needle.len)
        finally:
            _release_needle(&needle)

    cdef bint _find_range(self, object start_arg, object end_arg,
                          Py_ssize_t *start, Py_ssize_t *end) except -1:
        """find() and rfind()'s [start, end) against the current size, in
        CPython 3.15's order (after the needle: validity, start and end,
        validity again); False when nothing can be found there."""
        cdef Py_ssize_t size
        self._check_valid()
        # Defaults are taken before conversion, as CPython does.
        start[0] = self._pos
        end[0] = self._size
        # CPython 3.14 and 3.15 read ``end`` only when ``start`` is given:
        # find(sub, None, end) searches to the end of the map.  Followed,
        # like every other 3.15 behaviour (docs/differences.rst).
        if start_arg is not None:
            start[0] = as_ssize(start_arg)
            if end_arg is not None:
                end[0] = as_ssize(end_arg)
        # Re-check after running arbitrary __index__ code.
        self._check_valid()
        size = self._size
        # mmap.find's index rules: negative values count from the end and
        # clamp at 0; a start past the end finds nothing (3.15, where b""
        # used to be found at the size); end clamps to size.
        if start[0] < 0:
            start[0] += size
            if start[0] < 0:
                start[0] = 0
        elif start[0] > size:
            return False
        if end[0] < 0:
            end[0] += size
            if end[0] < 0:
                end[0] = 0
        elif end[0] > size:
            end[0] = size
        return end[0] >= start[0]

    # ------------------------------------------------------------------
    # File-like interface

    def read(self, n=None, /):
        """read(n=None, /) -> bytes

        Up to ``n`` bytes from the current position (all remaining bytes
        when ``n`` is None or negative); advances the position."""
        cdef Py_ssize_t count = -1, remaining, start
        if n is not None:
            if not PyIndex_Check(n):
                raise TypeError("argument should be integer or None, not "
                                f"'{type(n).__name__}'")
            # read() converts like _Py_convert_optional_to_ssize_t, whose
            # overflow message differs from the "n" format unit's.
            count = PyNumber_AsSsize_t(n, OverflowError)
        self._await_position()
        self._check_valid()
        start = self._pos
        remaining = self._size - start if start < self._size else 0
        if count < 0 or count > remaining:
            count = remaining
        # Claimed before the copy (which may release the GIL): a concurrent
        # read or write starts after this range.
        self._pos = start + count
        try:
            return self._copy_out(start, count)
        except BaseException:
            self._unclaim(start, count)
            raise

    def read_byte(self):
        """read_byte() -> int.  The byte at the current position; advances."""
        cdef unsigned char value
        self._await_position()
        self._check_valid()
        if self._pos >= self._size:
            raise ValueError("read byte out of range")
        value = <unsigned char>self._load(self._pos)
        self._pos += 1
        return value

    def readline(self):
        """readline() -> bytes.  From the position up to and including the
        next b'\\n' (or to the end); advances the position."""
        cdef Py_ssize_t start, end, eol, n
        cdef char peek[READLINE_PEEK]
        cdef _PeekLineArgs a
        self._await_position()
        self._check_valid()
        start = self._pos
        end = self._size
        if start >= end:
            return b""
        # Most lines are short: find the newline in the next READLINE_PEEK
        # bytes and copy the line to the stack in one guarded step, instead
        # of a guarded search and then a guarded copy.
        n = end - start if end - start < READLINE_PEEK else READLINE_PEEK
        # SAFETY: start < end == self._size was read after _check_valid with
        # the GIL held, which _run keeps, so [start, start + n) stays mapped;
        # peek holds n <= READLINE_PEEK bytes.
        a.dst = peek
        a.src = self._data + start
        a.n = n
        self._run(_do_peek_line, &a, False)
        if a.length >= 0 or n == end - start:
            n = n if a.length < 0 else a.length
            if self._line_spare == NULL:
                self._line_spare = fastmmap_spare_new()
                if self._line_spare == NULL:
                    raise MemoryError()
            self._pos = start + n
            # peek[0:n] is our own copy.  A line object of an earlier call
            # that the caller has let go of is refilled (see _recycle.h).
            return fastmmap_spare_bytes(self._line_spare, peek, n)
        # A long line: its end is found without the GIL, holding the
        # position's turn so that no other thread moves the position
        # meanwhile; once it is known, the line is claimed like a read().
        _take_turn(&self._position_turn)
        try:
            eol = self._find(start + n, end, b"\n", 1)
        finally:
            _end_turn(&self._position_turn)
        eol = end if eol < 0 else eol + 1
        # _find may have released the GIL, but it held the guard: the map is
        # still open and no smaller than `end`.
        self._pos = eol
        try:
            return self._copy_out(start, eol - start)
        except BaseException:
            self._unclaim(start, eol - start)
            raise

    def write(self, bytes, /):
        """write(bytes, /) -> int

        Writes a bytes-like object at the current position, advances the
        position and returns the number of bytes written.  ValueError if it
        does not fit (nothing is written then)."""
        cdef Py_buffer view
        cdef Py_ssize_t n
        cdef Py_ssize_t start
        PyObject_GetBuffer(bytes, &view, PyBUF_SIMPLE)
        try:
            self._await_position()
            # __buffer__ may have closed or resized the map.
            self._check_valid()
            self._check_writable()
            n = view.len
            start = self._pos
            if start > self._size or self._size - start < n:
                raise ValueError("data out of range")
            # Claimed before the copy, as in read().
            self._pos = start + n
            if n > 0:
                self._writes += 1
            self._copy_claimed(self._data + start, <const char *>view.buf,
                               start, n)
            return n
        finally:
            PyBuffer_Release(&view)

    def write_byte(self, byte, /):
        """write_byte(byte, /) -> None.  Writes one byte (an int in
        range(256)) at the current position and advances it."""
        cdef long v = PyLong_AsLong(PyNumber_Index(byte))
        if v < 0:
            raise OverflowError("unsigned byte integer is less than minimum")
        if v > 255:
            raise OverflowError("unsigned byte integer is greater than maximum")
        self._await_position()
        self._check_valid()
        self._check_writable()
        if self._pos < self._size:
            self._store(self._pos, <int>v)
            self._pos += 1
        else:
            raise ValueError("write byte out of range")

    def seek(self, pos, whence=0, /):
        """seek(pos, whence=0, /) -> int

        Sets the position relative to the start (whence 0, default), the
        current position (1) or the end (2); returns the new position."""
        cdef Py_ssize_t dist = as_ssize(pos), where
        cdef int how = as_clinic_int(whence)
        self._await_position()
        self._check_valid()
        if how == 0:
            if dist < 0:
                raise ValueError("seek out of range")
            where = dist
        elif how == 1:
            if dist > 0 and dist > PY_SSIZE_T_MAX - self._pos:
                raise ValueError("seek out of range")
            where = self._pos + dist
        elif how == 2:
            if dist > 0 and dist > PY_SSIZE_T_MAX - self._size:
                raise ValueError("seek out of range")
            where = self._size + dist
        else:
            raise ValueError("unknown seek type")
        if where > self._size or where < 0:
            raise ValueError("seek out of range")
        self._pos = where
        return where

    def seekable(self):
        """seekable() -> True"""
        return True

    def tell(self):
        """tell() -> int.  The current position."""
        self._check_valid()
        return self._pos

    def size(self):
        """size() -> int.  The size of the underlying file; for an anonymous
        map, its length.  ValueError for a map made with trackfd=False."""
        self._check_valid()
        if not self._trackfd:
            raise _no_descriptor_error()
        if self._anonymous:
            return self._size
        # fstat keeps the GIL: a close() from another thread must not be able
        # to close (and the process reuse) the descriptor under it.
        return _os.fd_size(self._fd, False)

    def set_name(self, name, /):
        """set_name(name, /) -> None

        Names an anonymous map for debugging: on Linux 5.17 and later it
        shows in /proc/PID/maps as ``[anon:cpython:mmap:NAME]`` (the prefix
        CPython uses, so tools that look for it find fastmmap's maps too).
        At most 66 bytes of UTF-8, no NUL.  ValueError for a file map.
        Kernels that cannot name memory ignore the name."""
        cdef bytes encoded, full
        if not isinstance(name, str):
            raise TypeError("set_name() argument must be str, not "
                            f"{_type_name_of(name)}")
        encoded = (<str>name).encode("utf-8")
        if b"\0" in encoded:
            raise ValueError("embedded null character")
        full = _ANON_NAME_PREFIX + encoded
        if len(full) >= _ANON_NAME_MAX:
            raise ValueError("name is too long")
        if not self._anonymous:
            raise ValueError("Cannot set annotation on non-anonymous mappings")
        # Like CPython, a closed map is not an error here: there is just
        # nothing left to name.
        if self._map_base != NULL:
            # SAFETY: the GIL is held, so [_map_base, _map_base + _map_len)
            # stays mapped for the call.
            _os.name_anonymous(self._map_base, self._map_len, full)

    def _submap(self, start, end):
        """_submap(start, end) -> mmap or None.  A new read-only map of
        bytes [start, end) of this map, made from the file this map reads
        (through its own descriptor, so it is the same file even if the
        path now names another), for a thread to scan and unmap on its own
        (fastmmap._parallel).

        None when the file cannot give the same bytes: an anonymous map, a
        private one (its copy-on-write changes are not in the file), a file
        now shorter than the range, or dup() or mmap() failing; the caller
        then scans this map itself."""
        cdef Py_ssize_t lo = as_ssize(start)
        cdef Py_ssize_t hi = as_ssize(end)
        cdef int fd
        self._check_valid()
        if not 0 <= lo <= hi <= self._size:
            raise ValueError("range out of bounds")
        if self._fd < 0 or self._flags & posix.MAP_PRIVATE:
            return None
        # A duplicate taken with the GIL held: _map_file's syscalls release
        # it, and a close() from another thread meanwhile must not be able
        # to close (and the process reuse) the descriptor they use.
        try:
            fd = _os.dup_fd(self._fd, False)
        except OSError:                 # e.g. EMFILE
            return None
        try:
            return _map_file(fd, _ACCESS_READ, self._offset + lo, hi - lo)
        except (OSError, ValueError):
            return None
        finally:
            _os.close_fd(fd)

    def __len__(self):
        self._check_valid()
        return self._size

    # ------------------------------------------------------------------
    # Memory management

    def flush(self, offset=0, size=-1, /, *, flags=0):
        """flush(offset=0, size=-1, /, *, flags=0) -> None

        msync()s ``size`` bytes from ``offset`` to the file (size -1: to
        the end of the map).  ``flags`` is 0 (meaning MS_SYNC) or a
        combination of MS_SYNC, MS_ASYNC and MS_INVALIDATE.  Does nothing
        for ACCESS_READ and ACCESS_COPY maps.  The kernel wants ``offset``
        page-aligned (OSError EINVAL otherwise)."""
        cdef Py_ssize_t c_offset = as_ssize(offset)
        cdef Py_ssize_t c_size = as_ssize(size)
        cdef int c_flags = as_clinic_int(flags)
        cdef char *addr
        self._check_valid()
        if c_size == -1:
            c_size = self._size - c_offset
        if c_size < 0 or c_offset < 0 or self._size - c_offset < c_size:
            raise ValueError("flush values out of range")
        if self._access == _ACCESS_READ or self._access == _ACCESS_COPY:
            return None
        if self._map_base == NULL:
            return None
        addr = self._page_range(c_offset, &c_size)
        # SAFETY: [addr, addr + c_size) lies inside the current mapping;
        # msync runs without the GIL, and the scan guard stops another
        # thread from unmapping the range meanwhile.
        self._enter_scan()
        try:
            _os.sync_memory(addr, <size_t>c_size,
                            c_flags if c_flags else posix.MS_SYNC)
        finally:
            self._leave_scan()

    def madvise(self, option, start=0, length=None, /):
        """madvise(option, start=0, length=None, /) -> None

        Advises the kernel about [start, start + length) (to the end of the
        map by default); ``option`` is one of the MADV_* constants."""
        cdef int c_option = as_clinic_int(option)
        cdef Py_ssize_t c_start = as_ssize(start)
        cdef Py_ssize_t c_length
        cdef char *addr
        # As in CPython 3.15, length (which may be None) is converted after
        # the validity check, and validity checked again after it.
        self._check_valid()
        c_length = self._size if length is None else as_ssize(length)
        self._check_valid()
        if c_start < 0 or c_start >= self._size:
            raise ValueError("madvise start out of bounds")
        if c_length < 0:
            raise ValueError("madvise length invalid")
        if PY_SSIZE_T_MAX - c_start < c_length:
            raise OverflowError("madvise length too large")
        if c_start + c_length > self._size:
            c_length = self._size - c_start
        addr = self._page_range(c_start, &c_length)
        # SAFETY: the syscall runs without the GIL; the scan guard stops
        # another thread from unmapping [addr, addr + length) meanwhile (an
        # madvise on a range that got remapped could discard someone else's
        # pages).
        self._enter_scan()
        try:
            _os.advise_memory(addr, <size_t>c_length, c_option)
        finally:
            self._leave_scan()

    def move(self, dest, src, count, /):
        """move(dest, src, count, /) -> None

        Copies ``count`` bytes from offset ``src`` to offset ``dest``
        (overlapping ranges are fine: memmove)."""
        cdef Py_ssize_t c_dest = as_ssize(dest)
        cdef Py_ssize_t c_src = as_ssize(src)
        cdef Py_ssize_t c_count = as_ssize(count)
        self._check_valid()
        self._check_writable()
        if c_dest < 0 or c_src < 0 or c_count < 0:
            raise ValueError("source, destination, or count out of range")
        if self._size - c_dest < c_count or self._size - c_src < c_count:
            raise ValueError("source, destination, or count out of range")
        self._copy_in(c_dest, self._data + c_src, c_count)

    def resize(self, newsize, /):
        """resize(newsize, /) -> None

        Resizes the map and, for a file map, truncates or extends the file
        to offset + newsize.  Raises BufferError while buffers are exported
        or a GIL-free scan is running, TypeError for ACCESS_READ/ACCESS_COPY
        maps, ValueError with trackfd=False.  A shared anonymous map cannot
        grow (ValueError): on Linux the extra pages would not be backed and
        touching them would kill the process with SIGBUS."""
        cdef Py_ssize_t new_size = as_ssize(newsize)
        cdef size_t skip
        cdef char *new_base
        self._check_valid()
        self._check_resizable()
        if new_size < 0 or PY_SSIZE_T_MAX - new_size < self._offset:
            raise ValueError("new size out of range")
        if not posix.FASTMMAP_HAVE_MREMAP:
            raise SystemError("mmap: resizing not available--no mremap()")
        if (self._anonymous and not (self._flags & posix.MAP_PRIVATE)
                and new_size > self._size):
            # Linux would map the extra pages, but nothing backs them:
            # touching one kills the process with SIGBUS (gh-138204; CPython
            # 3.15 refuses any growth, even back to an earlier size).
            raise ValueError("mmap: can't expand a shared anonymous mapping")
        if self._map_base == NULL:
            raise ValueError("mmap can't resize an empty map")
        skip = <size_t>(self._data - self._map_base)
        # Both syscalls keep the GIL (as CPython's resize does): released,
        # another thread could start a GIL-free scan of the old mapping
        # between the export check above and mremap() moving it.
        if self._fd >= 0:
            _os.truncate_fd(self._fd, <off_t>(self._offset + new_size), False)
        new_base = _os.remap_memory(self._map_base, self._map_len,
                                    skip + <size_t>new_size, False)
        self._writes += 1
        self._map_base = new_base
        self._map_len = skip + <size_t>new_size
        self._data = new_base + skip
        self._size = new_size

    # ------------------------------------------------------------------
    # Sequence and mapping protocol

    def __iter__(self):
        cdef _Iterator it
        self._check_valid()
        it = _Iterator.__new__(_Iterator)
        it._map = self
        it._index = 0
        it._stride = 1
        return it

    def __reversed__(self):
        cdef _Iterator it
        self._check_valid()
        it = _Iterator.__new__(_Iterator)
        it._map = self
        it._index = self._size - 1
        it._stride = -1
        return it

    def __getitem__(self, item):
        cdef Py_ssize_t i, start, stop, step, slicelen
        cdef object result
        cdef _StridedArgs a
        self._check_valid()
        if PyIndex_Check(item):
            i = PyNumber_AsSsize_t(item, IndexError)
            self._check_valid()
            return self._load(self._item_offset(i))
        if PySlice_Check(item):
            _slice_unpack(item, &start, &stop, &step)
            self._check_valid()
            slicelen = PySlice_AdjustIndices(self._size, &start, &stop, step)
            if slicelen <= 0:
                return b""
            if step == 1:
                return self._copy_out(start, slicelen)
            result = PyBytes_FromStringAndSize(NULL, slicelen)
            # AdjustIndices keeps every start + j * step inside [0, size).
            a.dst = PyBytes_AS_STRING(result)
            a.src = self._data + start
            a.n = slicelen
            a.step = step
            self._run(_do_gather, &a, False)
            return result
        raise TypeError("mmap indices must be integers")

    cdef inline Py_ssize_t _item_offset(self, Py_ssize_t i) except -1:
        """The offset of m[i] (negative i counts from the end) against the
        current size; IndexError outside the map."""
        if i < 0:
            i += self._size
        if i < 0 or i >= self._size:
            raise IndexError("mmap index out of range")
        return i

    def __setitem__(self, item, value):
        self._assign(item, value)

    def __delitem__(self, item):
        self._assign(item, _DELETE)

    cdef int _assign(self, object item, object value) except -1:
        """m[item] = value, or del m[item] when value is _DELETE, in CPython
        3.15's order: writability, the index, the value, and only then
        validity and bounds (so a closed map reports a bad value first)."""
        cdef Py_ssize_t i, v, start, stop, step, slicelen, raw_start, raw_stop
        cdef Py_buffer view
        self._check_writable()
        if PyIndex_Check(item):
            i = PyNumber_AsSsize_t(item, IndexError)
            if value is _DELETE:
                raise TypeError("mmap doesn't support item deletion")
            if not PyIndex_Check(value):
                raise TypeError("mmap item value must be an int")
            v = PyNumber_AsSsize_t(value, TypeError)
            if v < 0 or v > 255:
                raise ValueError("mmap item value must be in range(0, 256)")
            # The conversions above may have run __index__ code that closed
            # or shrank the map (CPython 3.11-3.13 write out of bounds
            # there): validity and bounds are checked only now.
            self._check_valid()
            return self._store(self._item_offset(i), <int>v)
        if PySlice_Check(item):
            _slice_unpack(item, &raw_start, &raw_stop, &step)
            if value is _DELETE:
                raise TypeError("mmap object doesn't support slice deletion")
            PyObject_GetBuffer(value, &view, PyBUF_SIMPLE)
            try:
                # __index__ (in the unpack) or __buffer__ may have closed or
                # resized the map: the slice is derived from the current size.
                self._check_valid()
                start, stop = raw_start, raw_stop
                slicelen = PySlice_AdjustIndices(self._size, &start, &stop, step)
                if view.len != slicelen:
                    raise IndexError("mmap slice assignment is wrong size")
                return self._store_slice(start, step, <const char *>view.buf,
                                         slicelen)
            finally:
                PyBuffer_Release(&view)
        raise TypeError("mmap indices must be integer")

    cdef int _store_slice(self, Py_ssize_t start, Py_ssize_t step,
                          const char *src, Py_ssize_t slicelen) except -1:
        """self[start::step] = src[:slicelen]; PySlice_AdjustIndices gave
        start, step and slicelen against the current size, and the caller
        holds src."""
        cdef _StridedArgs a
        if slicelen == 0:
            return 0
        if step == 1:
            return self._copy_in(start, src, slicelen)
        # AdjustIndices keeps every start + j * step inside [0, size).
        self._writes += 1
        a.dst = self._data + start
        a.src = src
        a.n = slicelen
        a.step = step
        return self._run(_do_scatter, &a, False)

    # ------------------------------------------------------------------
    # Buffer protocol: exports are counted exactly; while any is alive the
    # memory cannot be unmapped (close/resize raise BufferError).

    def __getbuffer__(self, Py_buffer *view, int flags):
        cdef bint readonly
        self._check_valid()
        readonly = self._access == _ACCESS_READ
        if (flags & PyBUF_WRITABLE) == PyBUF_WRITABLE and readonly:
            raise BufferError("Object is not writable.")
        view.buf = self._data
        view.len = self._size
        view.readonly = readonly
        view.itemsize = 1
        view.format = NULL
        if (flags & PyBUF_FORMAT) == PyBUF_FORMAT:
            view.format = b"B"
        view.ndim = 1
        view.shape = &view.len if (flags & PyBUF_ND) == PyBUF_ND else NULL
        view.strides = (&view.itemsize
                        if (flags & PyBUF_STRIDES) == PyBUF_STRIDES else NULL)
        view.suboffsets = NULL
        view.internal = NULL
        view.obj = self
        self._exports += 1

    def __releasebuffer__(self, Py_buffer *view):
        self._exports -= 1

    # ------------------------------------------------------------------
    # Scanning extras (not in the stdlib)

    def find_all(self, sub, start=None, end=None):
        """find_all(sub, start=None, end=None) -> numpy.ndarray[int64]

        Offsets of every non-overlapping occurrence of ``sub`` in
        [start, end), left to right: exactly the matches count() counts
        (same index rules, default the whole map).  Found in one pass
        without the GIL.  The array is writable and owns its memory."""
        cdef Py_buffer view
        cdef Py_ssize_t c_start, c_end, k, most
        cdef OffsetBuffer buf
        cdef _FindAllArgs a
        views = _numpy_views()
        PyObject_GetBuffer(sub, &view, PyBUF_SIMPLE)
        try:
            self._byte_range(start, end, &c_start, &c_end)
            k = view.len
            if c_end - c_start < k:
                return views.offsets_range(0, 0)
            if k == 0:
                return views.offsets_range(c_start, c_end + 1)
            a.needle = <const char *>view.buf
            a.k = k
            # The scan guard is held from sizing to the last pass (not only
            # inside _run): `view` may be a buffer of this very map, and the
            # range must not change in between.
            self._enter_scan()
            try:
                # Room for the most matches there can be: address space
                # only (see _offsets).  Where even that cannot be had, start
                # smaller and grow.
                most = (c_end - c_start) // k
                try:
                    buf = reserve_offsets(most)
                except MemoryError:
                    buf = reserve_offsets(min(most, FIND_ALL_FALLBACK_START))
                while True:
                    a.hay = self._data + c_start
                    a.n = c_end - c_start
                    a.origin = c_start
                    a.out = buf.data + buf.count
                    a.cap = buf.capacity - buf.count
                    self._run(_do_find_all, &a, a.n >= GIL_FREE_MIN)
                    buf.count += a.found
                    c_start += a.resume
                    if buf.count < buf.capacity or c_end - c_start < k:
                        break
                    buf = _grown(buf, min(buf.count, (c_end - c_start) // k))
            finally:
                self._leave_scan()
            if buf.count == 0:
                return views.offsets_range(0, 0)
            buf.trim()
            return views.offsets_array(buf)
        finally:
            PyBuffer_Release(&view)

    cdef int _byte_range(self, object start_arg, object end_arg,
                         Py_ssize_t *start, Py_ssize_t *end) except -1:
        """Optional start/end normalised with bytes' slicing rules against
        the current size (re-checking validity after __index__ calls)."""
        start[0] = 0
        end[0] = PY_SSIZE_T_MAX
        if start_arg is not None:
            start[0] = as_ssize(start_arg)
        if end_arg is not None:
            end[0] = as_ssize(end_arg)
        self._check_valid()
        _bytes_indices(start, end, self._size)
        return 0

    def lines(self, start=None, end=None, *, keepends=True):
        """lines(start=None, end=None, *, keepends=True) -> iterator of bytes

        The lines of [start, end) (bytes' index rules, default the whole
        map), split after each b'\\n' exactly as readline() splits them; a
        line cut by ``end`` or the end of the map comes out as it is.  With
        keepends=False the b'\\n' (only that byte) is dropped.  Does not
        move the file position.  Each step re-checks the map, so closing it
        mid-iteration raises ValueError and shrinking it ends the lines early.

        Like zip() with its tuples, the iterator reuses a line's bytes object
        for a later line once nothing else refers to it; a line you keep is
        never changed, but id() values repeat more than usual."""
        cdef _LineIterator it
        cdef Py_ssize_t c_start, c_end
        self._byte_range(start, end, &c_start, &c_end)
        it = _LineIterator.__new__(_LineIterator)
        it._map = self
        it._pos = c_start
        it._end = c_end
        it._keepends = bool(keepends)
        return it

    def readinto(self, buffer):
        """readinto(buffer) -> int

        Copies bytes from the current position into a writable bytes-like
        object (as io.RawIOBase.readinto), advances the position and returns
        the count: min(len(buffer), bytes remaining).  Large copies release
        the GIL."""
        cdef Py_buffer view
        cdef Py_ssize_t n, remaining, start
        try:
            PyObject_GetBuffer(buffer, &view, PyBUF_WRITABLE)
        except Exception:
            # Whatever the exporter says (BufferError, NumPy's ValueError
            # for read-only arrays), io's readinto reports TypeError.
            raise TypeError("readinto() argument must be read-write "
                            f"bytes-like object, not {type(buffer).__name__}")
        try:
            self._await_position()
            # GetBuffer may have run __buffer__: check the map afterwards.
            self._check_valid()
            start = self._pos
            remaining = self._size - start if start < self._size else 0
            n = view.len if view.len < remaining else remaining
            # Claimed before the copy, as in read().
            self._pos = start + n
            # memmove (in _do_copy): the target may be a view of this map;
            # `view` holds the target for the call.
            self._copy_claimed(<char *>view.buf, self._data + start, start, n)
            return n
        finally:
            PyBuffer_Release(&view)

    # ------------------------------------------------------------------
    # NumPy

    def as_array(self, dtype=None, shape=None, offset=0, order="C"):
        """as_array(dtype=numpy.uint8, shape=None, offset=0, order="C") -> numpy.ndarray

        A zero-copy NumPy view of the mapped bytes from ``offset``.  The
        array holds a buffer export on the map: close() and resize() raise
        BufferError while it (or any view of it) is alive.  Imports NumPy
        on first use."""
        return _numpy_views().as_array(self, dtype, shape, offset, order)


cdef Py_ssize_t _first_in(mmap m, Py_ssize_t start, Py_ssize_t end,
                          const char *needle, Py_ssize_t k) except -2:
    return m._find(start, end, needle, k)


cdef Py_ssize_t _last_in(mmap m, Py_ssize_t start, Py_ssize_t end,
                         const char *needle, Py_ssize_t k) except -2:
    return m._rfind(start, end, needle, k)


def _map_file(int fd, int access, long long offset, length):
    """Map [offset, offset + length) of the regular file open as ``fd``
    (length None: to the end of the file) for fastmmap.open().

    Unlike the constructor it accepts any offset (it maps from the page
    below and exposes from ``offset``) and an empty range (a zero-length
    map that is open but has no OS mapping).  It never maps past the end of
    the file: touching such pages would raise SIGBUS."""
    cdef off_t file_size
    cdef long long c_length, aligned
    cdef size_t skip
    cdef int prot = 0, flags = 0
    cdef mmap m
    if offset < 0:
        raise ValueError("offset must be >= 0")
    file_size = _os.fd_size(fd)
    if offset > file_size:
        raise ValueError("offset is past the end of the file")
    if length is None:
        c_length = file_size - offset
    else:
        c_length = as_longlong(length)
        if c_length < 0:
            raise ValueError("length must be >= 0")
        if c_length > file_size - offset:
            raise ValueError("length is past the end of the file")
    if c_length > PY_SSIZE_T_MAX:
        raise OverflowError("map too large for this platform")
    _access_flags_prot(access, &flags, &prot)
    m = mmap.__new__(mmap, _BLANK)
    m._access = access
    m._flags = flags
    m._trackfd = True
    m._offset = offset
    m._size = <Py_ssize_t>c_length
    m._pos = 0
    m._fd = _os.dup_fd(fd)
    if c_length == 0:
        m._data = _EMPTY_MAP
        return m
    aligned = offset - offset % _os.page_size()
    skip = <size_t>(offset - aligned)
    m._map_base = _os.map_memory(skip + <size_t>c_length, prot, flags, fd,
                                 <off_t>aligned)
    m._map_len = skip + <size_t>c_length
    m._data = m._map_base + skip
    return m


# ----------------------------------------------------------------------
# Module set-up

if fastmmap_fault_install() != 0:
    _os.raise_errno(posix.errno)

# A forked child has none of the parent's other threads: their scans and
# turns must not hold its maps (see _Turn).
_pyos.register_at_fork(after_in_child=_after_fork_in_child)

# Name the type as users import it: messages the interpreter writes (and
# mmap.__module__) then say fastmmap.mmap, not the private module.
_set_type_name(<PyTypeObject *>mmap, b"fastmmap.mmap")
# iter(m) is an 'iterator', as the stdlib's sequence iterator is called.
_set_type_name(<PyTypeObject *>_Iterator, b"fastmmap.iterator")

# Module constants, with the stdlib's names and this platform's values: the
# access modes and the page size are fastmmap's own, the rest is every name
# of the list in _constants.h that this platform defines.

ACCESS_DEFAULT = _ACCESS_DEFAULT
ACCESS_READ = _ACCESS_READ
ACCESS_WRITE = _ACCESS_WRITE
ACCESS_COPY = _ACCESS_COPY


cdef dict _constants():
    cdef Py_ssize_t count, i
    cdef const posix.fastmmap_constant *table = posix.fastmmap_constants(&count)
    constants = {
        "ACCESS_DEFAULT": ACCESS_DEFAULT, "ACCESS_READ": ACCESS_READ,
        "ACCESS_WRITE": ACCESS_WRITE, "ACCESS_COPY": ACCESS_COPY,
        "PAGESIZE": _PAGE_SIZE, "ALLOCATIONGRANULARITY": _PAGE_SIZE,
    }
    for i in range(count):
        constants[table[i].name.decode("ascii")] = table[i].value
    return constants


CONSTANTS = _constants()
