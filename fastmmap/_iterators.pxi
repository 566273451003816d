# The map's iterators (included by _mmap.pyx, so that they share the map's
# private C fields, _Turn and the guarded operations without a .pxd
# exposing them to other modules): iter(m), reversed(m) and m.lines().

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
        cdef _WindowArgs a
        # SAFETY: _slow checked start < end <= m._size with the GIL held, so
        # [start, start + n) is inside the map and stays mapped while _run
        # keeps the GIL; dst is the new window's own n bytes.
        a.dst = PyBytes_AS_STRING(window)
        a.src = m._data + start
        a.n = n
        a.ends = self._ends
        a.cap = LINE_BATCH
        # With the GIL held: the kernel writes this iterator's own _ends,
        # which another thread sharing the iterator could otherwise read
        # half-written.  A window is a few microseconds' work.
        m._run(_COPY_WINDOW, &a, False)
        self._window = window
        self._window_writes = m._writes
        self._window_start = start
        self._window_len = n
        self._take_ends(a.found, 0, a.resume)
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
