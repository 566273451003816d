# Item and slice assignment (included by _mmap.pyx): m[i] = v, m[i:j] = b
# and del m[...], in CPython 3.15's order of checks.

# What __delitem__ passes to _assign() as the value.
cdef object _DELETE = object()


cdef int _assign(mmap m, object item, object value) except -1:
    """m[item] = value, or del m[item] when value is _DELETE, in CPython
    3.15's order: writability, the index, the value, and only then
    validity and bounds (so a closed map reports a bad value first)."""
    cdef Py_ssize_t i, v, start, stop, step, slicelen, raw_start, raw_stop
    cdef Py_buffer view
    m._check_writable()
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
        m._check_valid()
        return m._store(m._item_offset(i), <int>v)
    if PySlice_Check(item):
        _slice_unpack(item, &raw_start, &raw_stop, &step)
        if value is _DELETE:
            raise TypeError("mmap object doesn't support slice deletion")
        PyObject_GetBuffer(value, &view, PyBUF_SIMPLE)
        try:
            # __index__ (in the unpack) or __buffer__ may have closed or
            # resized the map: the slice is derived from the current size.
            m._check_valid()
            start, stop = raw_start, raw_stop
            slicelen = PySlice_AdjustIndices(m._size, &start, &stop, step)
            if view.len != slicelen:
                raise IndexError("mmap slice assignment is wrong size")
            return _store_slice(m, start, step, <const char *>view.buf,
                                slicelen)
        finally:
            PyBuffer_Release(&view)
    raise TypeError("mmap indices must be integer")

cdef int _store_slice(mmap m, Py_ssize_t start, Py_ssize_t step,
                      const char *src, Py_ssize_t slicelen) except -1:
    """self[start::step] = src[:slicelen]; PySlice_AdjustIndices gave
    start, step and slicelen against the current size, and the caller
    holds src."""
    cdef _StridedArgs a
    if slicelen == 0:
        return 0
    if step == 1:
        return m._copy_in(start, src, slicelen)
    # AdjustIndices keeps every start + j * step inside [0, size).
    a.dst = m._data + start
    a.src = src
    a.n = slicelen
    a.step = step
    return m._run(_SCATTER, &a, False)
