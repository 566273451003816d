# cython: language_level=3
"""The drop-in ``mmap`` object.

Every method follows the same three steps, in this order:

1. convert its arguments (which may run Python code: ``__index__``,
   ``__buffer__``, ``__eq__`` -- and that code may close or resize the map);
2. re-check that the map is still open and that the bounds still hold
   against the *current* size;
3. only then touch ``self._data``, through a kernel when the work is large.

Nothing caches ``_data`` or ``_size`` across step 1.  Work that runs without
the GIL holds a guard (``_exports``), so ``close()`` and ``resize()`` from
another thread raise BufferError instead of unmapping memory under a scan.
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
from fastmmap._posix cimport off_t, EBADF, EFAULT

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


# One memory operation on mapped bytes, run by _perform() under the fault
# guard (fastmmap_guard_run), with or without the GIL.
cdef enum:
    OP_FIND
    OP_RFIND
    OP_COUNT
    OP_FIND_ALL
    OP_COPY
    OP_GATHER
    OP_SCATTER
    OP_LOAD
    OP_STORE
    OP_COPY_FIND_LINES
    OP_COPY_LINE

cdef struct _Op:
    int kind
    const char *hay       # bytes read: the map range, or the copy source
    char *dst             # bytes written: the copy target
    Py_ssize_t n          # length of hay (searches, copies) or item count
    const char *needle
    Py_ssize_t k          # needle length; the byte value for OP_STORE
    Py_ssize_t step       # stride of OP_GATHER / OP_SCATTER on the map side
    Py_ssize_t *out       # OP_FIND_ALL output and its capacity
    Py_ssize_t cap
    Py_ssize_t origin     # OP_FIND_ALL: map offset of hay[0]
    Py_ssize_t resume
    Py_ssize_t result


# find_all asks the kernel for this many offsets at a time, so that adding
# the map offset to them touches slots still in cache.
cdef Py_ssize_t FIND_ALL_BATCH = 1 << 15


cdef Py_ssize_t _find_all_absolute(_Op *op) noexcept nogil:
    """Map offsets of the matches in hay[0:n] into out[0:cap]; stops when
    out is full, with op.resume at the hay offset to continue from."""
    cdef Py_ssize_t pos = 0, done = 0, want, found, i, step
    cdef Py_ssize_t *slot
    while True:
        want = min(FIND_ALL_BATCH, op.cap - done)
        if want <= 0:
            break
        slot = op.out + done
        found = _search.find_all(op.hay + pos, op.n - pos, op.needle, op.k,
                                 slot, want, &step)
        for i in range(found):
            slot[i] += op.origin + pos
        done += found
        pos += step
        if found < want:
            break
    op.resume = pos
    return done


cdef void _perform(void *arg) noexcept nogil:
    # SAFETY: every caller has checked that hay[0:n] (or the strided range)
    # and dst are inside live buffers, and holds them for the call.
    cdef _Op *op = <_Op *>arg
    cdef Py_ssize_t j
    cdef const char *nl
    if op.kind == OP_FIND:
        op.result = _search.find(op.hay, op.n, op.needle, op.k)
    elif op.kind == OP_RFIND:
        op.result = _search.rfind(op.hay, op.n, op.needle, op.k)
    elif op.kind == OP_COUNT:
        op.result = _search.count(op.hay, op.n, op.needle, op.k)
    elif op.kind == OP_FIND_ALL:
        op.result = _find_all_absolute(op)
    elif op.kind == OP_COPY:
        posix.memmove(op.dst, op.hay, <size_t>op.n)
    elif op.kind == OP_GATHER:
        for j in range(op.n):
            op.dst[j] = op.hay[j * op.step]
    elif op.kind == OP_SCATTER:
        for j in range(op.n):
            op.dst[j * op.step] = op.hay[j]
    elif op.kind == OP_LOAD:
        op.result = <unsigned char>op.hay[0]
    elif op.kind == OP_STORE:
        op.dst[0] = <char>op.k
    elif op.kind == OP_COPY_FIND_LINES:
        # hay[0:n] copied to dst, and the offsets of dst's newlines (up to
        # cap) written to out, in one pass
        op.result = _search.copy_find_all_byte(op.dst, op.hay, op.n, 10,
                                               op.out, op.cap, &op.resume)
    elif op.kind == OP_COPY_LINE:
        # hay[0:n] up to and including its first newline copied to dst;
        # result: the bytes copied if a newline was found, else -1 (and
        # all n bytes copied)
        nl = <const char *>posix.memchr(op.hay, 10, <size_t>op.n)
        j = op.n if nl == NULL else nl - op.hay + 1
        posix.memcpy(op.dst, op.hay, <size_t>j)
        op.result = -1 if nl == NULL else j


# find_all's first buffer when the largest cannot be reserved (it doubles).
cdef Py_ssize_t FIND_ALL_FALLBACK_START = 1 << 16

# Tests set this (_force_find_all_fallback) to take that path from a buffer
# of this many slots; 0 in normal use.
cdef Py_ssize_t _find_all_forced_start = 0


def _force_find_all_fallback(Py_ssize_t start_slots):
    """Test hook: make find_all skip the large reservation and grow from
    ``start_slots`` (0 restores normal behaviour).  Returns the old value."""
    global _find_all_forced_start
    old = _find_all_forced_start
    _find_all_forced_start = max(start_slots, 0)
    return old


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

# lines() copies the map LINE_WINDOW bytes at a time and finds the ends of
# up to LINE_BATCH lines of that copy per kernel call (enough for a window
# of text in one call: stopping early for want of room costs a slower tail).
cdef enum:
    LINE_BATCH = 1024
cdef Py_ssize_t LINE_WINDOW = 1 << 16


@cython.final
@cython.auto_pickle(False)
cdef class _LineIterator:
    """mmap.lines().

    Copies the map a window at a time (64 KiB), finding the window's first
    LINE_BATCH newlines in the same guarded pass (the vectorised kernel
    stores what it loads) and any further ones in the private copy, and
    cuts each line from that copy: per line, __next__
    only makes the bytes object, and prefetches the bytes one window ahead
    so that the next window's copy is served from cache (a copy straight
    from RAM stalls the loop, while prefetches overlap with the
    interpreter's work on each line).  A line longer than the window is found
    and copied on its own (without the GIL when large).  Each step
    re-checks that the map is open; a map that shrank below the line, or a
    write through any fastmmap method since the window was copied, makes it
    copy again, so those show at once.  Writes through memoryviews, arrays
    or other processes may show up to a window late.

    Lines the caller has let go of are refilled with later lines instead of
    allocating new bytes objects (see _recycle.h): with the allocation gone,
    a line costs little more than the interpreter's own loop step.
    """
    cdef mmap _map
    cdef Py_ssize_t _pos        # map offset of the next line
    cdef Py_ssize_t _end        # requested end (clamped to the size per step)
    cdef bint _keepends
    cdef bytes _window          # copy of the map from _window_start
    cdef Py_ssize_t _window_start
    cdef Py_ssize_t _window_len
    cdef size_t _window_writes  # m._writes when the window was copied
    cdef Py_ssize_t _scanned    # window offset up to which newlines are known
    # Window offsets just past the newlines of lines _next.._count.
    cdef Py_ssize_t _next
    cdef Py_ssize_t _count
    cdef Py_ssize_t _ends[LINE_BATCH]
    cdef fastmmap_spare _spare  # line objects handed out, for refilling
    cdef _Turn _turn            # held while a long line is found without the GIL

    def __dealloc__(self):
        fastmmap_spare_clear(&self._spare)

    def __iter__(self):
        return self

    def __next__(self):
        # The map's fields are read through self._map: no reference is
        # taken per line (the slow path takes one).
        cdef Py_ssize_t offset, stop, ahead
        if _turn_taken(&self._turn):
            # Another thread is finding a long line of this iterator.
            _await_turn(&self._turn)
        if self._map is None:
            raise StopIteration
        if self._map._data == NULL:
            self._map._check_valid()        # raises ValueError
        if self._next < self._count:
            stop = self._ends[self._next]
            if (self._window_writes == self._map._writes
                    and self._window_start + stop <= self._map._size):
                offset = self._pos - self._window_start
                # The same spot of the next window, pulled toward the cache
                # while the interpreter works on this line: the next window
                # copy then reads cache, not RAM.  (A prefetch never faults,
                # so the fault guard is not needed.)
                ahead = self._window_start + self._window_len + offset
                if ahead < self._map._size:
                    posix.fastmmap_prefetch_read(self._map._data + ahead)
                self._next += 1
                self._pos = self._window_start + stop
                if not self._keepends:
                    stop -= 1
                # SAFETY: [offset, stop) lies inside the private window.
                return fastmmap_spare_bytes(
                    &self._spare, PyBytes_AS_STRING(self._window) + offset,
                    stop - offset)
        return self._slow(self._map)

    cdef object _slow(self, mmap map_):
        """The next line when the known line ends are used up or stale."""
        cdef mmap m = map_          # owned: this may drop self._map
        cdef Py_ssize_t start = self._pos, end, offset, n, nl
        cdef const char *window
        end = self._end if self._end < m._size else m._size
        if start >= end:
            self._map = None
            self._window = None
            fastmmap_spare_clear(&self._spare)
            raise StopIteration
        offset = start - self._window_start
        if (self._window is None or self._window_writes != m._writes
                or offset < 0 or offset >= self._window_len
                or self._window_start + self._window_len > end):
            self._copy_window(m, start, end)
            offset = 0
        else:
            if self._scanned < offset:
                self._scanned = offset
            self._find_ends()
        if self._count:
            return self.__next__()
        window = PyBytes_AS_STRING(self._window)
        if self._window_start + self._window_len >= end:
            # The range ends inside this line: it comes out as it is.
            self._pos = end
            return PyBytes_FromStringAndSize(window + offset,
                                             self._window_len - offset)
        if offset > 0:
            # The line continues past this window: copy one from its start.
            self._copy_window(m, start, end)
            return self.__next__()
        # No newline in a whole window: a long line, found and copied on
        # its own (GIL-free when large), holding the iterator's turn so that
        # another thread pulling from it waits for the next line.
        _take_turn(&self._turn)
        try:
            nl = m._find(start, end, b"\n", 1)
            self._pos = end if nl < 0 else nl + 1
        finally:
            _end_turn(&self._turn)
        n = (end if nl < 0 else nl + 1 if self._keepends else nl) - start
        return m._copy_out(start, n)

    cdef int _copy_window(self, mmap m, Py_ssize_t start,
                          Py_ssize_t end) except -1:
        """Copy the window from ``start`` and find its first line ends, in
        one guarded pass over the map."""
        cdef Py_ssize_t n = end - start if end - start < LINE_WINDOW else LINE_WINDOW
        cdef bytes window = PyBytes_FromStringAndSize(NULL, n)
        cdef _Op op
        # SAFETY: _slow checked start < end <= m._size with the GIL held, so
        # [start, start + n) is inside the map and stays mapped while _run
        # keeps the GIL; dst is the new window's own n bytes.
        op.kind = OP_COPY_FIND_LINES
        op.dst = PyBytes_AS_STRING(window)
        op.hay = m._data + start
        op.n = n
        op.out = self._ends
        op.cap = LINE_BATCH
        # With the GIL held: the kernel writes this iterator's own _ends,
        # which another thread sharing the iterator could otherwise read
        # half-written.  A window is a few microseconds' work.
        m._run(&op, False)
        self._window = window
        self._window_writes = m._writes
        self._window_start = start
        self._window_len = n
        self._take_ends(op.result, 0, op.resume)
        return 0

    cdef void _find_ends(self) noexcept:
        """The next LINE_BATCH line ends of the window at most, from
        _scanned on."""
        cdef Py_ssize_t found = 0, step = 0
        if self._scanned < self._window_len:
            # SAFETY: a private copy; [_scanned, _window_len) is inside it.
            found = _search.find_all(
                PyBytes_AS_STRING(self._window) + self._scanned,
                self._window_len - self._scanned, b"\n", 1, self._ends,
                LINE_BATCH, &step)
        self._take_ends(found, self._scanned, step)

    cdef inline void _take_ends(self, Py_ssize_t found, Py_ssize_t base,
                                Py_ssize_t step) noexcept:
        """_ends[:found] holds newline offsets from window offset ``base``:
        make them window offsets just past each newline."""
        cdef Py_ssize_t i
        for i in range(found):
            self._ends[i] += base + 1
        self._scanned = base + step
        self._next = 0
        self._count = found


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
        cdef off_t file_size

        if map_size < 0:
            raise OverflowError("memory mapped length must be positive")
        if c_offset < 0:
            raise OverflowError("memory mapped offset must be positive")
        if c_access != _ACCESS_DEFAULT and (
                c_flags != posix.MAP_SHARED
                or c_prot != (posix.PROT_WRITE | posix.PROT_READ)):
            raise ValueError("mmap can't specify both access and flags, prot.")
        if c_access == _ACCESS_READ:
            c_flags = posix.MAP_SHARED
            c_prot = posix.PROT_READ
        elif c_access == _ACCESS_WRITE:
            c_flags = posix.MAP_SHARED
            c_prot = posix.PROT_READ | posix.PROT_WRITE
        elif c_access == _ACCESS_COPY:
            c_flags = posix.MAP_PRIVATE
            c_prot = posix.PROT_READ | posix.PROT_WRITE
        elif c_access == _ACCESS_DEFAULT:
            # Like CPython: without both read and write, an explicit prot
            # picks the access mode that the memory actually allows.
            if (c_prot & posix.PROT_READ) and (c_prot & posix.PROT_WRITE):
                pass
            elif c_prot & posix.PROT_WRITE:
                c_access = _ACCESS_WRITE
            else:
                c_access = _ACCESS_READ
        else:
            raise ValueError("mmap invalid access parameter.")

        _sys.audit("mmap.__new__", fd, map_size, c_access, c_offset)

        if fd != -1 and _os.fd_regular_size(fd, &file_size):
            if map_size == 0:
                if file_size == 0:
                    raise ValueError("cannot mmap an empty file")
                if c_offset >= file_size:
                    raise ValueError("mmap offset is greater than file size")
                if file_size - c_offset > PY_SSIZE_T_MAX:
                    raise ValueError("mmap length is too large")
                map_size = <Py_ssize_t>(file_size - c_offset)
            elif c_offset > file_size or file_size - c_offset < map_size:
                raise ValueError("mmap length is greater than file size")

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
    # and when asked to release the GIL it holds the export guard so no other
    # thread can unmap the memory meanwhile.  Callers have re-checked
    # validity and clamped their ranges to the current size.

    cdef int _run(self, _Op *op, bint release_gil) except -1:
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
                rc = fastmmap_guard_run(_perform, op)
            self._leave_scan()
        else:
            # SAFETY: the GIL is held, so nothing can unmap the range.
            rc = fastmmap_guard_run(_perform, op)
        if rc != 0:
            raise OSError(
                EFAULT, "fastmmap: the mapped file is shorter than the map "
                "(truncated underneath?); these bytes cannot be accessed")
        return 0

    cdef Py_ssize_t _find(self, Py_ssize_t start, Py_ssize_t end,
                          const char *needle, Py_ssize_t k) except -2:
        """Absolute offset of the first needle in [start, end), or -1."""
        return self._locate(OP_FIND, start, end, needle, k)

    cdef Py_ssize_t _rfind(self, Py_ssize_t start, Py_ssize_t end,
                           const char *needle, Py_ssize_t k) except -2:
        """Absolute offset of the last needle in [start, end), or -1."""
        return self._locate(OP_RFIND, start, end, needle, k)

    cdef Py_ssize_t _locate(self, int kind, Py_ssize_t start, Py_ssize_t end,
                            const char *needle, Py_ssize_t k) except -2:
        cdef Py_ssize_t n = end - start
        cdef Py_ssize_t near_start, far_start, far_len, found
        if n < k:
            return -1
        if n - k < 2 * GIL_FREE_MIN:
            return self._locate_in(kind, start, n, needle, k, False)
        # Hits close to where the scan begins are common (readline-style
        # loops, find-next loops): look at the GIL_FREE_MIN match positions
        # there with the GIL held, so such calls never pay for releasing it,
        # then scan the rest without the GIL.
        if kind == OP_FIND:
            near_start = start
            far_start = start + GIL_FREE_MIN
            far_len = n - GIL_FREE_MIN
        else:
            near_start = end - GIL_FREE_MIN - k + 1
            far_start = start
            far_len = near_start - start + k - 1
        found = self._locate_in(kind, near_start, GIL_FREE_MIN + k - 1,
                                needle, k, False)
        if found >= 0:
            return found
        return self._locate_in(kind, far_start, far_len, needle, k, True)

    cdef Py_ssize_t _locate_in(self, int kind, Py_ssize_t start, Py_ssize_t n,
                               const char *needle, Py_ssize_t k,
                               bint release_gil) except -2:
        """One kernel call on [start, start + n): absolute offset or -1."""
        cdef _Op op
        op.kind = kind
        op.hay = self._data + start
        op.n = n
        op.needle = needle
        op.k = k
        self._run(&op, release_gil)
        return start + op.result if op.result >= 0 else -1

    cdef Py_ssize_t _count(self, Py_ssize_t start, Py_ssize_t end,
                           const char *needle, Py_ssize_t k) except -1:
        cdef _Op op
        op.kind = OP_COUNT
        op.hay = self._data + start
        op.n = end - start
        op.needle = needle
        op.k = k
        self._run(&op, op.n >= GIL_FREE_MIN)
        return op.result

    cdef object _copy_out(self, Py_ssize_t start, Py_ssize_t n):
        """bytes(self._data[start:start + n]); the caller checked bounds."""
        cdef _Op op
        cdef object result
        if n <= 0:
            return b""
        # Allocate first, copy under the guard: a fault then leaks nothing.
        # (Allocating bytes runs no Python code, so the bounds still hold.)
        result = PyBytes_FromStringAndSize(NULL, n)
        op.kind = OP_COPY
        op.dst = PyBytes_AS_STRING(result)
        op.hay = self._data + start
        op.n = n
        self._run(&op, n >= GIL_FREE_MIN)
        return result

    cdef int _copy_in(self, Py_ssize_t start, const char *src,
                      Py_ssize_t n) except -1:
        """self._data[start:start + n] = src (memmove: src may be a view of
        this very map); the caller checked bounds and holds src."""
        cdef _Op op
        if n <= 0:
            return 0
        self._writes += 1
        op.kind = OP_COPY
        op.dst = self._data + start
        op.hay = src
        op.n = n
        return self._run(&op, n >= GIL_FREE_MIN)

    cdef int _load(self, Py_ssize_t i) except -1:
        """self._data[i] as 0..255; the caller checked 0 <= i < size."""
        cdef _Op op
        op.kind = OP_LOAD
        op.hay = self._data + i
        self._run(&op, False)
        return <int>op.result

    cdef int _store(self, Py_ssize_t i, int value) except -1:
        """self._data[i] = value; the caller checked 0 <= i < size."""
        cdef _Op op
        self._writes += 1
        op.kind = OP_STORE
        op.dst = self._data + i
        op.k = value
        return self._run(&op, False)

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
        return self._search_range(view, start, end, OP_FIND)

    def rfind(self, view, start=None, end=None, /):
        """rfind(view, start=None, end=None, /) -> int

        Highest index in [start, end) where ``view`` is found, or -1.  Same
        arguments as find()."""
        return self._search_range(view, start, end, OP_RFIND)

    def count(self, sub, start=None, end=None, /):
        """count(sub, start=None, end=None, /) -> int

        Number of non-overlapping occurrences of ``sub`` in [start, end),
        with ``bytes.count`` semantics: ``m.count(sub, start, end) ==
        m[:].count(sub, start, end)``.  Unlike find(), the range defaults to
        the whole map, not the current position.  Runs without the GIL on
        large ranges."""
        return self._search_range(sub, start, end, OP_COUNT)

    cdef object _search_range(self, object sub, object start_arg,
                              object end_arg, int kind):
        cdef Py_ssize_t start, end, size, k
        cdef const char *needle
        cdef Py_buffer view
        cdef bint have_view = False
        # CPython 3.15's order: the needle, then validity, then start and
        # end (which may be None), then validity again.
        if type(sub) is bytes:
            # SAFETY: the args tuple keeps the bytes object alive and bytes
            # are immutable.
            needle = PyBytes_AS_STRING(sub)
            k = len(<bytes>sub)
        else:
            PyObject_GetBuffer(sub, &view, PyBUF_SIMPLE)
            have_view = True
            needle = <const char *>view.buf
            k = view.len
        try:
            self._check_valid()
            # Defaults are taken before conversion, as CPython does.
            start = 0 if kind == OP_COUNT else self._pos
            end = PY_SSIZE_T_MAX if kind == OP_COUNT else self._size
            if start_arg is not None:
                start = as_ssize(start_arg)
            # CPython 3.14 and 3.15's find() and rfind() read ``end`` only
            # when ``start`` is given: find(sub, None, end) searches to the
            # end of the map.  Followed, like every other 3.15 behaviour
            # (docs/differences.rst); count() keeps bytes.count's rules.
            if end_arg is not None and (start_arg is not None
                                        or kind == OP_COUNT):
                end = as_ssize(end_arg)
            # Re-check after running arbitrary __index__ code.
            self._check_valid()
            size = self._size
            if kind == OP_COUNT:
                _bytes_indices(&start, &end, size)
                if end - start < k:
                    return 0
                if k == 0:
                    return end - start + 1
                return self._count(start, end, needle, k)
            # mmap.find's index rules: negative values count from the end
            # and clamp at 0; a start past the end finds nothing (3.15,
            # where b"" used to be found at the size); end clamps to size.
            if start < 0:
                start += size
                if start < 0:
                    start = 0
            elif start > size:
                return -1
            if end < 0:
                end += size
                if end < 0:
                    end = 0
            elif end > size:
                end = size
            if end < start:
                return -1
            if kind == OP_FIND:
                return self._find(start, end, needle, k)
            return self._rfind(start, end, needle, k)
        finally:
            if have_view:
                PyBuffer_Release(&view)

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
        cdef _Op op
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
        op.kind = OP_COPY_LINE
        op.dst = peek
        op.hay = self._data + start
        op.n = n
        self._run(&op, False)
        if op.result >= 0 or n == end - start:
            n = n if op.result < 0 else op.result
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
            try:
                self._copy_in(start, <const char *>view.buf, n)
            except BaseException:
                self._unclaim(start, n)
                raise
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
        # msync runs without the GIL, and the export guard stops another
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
        # SAFETY: the syscall runs without the GIL; the export guard stops
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
        cdef _Op op
        self._check_valid()
        if PyIndex_Check(item):
            i = PyNumber_AsSsize_t(item, IndexError)
            self._check_valid()
            if i < 0:
                i += self._size
            if i < 0 or i >= self._size:
                raise IndexError("mmap index out of range")
            return self._load(i)
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
            op.kind = OP_GATHER
            op.dst = PyBytes_AS_STRING(result)
            op.hay = self._data + start
            op.n = slicelen
            op.step = step
            self._run(&op, False)
            return result
        raise TypeError("mmap indices must be integers")

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
            if i < 0:
                i += self._size
            if i < 0 or i >= self._size:
                raise IndexError("mmap index out of range")
            return self._store(i, <int>v)
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
        cdef _Op op
        if slicelen == 0:
            return 0
        if step == 1:
            return self._copy_in(start, src, slicelen)
        # AdjustIndices keeps every start + j * step inside [0, size).
        self._writes += 1
        op.kind = OP_SCATTER
        op.dst = self._data + start
        op.hay = src
        op.n = slicelen
        op.step = step
        return self._run(&op, False)

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
        cdef _Op op
        views = _numpy_views()
        PyObject_GetBuffer(sub, &view, PyBUF_SIMPLE)
        try:
            c_start, c_end = self._byte_range(start, end, view.len)
            k = view.len
            if c_end - c_start < k:
                return views.offsets_range(0, 0)
            if k == 0:
                return views.offsets_range(c_start, c_end + 1)
            op.kind = OP_FIND_ALL
            op.needle = <const char *>view.buf
            op.k = k
            # The scan guard is held from sizing to the last pass (not only
            # inside _run): `view` may be a buffer of this very map, and the
            # range must not change in between.
            self._enter_scan()
            try:
                # Room for the most matches there can be: address space
                # only (see _offsets).  Where even that cannot be had, start
                # smaller and grow.
                most = (c_end - c_start) // k
                buf = None
                if not _find_all_forced_start:
                    try:
                        buf = reserve_offsets(most)
                    except MemoryError:
                        pass
                if buf is None:
                    buf = reserve_offsets(min(most, _find_all_forced_start
                                              or FIND_ALL_FALLBACK_START))
                while True:
                    op.hay = self._data + c_start
                    op.n = c_end - c_start
                    op.origin = c_start
                    op.out = buf.data + buf.count
                    op.cap = buf.capacity - buf.count
                    self._run(&op, op.n >= GIL_FREE_MIN)
                    buf.count += op.result
                    c_start += op.resume
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

    cdef tuple _byte_range(self, object start, object end, Py_ssize_t k):
        """Normalise optional start/end with bytes' slicing rules against
        the current size (re-checking validity after __index__ calls)."""
        cdef Py_ssize_t c_start = 0, c_end = PY_SSIZE_T_MAX
        if start is not None:
            c_start = as_ssize(start)
        if end is not None:
            c_end = as_ssize(end)
        self._check_valid()
        _bytes_indices(&c_start, &c_end, self._size)
        return c_start, c_end

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
        c_start, c_end = self._byte_range(start, end, 0)
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
        cdef _Op op
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
            # memmove (in OP_COPY): the target may be a view of this map;
            # `view` holds the target for the call.
            op.kind = OP_COPY
            op.dst = <char *>view.buf
            op.hay = self._data + start
            op.n = n
            # Claimed before the copy, as in read().
            self._pos = start + n
            if n > 0:
                try:
                    self._run(&op, n >= GIL_FREE_MIN)
                except BaseException:
                    self._unclaim(start, n)
                    raise
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
    cdef int prot, flags
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
    if access == _ACCESS_READ:
        flags, prot = posix.MAP_SHARED, posix.PROT_READ
    elif access == _ACCESS_WRITE:
        flags, prot = posix.MAP_SHARED, posix.PROT_READ | posix.PROT_WRITE
    elif access == _ACCESS_COPY:
        flags, prot = posix.MAP_PRIVATE, posix.PROT_READ | posix.PROT_WRITE
    else:
        raise ValueError("mmap invalid access parameter.")
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

# Module constants, with the stdlib's names and this platform's values.

ACCESS_DEFAULT = _ACCESS_DEFAULT
ACCESS_READ = _ACCESS_READ
ACCESS_WRITE = _ACCESS_WRITE
ACCESS_COPY = _ACCESS_COPY
PAGESIZE = _PAGE_SIZE
ALLOCATIONGRANULARITY = PAGESIZE

MAP_SHARED = posix.MAP_SHARED
MAP_PRIVATE = posix.MAP_PRIVATE
MAP_ANON = posix.MAP_ANON
MAP_ANONYMOUS = posix.MAP_ANONYMOUS
PROT_READ = posix.PROT_READ
PROT_WRITE = posix.PROT_WRITE
# flush(flags=...), new in 3.15.
MS_SYNC = posix.MS_SYNC
MS_ASYNC = posix.MS_ASYNC
MS_INVALIDATE = posix.MS_INVALIDATE

# (defined on this platform, value): exported only where the platform has
# them, like the stdlib module.
_OPTIONAL_CONSTANTS = {
    "PROT_EXEC": (posix.FASTMMAP_HAVE_PROT_EXEC, posix.PROT_EXEC),
    "MAP_DENYWRITE": (posix.FASTMMAP_HAVE_MAP_DENYWRITE, posix.MAP_DENYWRITE),
    "MAP_EXECUTABLE": (posix.FASTMMAP_HAVE_MAP_EXECUTABLE, posix.MAP_EXECUTABLE),
    "MAP_POPULATE": (posix.FASTMMAP_HAVE_MAP_POPULATE, posix.MAP_POPULATE),
    "MAP_STACK": (posix.FASTMMAP_HAVE_MAP_STACK, posix.MAP_STACK),
    "MAP_32BIT": (posix.FASTMMAP_HAVE_MAP_32BIT, posix.MAP_32BIT),
    "MAP_NORESERVE": (posix.FASTMMAP_HAVE_MAP_NORESERVE, posix.MAP_NORESERVE),
    "MAP_NOEXTEND": (posix.FASTMMAP_HAVE_MAP_NOEXTEND, posix.MAP_NOEXTEND),
    "MAP_HASSEMAPHORE": (posix.FASTMMAP_HAVE_MAP_HASSEMAPHORE, posix.MAP_HASSEMAPHORE),
    "MAP_NOCACHE": (posix.FASTMMAP_HAVE_MAP_NOCACHE, posix.MAP_NOCACHE),
    "MAP_JIT": (posix.FASTMMAP_HAVE_MAP_JIT, posix.MAP_JIT),
    "MAP_RESILIENT_CODESIGN": (posix.FASTMMAP_HAVE_MAP_RESILIENT_CODESIGN,
                               posix.MAP_RESILIENT_CODESIGN),
    "MAP_RESILIENT_MEDIA": (posix.FASTMMAP_HAVE_MAP_RESILIENT_MEDIA,
                            posix.MAP_RESILIENT_MEDIA),
    "MAP_TRANSLATED_ALLOW_EXECUTE": (posix.FASTMMAP_HAVE_MAP_TRANSLATED_ALLOW_EXECUTE,
                                     posix.MAP_TRANSLATED_ALLOW_EXECUTE),
    "MAP_UNIX03": (posix.FASTMMAP_HAVE_MAP_UNIX03, posix.MAP_UNIX03),
    "MAP_TPRO": (posix.FASTMMAP_HAVE_MAP_TPRO, posix.MAP_TPRO),
    "MADV_NORMAL": (posix.FASTMMAP_HAVE_MADV_NORMAL, posix.MADV_NORMAL),
    "MADV_RANDOM": (posix.FASTMMAP_HAVE_MADV_RANDOM, posix.MADV_RANDOM),
    "MADV_SEQUENTIAL": (posix.FASTMMAP_HAVE_MADV_SEQUENTIAL, posix.MADV_SEQUENTIAL),
    "MADV_WILLNEED": (posix.FASTMMAP_HAVE_MADV_WILLNEED, posix.MADV_WILLNEED),
    "MADV_DONTNEED": (posix.FASTMMAP_HAVE_MADV_DONTNEED, posix.MADV_DONTNEED),
    "MADV_REMOVE": (posix.FASTMMAP_HAVE_MADV_REMOVE, posix.MADV_REMOVE),
    "MADV_DONTFORK": (posix.FASTMMAP_HAVE_MADV_DONTFORK, posix.MADV_DONTFORK),
    "MADV_DOFORK": (posix.FASTMMAP_HAVE_MADV_DOFORK, posix.MADV_DOFORK),
    "MADV_HWPOISON": (posix.FASTMMAP_HAVE_MADV_HWPOISON, posix.MADV_HWPOISON),
    "MADV_MERGEABLE": (posix.FASTMMAP_HAVE_MADV_MERGEABLE, posix.MADV_MERGEABLE),
    "MADV_UNMERGEABLE": (posix.FASTMMAP_HAVE_MADV_UNMERGEABLE, posix.MADV_UNMERGEABLE),
    "MADV_HUGEPAGE": (posix.FASTMMAP_HAVE_MADV_HUGEPAGE, posix.MADV_HUGEPAGE),
    "MADV_NOHUGEPAGE": (posix.FASTMMAP_HAVE_MADV_NOHUGEPAGE, posix.MADV_NOHUGEPAGE),
    "MADV_DONTDUMP": (posix.FASTMMAP_HAVE_MADV_DONTDUMP, posix.MADV_DONTDUMP),
    "MADV_DODUMP": (posix.FASTMMAP_HAVE_MADV_DODUMP, posix.MADV_DODUMP),
    "MADV_FREE": (posix.FASTMMAP_HAVE_MADV_FREE, posix.MADV_FREE),
    "MADV_FREE_REUSABLE": (posix.FASTMMAP_HAVE_MADV_FREE_REUSABLE,
                           posix.MADV_FREE_REUSABLE),
    "MADV_FREE_REUSE": (posix.FASTMMAP_HAVE_MADV_FREE_REUSE, posix.MADV_FREE_REUSE),
    "MADV_NOSYNC": (posix.FASTMMAP_HAVE_MADV_NOSYNC, posix.MADV_NOSYNC),
    "MADV_AUTOSYNC": (posix.FASTMMAP_HAVE_MADV_AUTOSYNC, posix.MADV_AUTOSYNC),
    "MADV_NOCORE": (posix.FASTMMAP_HAVE_MADV_NOCORE, posix.MADV_NOCORE),
    "MADV_CORE": (posix.FASTMMAP_HAVE_MADV_CORE, posix.MADV_CORE),
    "MADV_PROTECT": (posix.FASTMMAP_HAVE_MADV_PROTECT, posix.MADV_PROTECT),
}
CONSTANTS = {
    "ACCESS_DEFAULT": ACCESS_DEFAULT, "ACCESS_READ": ACCESS_READ,
    "ACCESS_WRITE": ACCESS_WRITE, "ACCESS_COPY": ACCESS_COPY,
    "PAGESIZE": PAGESIZE, "ALLOCATIONGRANULARITY": ALLOCATIONGRANULARITY,
    "MAP_SHARED": MAP_SHARED, "MAP_PRIVATE": MAP_PRIVATE,
    "MAP_ANON": MAP_ANON, "MAP_ANONYMOUS": MAP_ANONYMOUS,
    "PROT_READ": PROT_READ, "PROT_WRITE": PROT_WRITE,
    "MS_SYNC": MS_SYNC, "MS_ASYNC": MS_ASYNC, "MS_INVALIDATE": MS_INVALIDATE,
}
CONSTANTS.update({name: value for name, (have, value)
                  in _OPTIONAL_CONSTANTS.items() if have})
del _OPTIONAL_CONSTANTS
