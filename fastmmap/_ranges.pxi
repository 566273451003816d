# Needles and ranges (included by _mmap.pyx): turning the arguments of a
# search into bytes and into offsets against the map's current size, with
# the index rules of CPython 3.15's mmap (find, rfind) and of bytes (count,
# find_all, lines).  Every function here that takes a map re-checks that it
# is open after the last conversion that could run Python code.

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


cdef bint _find_range(mmap m, object start_arg, object end_arg,
                      Py_ssize_t *start, Py_ssize_t *end) except -1:
    """find() and rfind()'s [start, end) against the current size, in
    CPython 3.15's order (after the needle: validity, start and end,
    validity again); False when nothing can be found there."""
    cdef Py_ssize_t size
    m._check_valid()
    # Defaults are taken before conversion, as CPython does.
    start[0] = m._pos
    end[0] = m._size
    # CPython 3.14 and 3.15 read ``end`` only when ``start`` is given:
    # find(sub, None, end) searches to the end of the map.  Followed,
    # like every other 3.15 behaviour (docs/differences.rst).
    if start_arg is not None:
        start[0] = as_ssize(start_arg)
        if end_arg is not None:
            end[0] = as_ssize(end_arg)
    # Re-check after running arbitrary __index__ code.
    m._check_valid()
    size = m._size
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


cdef int _byte_range(mmap m, object start_arg, object end_arg,
                     Py_ssize_t *start, Py_ssize_t *end) except -1:
    """Optional start/end normalised with bytes' slicing rules against
    the current size (re-checking validity after __index__ calls)."""
    start[0] = 0
    end[0] = PY_SSIZE_T_MAX
    if start_arg is not None:
        start[0] = as_ssize(start_arg)
    if end_arg is not None:
        end[0] = as_ssize(end_arg)
    m._check_valid()
    _bytes_indices(start, end, m._size)
    return 0
