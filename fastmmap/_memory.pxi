# Memory management (included by _mmap.pyx): flush(), madvise() and
# resize(), the calls that hand a range of the map to the kernel.

cdef char *_page_range(mmap m, Py_ssize_t start, Py_ssize_t *length):
    """Address of [start, start + length) for a page-level syscall
    (msync, madvise).  A map made with fastmmap.open() at an offset that
    is not page-aligned starts inside a page, so its offsets are not
    page-aligned in memory: the range is extended down to the page it
    starts in (*length grows by that head), and any offset works.  Maps
    made by the constructor start on a page, and the kernel judges
    their offsets, as in CPython (flush(1) is EINVAL)."""
    cdef size_t head
    if m._data == m._map_base:
        return m._data + start
    head = <size_t>(m._data - m._map_base + start) % <size_t>_PAGE_SIZE
    length[0] += head
    return m._data + start - head


cdef int _check_resizable(mmap m) except -1:
    if m._exports > 0 or m._busy():
        raise BufferError("mmap can't resize with extant buffers exported.")
    if not m._trackfd:
        raise ValueError("mmap can't resize with trackfd=False.")
    if m._access != _ACCESS_WRITE and m._access != _ACCESS_DEFAULT:
        raise TypeError(
            "mmap can't resize a readonly or copy-on-write memory map.")
    return 0


cdef object _flush(mmap m, object offset, object size, object flags):
    """mmap.flush()."""
    cdef Py_ssize_t c_offset = as_ssize(offset)
    cdef Py_ssize_t c_size = as_ssize(size)
    cdef int c_flags = as_clinic_int(flags)
    cdef char *addr
    m._check_valid()
    if c_size == -1:
        c_size = m._size - c_offset
    if c_size < 0 or c_offset < 0 or m._size - c_offset < c_size:
        raise ValueError("flush values out of range")
    if m._access == _ACCESS_READ or m._access == _ACCESS_COPY:
        return None
    if m._map_base == NULL:
        return None
    addr = _page_range(m, c_offset, &c_size)
    # SAFETY: [addr, addr + c_size) lies inside the current mapping;
    # msync runs without the GIL, and the scan guard stops another
    # thread from unmapping the range meanwhile.
    m._enter_scan()
    try:
        _os.sync_memory(addr, <size_t>c_size,
                        c_flags if c_flags else posix.MS_SYNC)
    finally:
        m._leave_scan()
    return None


cdef object _madvise(mmap m, object option, object start, object length):
    """mmap.madvise()."""
    cdef int c_option = as_clinic_int(option)
    cdef Py_ssize_t c_start = as_ssize(start)
    cdef Py_ssize_t c_length
    cdef char *addr
    # As in CPython 3.15, length (which may be None) is converted after
    # the validity check, and validity checked again after it.
    m._check_valid()
    c_length = m._size if length is None else as_ssize(length)
    m._check_valid()
    if c_start < 0 or c_start >= m._size:
        raise ValueError("madvise start out of bounds")
    if c_length < 0:
        raise ValueError("madvise length invalid")
    if PY_SSIZE_T_MAX - c_start < c_length:
        raise OverflowError("madvise length too large")
    if c_start + c_length > m._size:
        c_length = m._size - c_start
    addr = _page_range(m, c_start, &c_length)
    # SAFETY: the syscall runs without the GIL; the scan guard stops
    # another thread from unmapping [addr, addr + length) meanwhile (an
    # madvise on a range that got remapped could discard someone else's
    # pages).
    m._enter_scan()
    try:
        _os.advise_memory(addr, <size_t>c_length, c_option)
    finally:
        m._leave_scan()
    return None


cdef object _resize(mmap m, object newsize):
    """mmap.resize()."""
    cdef Py_ssize_t new_size = as_ssize(newsize)
    cdef size_t skip
    cdef char *new_base
    m._check_valid()
    _check_resizable(m)
    if new_size < 0 or PY_SSIZE_T_MAX - new_size < m._offset:
        raise ValueError("new size out of range")
    if not posix.FASTMMAP_HAVE_MREMAP:
        raise SystemError("mmap: resizing not available--no mremap()")
    if (m._anonymous and not (m._flags & posix.MAP_PRIVATE)
            and new_size > m._size):
        # Linux would map the extra pages, but nothing backs them:
        # touching one kills the process with SIGBUS (gh-138204; CPython
        # 3.15 refuses any growth, even back to an earlier size).
        raise ValueError("mmap: can't expand a shared anonymous mapping")
    if m._map_base == NULL:
        raise ValueError("mmap can't resize an empty map")
    skip = <size_t>(m._data - m._map_base)
    # Both syscalls keep the GIL (as CPython's resize does): released,
    # another thread could start a GIL-free scan of the old mapping
    # between the export check above and mremap() moving it.
    if m._fd >= 0:
        _os.truncate_fd(m._fd, <off_t>(m._offset + new_size), False)
    new_base = _os.remap_memory(m._map_base, m._map_len,
                                skip + <size_t>new_size, False)
    # The one change to mapped bytes that is not a guarded operation
    # (_run counts those): a shrink and a regrowth leave new bytes
    # behind a window lines() copied.
    m._writes += 1
    m._map_base = new_base
    m._map_len = skip + <size_t>new_size
    m._data = new_base + skip
    m._size = new_size
    return None
