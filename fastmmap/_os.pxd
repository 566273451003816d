# Checked wrappers around the OS mapping calls: the one place where a
# syscall's errno becomes OSError (see _posix.pxd for who else uses the raw
# declarations, and for what).  A wrapper turns a failure into OSError
# carrying errno (raise_errno); most release the GIL around the syscall,
# and those with release_gil keep it when the caller passes False.

from fastmmap._posix cimport off_t

cdef int raise_errno(int err) except -1
# The fault guard stopped an access to mapped bytes beyond the file's end.
cdef int raise_truncated() except -1
cdef char *map_memory(size_t length, int prot, int flags, int fd,
                      off_t offset) except NULL
cdef char *remap_memory(char *old, size_t old_size, size_t new_size,
                        bint release_gil=*) except NULL
cdef int unmap_memory(char *addr, size_t length) except -1
cdef int sync_memory(char *addr, size_t length, int flags) except -1
cdef void name_anonymous(char *addr, size_t length, const char *name) noexcept
cdef int advise_memory(char *addr, size_t length, int advice) except -1
cdef int truncate_fd(int fd, off_t length, bint release_gil=*) except -1
cdef off_t fd_size(int fd, bint release_gil=*) except -1
cdef int fd_regular_size(int fd, off_t *size) noexcept
cdef int dup_fd(int fd, bint release_gil=*) except -1
cdef void close_fd(int fd) noexcept nogil
cdef long page_size() noexcept nogil
