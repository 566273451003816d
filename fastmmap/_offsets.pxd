# Owned memory for find_all's offsets: the base object of the int64 array
# find_all returns.  See _offsets.pyx.

cdef class OffsetBuffer:
    cdef Py_ssize_t *data       # `capacity` slots, `count` of them in use
    cdef Py_ssize_t capacity
    cdef Py_ssize_t count
    cdef size_t _mapped         # bytes of anonymous mapping, 0 if malloc'ed
    cdef Py_ssize_t _exports

    cdef int trim(self) except -1


cdef OffsetBuffer reserve_offsets(Py_ssize_t capacity)
