# find_all() and its storage (included by _mmap.pyx): the offsets go into an
# OffsetBuffer (_offsets.pyx) sized for the most matches there can be, and
# become the NumPy array find_all() returns (_array.pyx, loaded on first use).

# fastmmap._array, imported on first use: `import fastmmap` must not import
# NumPy, and an import statement per call would cost more than as_array().
cdef object _array_module = None
# The ImportError of a first attempt without NumPy: kept, so that later calls
# raise it again instead of retrying an import whose failed module set-up
# leaves memory behind each time.
cdef object _array_import_error = None


cdef object _numpy_views():
    global _array_module, _array_import_error
    if _array_module is not None:
        return _array_module
    if _array_import_error is not None:
        # The traceback of the last raise dropped: it would grow each time.
        raise _array_import_error.with_traceback(None)
    try:
        from fastmmap import _array
    except ImportError as exc:
        if exc.name != "numpy" and not (exc.name or "").startswith("numpy."):
            raise
        _array_import_error = ImportError(
            "find_all() and as_array() need NumPy, which is not installed "
            "(%s): install it with `pip install 'fastmmap[numpy]'` (or "
            "`pip install numpy`)" % (exc,), name=exc.name)
        raise _array_import_error from exc
    _array_module = _array
    return _array_module


# find_all's first buffer when the largest cannot be reserved (it doubles).
cdef Py_ssize_t FIND_ALL_FALLBACK_START = 1 << 16


cdef OffsetBuffer _grown(OffsetBuffer buf, Py_ssize_t more):
    """A copy of buf's offsets with room for ``more`` (>= 1) after them."""
    cdef OffsetBuffer bigger = reserve_offsets(buf.count + max(more, 1))
    # SAFETY: both buffers are ours and hold at least buf.count slots.
    posix.memcpy(bigger.data, buf.data, <size_t>buf.count * sizeof(Py_ssize_t))
    bigger.count = buf.count
    return bigger


cdef OffsetBuffer _offsets_of(mmap m, _Searcher *s, Py_ssize_t start,
                              Py_ssize_t end):
    """The offsets of the non-overlapping occurrences in [start, end) of m.
    The caller holds the scan guard from before it sized the range until
    it is done (a needle may be a buffer of this very map, and the range
    must not change in between)."""
    cdef OffsetBuffer buf
    cdef _FindAllArgs a
    cdef Py_ssize_t most = (end - start) // s.shortest
    a.needle = s.needle
    a.k = s.k
    a.set = s.set
    # Room for the most matches there can be: address space only (see
    # _offsets).  Where even that cannot be had, start smaller and grow.
    try:
        buf = reserve_offsets(most)
    except MemoryError:
        buf = reserve_offsets(min(most, FIND_ALL_FALLBACK_START))
    while True:
        a.hay = m._data + start
        a.n = end - start
        a.origin = start
        a.out = buf.data + buf.count
        a.cap = buf.capacity - buf.count
        m._run(_FIND_ALL, &a, a.n >= GIL_FREE_MIN)
        buf.count += a.found
        start += a.resume
        if buf.count < buf.capacity or end - start < s.shortest:
            return buf
        buf = _grown(buf, min(buf.count, (end - start) // s.shortest))


cdef object _find_all(mmap m, object sub, object start_arg, object end_arg,
                      object workers_arg, bint ignore_case):
    """mmap.find_all()."""
    cdef Py_buffer view
    cdef bint have_view = False
    cdef _NeedleSet needles = None
    cdef _Searcher s
    cdef Py_ssize_t start, end
    cdef OffsetBuffer buf = None
    cdef int workers = _workers_arg(workers_arg)
    views = _numpy_views()
    if _several(sub):
        needles = _needle_set(sub, ignore_case)
    else:
        PyObject_GetBuffer(sub, &view, PyBUF_SIMPLE)
        have_view = True
        if ignore_case and view.len > 0:
            needles = _needle_set(
                (PyBytes_FromStringAndSize(<const char *>view.buf, view.len),), True)
    if needles is not None:
        _set_of(&s, needles)
    else:
        _one_needle(&s, <const char *>view.buf, view.len)
    try:
        _byte_range(m, start_arg, end_arg, &start, &end)
        if end - start < s.shortest:
            return views.offsets_range(0, 0)
        if s.longest == 0:
            return views.offsets_range(start, end + 1)
        if workers > 1:
            buf = _offsets_parts(m, &s, start, end, workers)
        if buf is None:
            m._enter_scan()
            try:
                buf = _offsets_of(m, &s, start, end)
            finally:
                m._leave_scan()
        if buf.count == 0:
            return views.offsets_range(0, 0)
        buf.trim()
        return views.offsets_array(buf)
    finally:
        if have_view:
            PyBuffer_Release(&view)
