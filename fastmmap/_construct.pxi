# Making a map (included by _mmap.pyx): the constructor's arguments, checked
# in CPython 3.15's order and with its messages, and fastmmap.open()'s
# mapping of a file range at any offset.

# A constructor argument not given (None is a value there).
cdef object _MISSING = object()

# Marker passed as fileno by the module's own factories: creates a closed
# object whose fields the factory then fills in.
cdef object _BLANK = object()

# A zero-length map (fastmmap.open() of an empty file) has no OS mapping but
# must still look open: _data points here and _map_base stays NULL.
cdef char _EMPTY_MAP[1]

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


cdef int _construct(mmap m, tuple args, dict kwargs) except -1:
    """mmap.__cinit__: parse, check, map; m's fields are already those of
    a closed map, so a failure leaves nothing to release."""
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
    m._access = c_access
    m._flags = c_flags
    m._trackfd = c_trackfd
    m._offset = c_offset
    if fd == -1:
        c_flags |= posix.MAP_ANONYMOUS
        m._anonymous = True
    elif c_trackfd:
        m._fd = _os.dup_fd(fd)
    m._map_base = _os.map_memory(<size_t>map_size, c_prot, c_flags, fd,
                                 <off_t>c_offset)
    m._map_len = <size_t>map_size
    m._data = m._map_base
    m._size = map_size
    m._pos = 0
    return 0


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
