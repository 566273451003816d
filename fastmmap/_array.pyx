"""Zero-copy NumPy views of a memory map (``mmap.as_array``).

This is the only fastmmap module that imports NumPy; ``fastmmap.mmap`` loads
it lazily on the first ``as_array()`` call.

Lifetime
--------
``numpy.ndarray(shape, dtype, buffer=m)`` does *not* keep a buffer export on
``m``: NumPy acquires the buffer, reads its address and releases it again at
once, keeping only a reference to ``m`` (it even unwraps a ``memoryview``).
The map could then be closed under the array.  ``np.frombuffer`` keeps a
``memoryview`` as the array's base, but ``arr.base.release()`` drops that
export too.

So the array's base here is an ``_Export``: a small object that takes one
export of the map when it is created and gives it back only when it is
deallocated, i.e. when the last array (or view, or slice) using the memory
is gone.  It has no ``release()`` and no ``bf_releasebuffer`` slot (given
an object that has one, ``np.frombuffer`` would put a releasable
``memoryview`` in between), so no Python code can end the export early.
While it lives, ``m.close()`` and ``m.resize()`` raise ``BufferError``.
"""
cimport cython
from cpython.buffer cimport PyBUF_SIMPLE, PyBuffer_Release, PyObject_GetBuffer
from cpython.number cimport PyNumber_Index
from cpython.object cimport PyObject, PyObject_TypeCheck, PyTypeObject

import numpy

cdef extern from "Python.h":
    bint PyIndex_Check(object o)
    # With exc == NULL an out-of-range integer is clamped to
    # PY_SSIZE_T_MIN/MAX instead of raising, which the range checks below
    # then report with a useful message.
    Py_ssize_t PyNumber_AsSsize_t(object o, PyObject *exc) except? -1
    Py_ssize_t PY_SSIZE_T_MAX
    void PyErr_SetString(object type, const char *message)
    # Declared here without an exception spec: it is called from a slot
    # function that reports errors to CPython by returning -1.
    int _fill_info "PyBuffer_FillInfo"(
        Py_buffer *view, PyObject *exporter, void *buf, Py_ssize_t len,
        int readonly, int flags)
    ctypedef int (*_getbufferproc)(PyObject *, Py_buffer *, int) noexcept
    ctypedef struct _BufferProcs "PyBufferProcs":
        _getbufferproc bf_getbuffer
    ctypedef struct _TypeWithBuffer "PyTypeObject":
        _BufferProcs *tp_as_buffer

cdef extern from *:
    """
    #define fastmmap_buffer_clear_obj(view) ((view)->obj = NULL)
    """
    void _clear_obj "fastmmap_buffer_clear_obj"(Py_buffer *view)

cdef object _ndarray = numpy.ndarray
cdef object _dtype = numpy.dtype
cdef object _uint8 = numpy.dtype(numpy.uint8)

__all__ = ["as_array", "offsets_array", "offsets_range"]


@cython.final
@cython.freelist(16)
cdef class _Export:
    """One buffer export of a map, held for the lifetime of this object.

    This is the ``base`` of every array made by ``as_array``.  ``obj`` is
    the exporting map.  The export is returned when the last array using it
    is garbage-collected; there is deliberately no way to return it sooner.
    """
    cdef Py_buffer view
    cdef bint held

    def __dealloc__(self):
        if self.held:
            self.held = False
            PyBuffer_Release(&self.view)

    @property
    def obj(self):
        """The object (the map) whose memory this export pins."""
        return self.view.obj if self.held else None

    @property
    def nbytes(self):
        return self.view.len if self.held else 0

    @property
    def readonly(self):
        return bool(self.view.readonly) if self.held else True

    def __repr__(self):
        if not self.held:
            return "<fastmmap export (empty)>"
        obj = self.view.obj
        return (f"<fastmmap export of {type(obj).__name__} object at "
                f"{id(obj):#x}: {self.view.len} bytes, "
                f"{'read-only' if self.view.readonly else 'writable'}>")

    def __reduce__(self):
        raise TypeError("cannot pickle a buffer export")

    def __getbuffer__(self, Py_buffer *buffer, int flags):
        # Never runs: the slot is replaced by _export_getbuffer at import
        # (below).  Defining it makes Cython give the type a buffer table.
        raise SystemError("fastmmap._array._Export slot not installed")


# NumPy asks for a writable buffer first and falls back to a read-only one,
# so for every read-only map the writable request must fail.  Raised from a
# Cython __getbuffer__, that failure builds a traceback (about 1 us); set
# directly in C, it costs next to nothing.
cdef int _export_getbuffer(PyObject *self, Py_buffer *buffer, int flags) noexcept:
    cdef _Export export = <_Export>self
    _clear_obj(buffer)
    if not export.held:
        PyErr_SetString(BufferError, b"empty fastmmap export")
        return -1
    # Sets BufferError when a writable buffer is asked of a read-only map.
    return _fill_info(buffer, self, export.view.buf, export.view.len,
                      export.view.readonly != 0, flags)


(<_TypeWithBuffer *>_Export).tp_as_buffer.bf_getbuffer = _export_getbuffer


cdef inline _Export _take_export(object m):
    cdef _Export export = _Export.__new__(_Export)
    # PyBUF_SIMPLE: a contiguous run of bytes; the exporter reports
    # read-only-ness itself (fastmmap and the stdlib: iff ACCESS_READ).  A
    # closed map fails here with ValueError('mmap closed or invalid').
    PyObject_GetBuffer(m, &export.view, PyBUF_SIMPLE)
    export.held = True
    return export


cdef object _to_int(object value, str what):
    """operator.index(value), with a TypeError naming ``what``: the value
    that messages show (an index object's own repr means nothing to the
    caller), taken with one __index__ call."""
    if not PyIndex_Check(value):
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}")
    return PyNumber_Index(value)


# numpy.dtype() of a string or a NumPy scalar type costs ~0.17 us, as much
# as making the array; their conversions never change, so they are cached.
cdef dict _dtype_cache = {}
cdef object _generic = numpy.generic


cdef object _convert_dtype(object dtype):
    cdef bint keyable = type(dtype) is str or type(dtype) is type
    if keyable:
        dt = _dtype_cache.get(dtype)
        if dt is not None:
            return dt
    dt = _dtype(dtype)
    # Only strings and NumPy scalar types: numpy.dtype(SomeClass) may read
    # a class attribute that can change.
    if (keyable and len(_dtype_cache) < 512
            and (type(dtype) is str or issubclass(dtype, _generic))):
        _dtype_cache[dtype] = dt
    return dt


cdef str _dtype_text(object dt):
    return str(dt) if dt.names is None else repr(dt)


cdef int _raise_does_not_fit(tuple dims, dt, Py_ssize_t itemsize,
                             Py_ssize_t avail, Py_ssize_t off,
                             Py_ssize_t size) except -1:
    needed = itemsize  # exact, in Python ints: it may exceed Py_ssize_t
    for item in dims:
        needed *= PyNumber_Index(item)
    shape_text = str(tuple(int(PyNumber_Index(item)) for item in dims))
    raise ValueError(f"shape {shape_text} of dtype {_dtype_text(dt)} needs "
                     f"{needed} bytes, but only {avail} are available after "
                     f"offset {off} (map size {size})")


def as_array(m, dtype=None, shape=None, offset=0, order="C"):
    """as_array(m, dtype=None, shape=None, offset=0, order="C") -> numpy.ndarray

    A zero-copy NumPy array over the bytes of ``m`` starting at ``offset``.

    ``dtype`` defaults to ``uint8``; any dtype without Python objects works,
    structured ones included.  ``shape=None`` gives a 1-D array of as many
    whole items as fit after ``offset``; otherwise an int or a tuple of
    ints.  ``order`` is "C" or "F".  The array is writable exactly when the
    map is, and it (with every view or slice of it) holds a buffer export on
    ``m`` for its whole life, so ``m.close()`` and ``m.resize()`` raise
    ``BufferError`` until the last of them is gone.
    """
    cdef Py_ssize_t off, size, avail
    cdef bint fortran = _is_fortran(order)
    dt = _uint8 if dtype is None else _object_free_dtype(dtype)
    offset = _to_int(offset, "offset")
    off = PyNumber_AsSsize_t(offset, NULL)      # clamped; messages show offset

    # Takes the export (and fails on a closed map) before the range checks,
    # which need the map's current size.  On any error below, the export is
    # dropped with the local reference.
    export = _take_export(m)
    size = export.view.len
    if off < 0:
        raise ValueError(f"offset must be >= 0, got {offset}")
    if off > size:
        raise ValueError(f"offset {offset} is beyond the end of the map "
                         f"({size} bytes)")
    avail = size - off
    if shape is None:
        if dt.itemsize == 0:
            raise ValueError(f"dtype {_dtype_text(dt)} has itemsize 0; "
                             f"pass an explicit shape")
        shape = avail // <Py_ssize_t>dt.itemsize
    else:
        shape = _fitting_shape(shape, dt, avail, off, size)
    if fortran:
        return _ndarray(shape, dt, export, off, None, "F")
    return _ndarray(shape, dt, export, off)


cdef bint _is_fortran(object order) except -1:
    """as_array's ``order``: False for "C" (or None), True for "F"."""
    if order is None or order == "C":
        return False
    if order == "F":
        return True
    if isinstance(order, str):
        raise ValueError(f"order must be 'C' or 'F', not {order!r}")
    raise TypeError(f"order must be 'C' or 'F', not {type(order).__name__}")


cdef object _object_free_dtype(object dtype):
    """numpy.dtype(dtype), refusing dtypes that hold Python objects."""
    # A C-level subtype test: isinstance() would go through the metaclass's
    # __instancecheck__ (numpy.dtype has a metaclass).
    if PyObject_TypeCheck(dtype, <PyTypeObject *>_dtype):
        dt = dtype
    else:
        dt = _convert_dtype(dtype)
    if dt.hasobject:
        raise TypeError(f"dtype {_dtype_text(dt)} holds Python objects, "
                        f"which cannot live in a memory map")
    return dt


cdef object _fitting_shape(object shape, object dt, Py_ssize_t avail,
                           Py_ssize_t off, Py_ssize_t size):
    """An explicit ``shape`` (an int or a sequence of ints) as the array
    takes it, once checked to fit in the ``avail`` bytes after ``off``."""
    cdef Py_ssize_t itemsize = dt.itemsize, count, nbytes
    cdef bint overflow = False
    if PyIndex_Check(shape):
        shape = _to_int(shape, "shape")
        count = PyNumber_AsSsize_t(shape, NULL)
        if count < 0:
            raise ValueError(f"negative dimensions are not allowed, "
                             f"got shape {shape}")
        dims = (shape,)
    else:
        dims = shape = _shape_tuple(shape)
        count = _item_count(dims, &overflow)
    if overflow or (itemsize and count > PY_SSIZE_T_MAX // itemsize):
        nbytes = PY_SSIZE_T_MAX
    else:
        nbytes = count * itemsize
    if nbytes > avail:
        _raise_does_not_fit(dims, dt, itemsize, avail, off, size)
    return shape


cdef tuple _shape_tuple(object shape):
    """A sequence shape as a tuple of the entries' integer values (for the
    array and the messages)."""
    if not isinstance(shape, tuple):
        try:
            shape = tuple(shape)
        except TypeError:
            raise TypeError(f"shape must be an integer or a tuple of "
                            f"integers, not {type(shape).__name__}") from None
    return tuple([_to_int(item, "shape entries") for item in shape])


cdef Py_ssize_t _item_count(tuple dims, bint *overflow) except -1:
    """The product of dims (0 if any is 0); *overflow is set when a partial
    product of the nonzero entries does not fit in Py_ssize_t (the caller
    then reports the shape as too large, even with a 0 entry)."""
    cdef Py_ssize_t count = 1, n
    cdef bint has_zero = False
    for item in dims:
        n = PyNumber_AsSsize_t(item, NULL)
        if n < 0:
            raise ValueError(f"negative dimensions are not allowed, "
                             f"got shape {dims}")
        if n == 0:
            has_zero = True
        elif count > PY_SSIZE_T_MAX // n:
            overflow[0] = True
        else:
            count *= n
    return 0 if has_zero else count


# --------------------------------------------------------------------------
# Helpers for mmap.find_all (which must not import NumPy itself).

cdef object _intp = numpy.dtype(numpy.intp)
cdef object _int64 = numpy.dtype(numpy.int64)


def offsets_array(offsets):
    """offsets_array(offsets) -> numpy.ndarray[int64]

    A 1-D int64 array over the buffer ``offsets`` (find_all's OffsetBuffer),
    which holds native ``Py_ssize_t`` values (whole items only).  Zero-copy
    where ``Py_ssize_t`` is 64 bits: the array's base is an export of the
    buffer that cannot be released early (unlike the ``memoryview`` base
    ``np.frombuffer`` would use).
    """
    export = _take_export(offsets)
    arr = _ndarray(export.view.len // <Py_ssize_t>sizeof(Py_ssize_t), _intp,
                   export, 0)
    if sizeof(Py_ssize_t) != 8:
        arr = arr.astype(_int64)
    return arr


def offsets_range(start, stop):
    """offsets_range(start, stop) -> numpy.ndarray[int64]: start, ..., stop - 1."""
    return numpy.arange(start, stop, dtype=_int64)
