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

Step 3 is always ``mmap._run(operation, args, release_gil)``.  The class is
here; the rest of the module is split by concern into the units included
below: _threads.pxi (turns and fork state), _ops.pxi (the guarded
operations), _ranges.pxi (needles and index rules), _sets.pxi (several needles, ignoring case),
_construct.pxi (the
constructor's arguments, fastmmap.open's mapping), _iterators.pxi (iter()
and lines()), _find_all.pxi (find_all and its storage), _parallel.pxi
(count and find_all over several threads), _memory.pxi (flush, madvise,
resize), _items.pxi (item and slice assignment) and _module_constants.pxi.
"""

cimport cython
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_SIMPLE
from cpython.buffer cimport PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING
from cpython.number cimport PyNumber_AsSsize_t, PyNumber_Index, PyIndex_Check
from cpython.long cimport PyLong_AsLong
from cpython.mem cimport PyMem_Free, PyMem_Malloc

from fastmmap cimport _guard, _os
from fastmmap cimport _posix as posix
from fastmmap cimport _search
from fastmmap._guard cimport Guarded
from fastmmap._offsets cimport OffsetBuffer, reserve_offsets
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

_ACCESS_NAMES = ("ACCESS_DEFAULT", "ACCESS_READ", "ACCESS_WRITE", "ACCESS_COPY")

# set_name(): the kernel's limit for a name is 80 bytes with its NUL, and
# CPython puts this prefix before the caller's part.
cdef bytes _ANON_NAME_PREFIX = b"cpython:mmap:"
cdef Py_ssize_t _ANON_NAME_MAX = 80


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

include "_threads.pxi"
include "_ops.pxi"
include "_ranges.pxi"
include "_sets.pxi"
include "_construct.pxi"
include "_find_all.pxi"
include "_parallel.pxi"
include "_memory.pxi"
include "_items.pxi"


cdef class mmap
include "_iterators.pxi"

# readline() first looks for the newline in a copy of this many bytes.
cdef enum:
    READLINE_PEEK = 256


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
    cdef size_t _writes       # stores into the map so far (_run; lines() read-ahead)
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
        _construct(self, args, kwargs)

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

    # ------------------------------------------------------------------
    # Memory access.  Every read or write of mapped bytes goes through
    # _run(): it catches SIGBUS (a truncated file) and turns it into OSError,
    # and when asked to release the GIL it holds the scan guard so no other
    # thread can unmap the memory meanwhile.  Callers have re-checked
    # validity and clamped their ranges to the current size.

    cdef int _run(self, _Operation op, void *args,
                  bint release_gil) except -1:
        """op.run(args) under the fault guard (see _ops.pxi); a store into
        the map is counted in _writes before it runs, even if it faults
        half-way."""
        if op.writes:
            self._writes += 1
        if not release_gil:
            # SAFETY: the GIL is held, so nothing can unmap the range.
            return _guard.run(op.run, args, False)
        # SAFETY: a running scan makes close() and resize() raise
        # BufferError until the operation returns, so the range the caller
        # checked stays mapped while the GIL is released.  Any source or
        # target buffer outside the map is held by the caller.
        self._enter_scan()
        try:
            return _guard.run(op.run, args, True)
        finally:
            self._leave_scan()

    cdef Py_ssize_t _find(self, Py_ssize_t start, Py_ssize_t end,
                          const char *needle, Py_ssize_t k) except -2:
        """Absolute offset of the first needle in [start, end), or -1."""
        cdef Py_ssize_t n = end - start
        if n < k:
            return -1
        if n - k < 2 * GIL_FREE_MIN:
            return self._search_in(False, start, n, needle, k, False)
        return self._near_then_far(False, start, start + GIL_FREE_MIN,
                                   n - GIL_FREE_MIN, needle, k)

    cdef Py_ssize_t _rfind(self, Py_ssize_t start, Py_ssize_t end,
                           const char *needle, Py_ssize_t k) except -2:
        """Absolute offset of the last needle in [start, end), or -1."""
        cdef Py_ssize_t n = end - start, near_start
        if n < k:
            return -1
        if n - k < 2 * GIL_FREE_MIN:
            return self._search_in(True, start, n, needle, k, False)
        near_start = end - GIL_FREE_MIN - k + 1
        return self._near_then_far(True, near_start, start,
                                   near_start - start + k - 1, needle, k)

    cdef Py_ssize_t _near_then_far(self, bint reverse, Py_ssize_t near_start,
                                   Py_ssize_t far_start, Py_ssize_t far_len,
                                   const char *needle, Py_ssize_t k) except -2:
        """Hits close to where a scan begins are common (readline-style
        loops, find-next loops): look at the GIL_FREE_MIN match positions
        from near_start with the GIL held, so such calls never pay for
        releasing it, and only then scan the far part without the GIL."""
        cdef Py_ssize_t found = self._search_in(
            reverse, near_start, GIL_FREE_MIN + k - 1, needle, k, False)
        if found >= 0:
            return found
        return self._search_in(reverse, far_start, far_len, needle, k, True)

    cdef Py_ssize_t _search_in(self, bint reverse, Py_ssize_t start,
                               Py_ssize_t n, const char *needle, Py_ssize_t k,
                               bint release_gil) except -2:
        """One find or rfind on [start, start + n): absolute offset or -1."""
        cdef _SearchArgs a
        a.hay = self._data + start
        a.n = n
        a.needle = needle
        a.k = k
        a.set = NULL
        self._run(_RFIND if reverse else _FIND, &a, release_gil)
        return start + a.result if a.result >= 0 else -1

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
        self._run(_READ, &a, n >= GIL_FREE_MIN)
        return result

    cdef int _copy_in(self, Py_ssize_t start, const char *src,
                      Py_ssize_t n) except -1:
        """self._data[start:start + n] = src (memmove: src may be a view of
        this very map); the caller checked bounds and holds src."""
        cdef _CopyArgs a
        if n <= 0:
            return 0
        a.dst = self._data + start
        a.src = src
        a.n = n
        return self._run(_WRITE, &a, n >= GIL_FREE_MIN)

    cdef int _copy_claimed(self, _Operation op, char *dst, const char *src,
                           Py_ssize_t start, Py_ssize_t n) except -1:
        """memmove(dst, src, n) (op: _READ or _WRITE) for a read or write
        that claimed the n bytes
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
            self._run(op, &a, n >= GIL_FREE_MIN)
        except BaseException:
            self._unclaim(start, n)
            raise
        return 0

    cdef int _load(self, Py_ssize_t i) except -1:
        """self._data[i] as 0..255; the caller checked 0 <= i < size."""
        cdef _ByteArgs a
        a.addr = self._data + i
        self._run(_LOAD, &a, False)
        return a.value

    cdef int _store(self, Py_ssize_t i, int value) except -1:
        """self._data[i] = value; the caller checked 0 <= i < size."""
        cdef _ByteArgs a
        a.addr = self._data + i
        a.value = value
        return self._run(_STORE, &a, False)

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
        return self._locate(view, start, end, False)

    def rfind(self, view, start=None, end=None, /):
        """rfind(view, start=None, end=None, /) -> int

        Highest index in [start, end) where ``view`` is found, or -1.  Same
        arguments as find()."""
        return self._locate(view, start, end, True)

    cdef object _locate(self, object view, object start, object end,
                        bint reverse):
        """find() (or rfind(), reverse): the argument ``view`` in
        [start, end), as _find_range normalises them."""
        cdef _Needle needle
        cdef Py_ssize_t c_start, c_end
        _take_needle(view, &needle)
        try:
            if not _find_range(self, start, end, &c_start, &c_end):
                return -1
            if reverse:
                return self._rfind(c_start, c_end, needle.data, needle.len)
            return self._find(c_start, c_end, needle.data, needle.len)
        finally:
            _release_needle(&needle)

    def count(self, sub, start=None, end=None, /, *, workers=1,
              ignore_case=False):
        """count(sub, start=None, end=None, /, *, workers=1, ignore_case=False) -> int

        Number of non-overlapping occurrences of ``sub`` in [start, end),
        with ``bytes.count`` semantics: ``m.count(sub, start, end) ==
        m[:].count(sub, start, end)``.  Unlike find(), the range defaults to
        the whole map, not the current position.  ``sub`` may be a tuple
        or list of needles (any of them: leftmost, the longest at an
        offset); ``ignore_case`` matches ASCII letters in either case.
        Runs without the GIL on large ranges; with ``workers`` > 1 (None:
        one per CPU this process may use) a range of 32 MiB or more is
        split across that many threads."""
        cdef _Needle needle
        cdef _NeedleSet needles = None
        cdef _Searcher s
        cdef Py_ssize_t c_start, c_end
        cdef int c_workers = _workers_arg(workers)
        # CPython 3.15's order for its other methods: the needle, then
        # validity, then start and end, then validity again.
        if _several(sub):
            needles = _needle_set(sub, ignore_case)
            needle.have_view = False
        else:
            _take_needle(sub, &needle)
        try:
            if needles is None and ignore_case and needle.len > 0:
                needles = _needle_set(
                    (PyBytes_FromStringAndSize(needle.data, needle.len),), True)
            if needles is not None:
                _set_of(&s, needles)
            else:
                _one_needle(&s, needle.data, needle.len)
            self._check_valid()
            _byte_range(self, start, end, &c_start, &c_end)
            if c_end - c_start < s.shortest:
                return 0
            if s.longest == 0:
                return c_end - c_start + 1
            if c_workers > 1:
                return _count_parts(self, &s, c_start, c_end, c_workers)
            return _count_in(self, &s, c_start, c_end)
        finally:
            _release_needle(&needle)

    def search(self, sub, start=None, end=None, /, *, ignore_case=False,
               reverse=False):
        """search(sub, start=None, end=None, /, *, ignore_case=False, reverse=False)
        -> tuple[int, int]

        The (start, end) span of the first occurrence of ``sub`` in
        [start, end) -- of the last one with ``reverse`` -- or (-1, -1):
        find() and rfind() for a tuple or list of needles (any of them:
        leftmost, the longest at an offset, as grep -F takes them) or with
        ``ignore_case`` (ASCII letters in either case).  Same index rules
        as find()."""
        return _search_span(self, sub, start, end, ignore_case, reverse)

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
        self._run(_PEEK_LINE, &a, False)
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
            self._copy_claimed(_WRITE, self._data + start,
                               <const char *>view.buf, start, n)
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
        return _flush(self, offset, size, flags)

    def madvise(self, option, start=0, length=None, /):
        """madvise(option, start=0, length=None, /) -> None

        Advises the kernel about [start, start + length) (to the end of the
        map by default); ``option`` is one of the MADV_* constants."""
        return _madvise(self, option, start, length)

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
        return _resize(self, newsize)

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
            self._run(_GATHER, &a, False)
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
        _assign(self, item, value)

    def __delitem__(self, item):
        _assign(self, item, _DELETE)

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

    def find_all(self, sub, start=None, end=None, *, workers=1,
                 ignore_case=False):
        """find_all(sub, start=None, end=None, *, workers=1, ignore_case=False)
        -> numpy.ndarray[int64]

        Offsets of every non-overlapping occurrence of ``sub`` in
        [start, end), left to right: exactly the matches count() counts
        (same index rules, default the whole map).  Found in one pass
        without the GIL, split across threads as count() splits it with
        ``workers`` > 1; ``sub`` and ``ignore_case`` as for count().  The
        array is writable and owns its memory."""
        return _find_all(self, sub, start, end, workers, ignore_case)

    def lines(self, start=None, end=None, *, keepends=True):
        """lines(start=None, end=None, *, keepends=True) -> iterator of bytes

        The lines of [start, end) (bytes' index rules, default the whole
        map), split after each b'\\n' exactly as readline() splits them; a
        line cut by ``end`` or the end of the map comes out as it is.  With
        keepends=False the b'\\n' (only that byte) is dropped.  Does not
        move the file position.  Each step re-checks the map, so closing it
        mid-iteration raises ValueError and shrinking it ends the lines early.

        On Python 3.10-3.13, like zip() with its tuples, the iterator reuses
        a line's bytes object for a later line once nothing else refers to
        it: a line you keep is never changed, but id() values repeat more
        than usual.  Python 3.14 and later get a new object per line."""
        cdef _LineIterator it
        cdef Py_ssize_t c_start, c_end
        _byte_range(self, start, end, &c_start, &c_end)
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
            self._copy_claimed(_READ, <char *>view.buf, self._data + start,
                               start, n)
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


# ----------------------------------------------------------------------
# Module set-up

# Name the type as users import it: messages the interpreter writes (and
# mmap.__module__) then say fastmmap.mmap, not the private module.
_set_type_name(<PyTypeObject *>mmap, b"fastmmap.mmap")
# iter(m) is an 'iterator', as the stdlib's sequence iterator is called.
_set_type_name(<PyTypeObject *>_Iterator, b"fastmmap.iterator")

include "_module_constants.pxi"
