# The module's constants (included by _mmap.pyx), with the stdlib's names
# and this platform's values: the access modes and the page size are
# fastmmap's own, the rest is every name of the list in _constants.h that
# this platform defines.

ACCESS_DEFAULT = _ACCESS_DEFAULT
ACCESS_READ = _ACCESS_READ
ACCESS_WRITE = _ACCESS_WRITE
ACCESS_COPY = _ACCESS_COPY


cdef dict _constants():
    cdef Py_ssize_t count, i
    cdef const posix.fastmmap_constant *table = posix.fastmmap_constants(&count)
    constants = {
        "ACCESS_DEFAULT": ACCESS_DEFAULT, "ACCESS_READ": ACCESS_READ,
        "ACCESS_WRITE": ACCESS_WRITE, "ACCESS_COPY": ACCESS_COPY,
        "PAGESIZE": _PAGE_SIZE, "ALLOCATIONGRANULARITY": _PAGE_SIZE,
    }
    for i in range(count):
        constants[table[i].name.decode("ascii")] = table[i].value
    return constants


CONSTANTS = _constants()
