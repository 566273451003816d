# Argument conversion with the exact exception types and messages of
# CPython's PyArg_ParseTuple format units (the stdlib mmap's parser), so a
# drop-in replacement fails the same way on the same bad input.
#
# All converters go through __index__ (operator.index), never __int__ or
# __float__: that is what 3.15 does for "i", "n" and "L" on every version.

from cpython.number cimport PyNumber_Index, PyIndex_Check
from cpython.long cimport PyLong_AsLong, PyLong_AsLongLong, PyLong_AsSsize_t
from libc.limits cimport INT_MAX, INT_MIN


cdef inline Py_ssize_t as_ssize(object value) except? -1:
    """Format unit "n": Py_ssize_t, OverflowError when out of range."""
    return PyLong_AsSsize_t(PyNumber_Index(value))


cdef inline int as_int(object value) except? -1:
    """Format unit "i" (the constructor's int arguments): C int with
    PyArg_ParseTuple's range messages."""
    cdef long v = PyLong_AsLong(PyNumber_Index(value))
    if v > INT_MAX:
        raise OverflowError("signed integer is greater than maximum")
    if v < INT_MIN:
        raise OverflowError("signed integer is less than minimum")
    return <int>v


cdef inline int as_clinic_int(object value) except? -1:
    """A C int as Argument Clinic converts one (the methods' int
    arguments from 3.14 on: whence, option, flags), with its wording."""
    cdef long v
    try:
        v = PyLong_AsLong(PyNumber_Index(value))
    except OverflowError:
        v = INT_MAX + 1L
    if v > INT_MAX or v < INT_MIN:
        raise OverflowError("Python int too large to convert to C int") from None
    return <int>v


cdef inline long long as_longlong(object value) except? -1:
    """Format unit "L" (the constructor's offset)."""
    return PyLong_AsLongLong(PyNumber_Index(value))
