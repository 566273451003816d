# cython: language_level=3
"""The one SIGBUS guard of the process.

A shared map whose file is truncated underneath has pages with no backing
store left; touching one raises SIGBUS, which kills a process using the
stdlib module.  fastmmap runs every access to mapped bytes through run() or
run_nogil(), which turn that fault into an error return (_fault.h explains
how, and why it is safe).

_fault.h keeps process-wide state (the handler, what it chains to, each
thread's innermost guarded access), so it is compiled here and nowhere
else: every other module reaches it through _guard.pxd.  Two copies would
install two handlers, each blind to the other's accesses, and a fault in
one copy's access that reaches the other's handler would kill the process.
"""

from fastmmap cimport _os
from fastmmap._posix cimport errno
from fastmmap._fault cimport (fastmmap_fault_check, fastmmap_fault_install,
                              fastmmap_guard_run)


cdef int prepare() except -1:
    if fastmmap_fault_check() != 0:
        _os.raise_errno(errno)
    return 0


cdef int run(Guarded fn, void *args, bint release_gil) except -1:
    cdef int rc
    if release_gil:
        prepare()
        with nogil:
            rc = fastmmap_guard_run(fn, args)
    else:
        rc = fastmmap_guard_run(fn, args)
    if rc != 0:
        _os.raise_truncated()
    return 0


cdef int run_nogil(Guarded fn, void *args) noexcept nogil:
    return fastmmap_guard_run(fn, args)


if fastmmap_fault_install() != 0:
    _os.raise_errno(errno)
