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


cdef OffsetBuffer _offsets_of(mmap m, Py_ssize_t start, Py_ssize_t end,
                              const char *needle, Py_ssize_t k):
    """The offsets of the non-overlapping occurrences of needle (k >= 1) in
    [start, end) of m.  The caller holds the scan guard from before it
    sized the range until it is done (needle may be a buffer of this very
    map, and the range must not change in between)."""
    cdef OffsetBuffer buf
    cdef _FindAllArgs a
    cdef Py_ssize_t most = (end - start) // k
    a.needle = needle
    a.k = k
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
        if buf.count < buf.capacity or end - start < k:
            return buf
        buf = _grown(buf, min(buf.count, (end - start) // k))


cdef object _find_all(mmap m, object sub, object start_arg, object end_arg,
                      object workers_arg):
    """mmap.find_all()."""
    cdef Py_buffer view
    cdef Py_ssize_t start, end, k
    cdef OffsetBuffer buf = None
    cdef int workers = _workers_arg(workers_arg)
    views = _numpy_views()
    PyObject_GetBuffer(sub, &view, PyBUF_SIMPLE)
    try:
        _byte_range(m, start_arg, end_arg, &start, &end)
        k = view.len
        if end - start < k:
            return views.offsets_range(0, 0)
        if k == 0:
            return views.offsets_range(start, end + 1)
        if workers > 1:
            buf = _offsets_parts(m, start, end, <const char *>view.buf, k,
                                 workers)
        if buf is None:
            m._enter_scan()
            try:
                buf = _offsets_of(m, start, end, <const char *>view.buf, k)
            finally:
                m._leave_scan()
        if buf.count == 0:
            return views.offsets_range(0, 0)
        buf.trim()
        return views.offsets_array(buf)
    finally:
        PyBuffer_Release(&view)
