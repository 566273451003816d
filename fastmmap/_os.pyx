# cython: language_level=3
"""Checked wrappers around mmap(2) and friends.

errno becomes an exception here and nowhere else: every wrapper reads errno
right after its syscall, before anything else can clobber it, and raises
OSError(errno, strerror) -- which Python maps to the matching subclass
(PermissionError, FileNotFoundError, ...), exactly as CPython's mmap does.
Most release the GIL around the syscall; those a caller may need to run
with the GIL held (so that no other thread can close the descriptor or
start a scan meanwhile) take release_gil, and name_anonymous() never
releases it.
"""

from fastmmap cimport _posix as posix
from fastmmap._posix cimport off_t


cdef int raise_errno(int err) except -1:
    raise OSError(err, posix.strerror(err).decode("utf-8", "replace"))


cdef int raise_truncated() except -1:
    raise OSError(
        posix.EFAULT, "fastmmap: the mapped file is shorter than the map "
        "(truncated underneath?); these bytes cannot be accessed")


cdef inline int _errno_if_failed(int rc) noexcept nogil:
    """errno after a call that returned rc (0 on success, -1 on failure),
    read before anything else can clobber it; 0 on success."""
    return posix.errno if rc != 0 else 0


cdef inline int _raise_if(int err) except -1:
    if err:
        raise_errno(err)
    return 0


cdef char *map_memory(size_t length, int prot, int flags, int fd,
                      off_t offset) except NULL:
    cdef void *addr
    cdef int err = 0
    with nogil:
        addr = posix.mmap(NULL, length, prot, flags, fd, offset)
        if addr == posix.MAP_FAILED:
            err = posix.errno
    if err:
        raise_errno(err)
    return <char *>addr


cdef void *_mremap_or_errno(char *old, size_t old_size, size_t new_size,
                            int *err) noexcept nogil:
    cdef void *addr = posix.fastmmap_mremap(old, old_size, new_size)
    if addr == posix.MAP_FAILED:
        err[0] = posix.errno
    return addr


cdef char *remap_memory(char *old, size_t old_size, size_t new_size,
                        bint release_gil=True) except NULL:
    cdef void *addr
    cdef int err = 0
    if release_gil:
        with nogil:
            addr = _mremap_or_errno(old, old_size, new_size, &err)
    else:
        addr = _mremap_or_errno(old, old_size, new_size, &err)
    if err:
        raise_errno(err)
    return <char *>addr


cdef int unmap_memory(char *addr, size_t length) except -1:
    cdef int err
    with nogil:
        err = _errno_if_failed(posix.munmap(addr, length))
    return _raise_if(err)


cdef int sync_memory(char *addr, size_t length, int flags) except -1:
    cdef int err
    with nogil:
        err = _errno_if_failed(posix.msync(addr, length, flags))
    return _raise_if(err)


cdef void name_anonymous(char *addr, size_t length,
                         const char *name) noexcept:
    # Failure is ignored on purpose (CPython 3.15's set_name() ignores it
    # too): kernels without CONFIG_ANON_VMA_NAME refuse every name, and the
    # name only ever shows in /proc/PID/maps.  Keeps the GIL: prctl does not
    # block, and the caller's range must stay mapped meanwhile.
    posix.fastmmap_name_anonymous(addr, length, name)


cdef int advise_memory(char *addr, size_t length, int advice) except -1:
    cdef int err
    with nogil:
        err = _errno_if_failed(posix.madvise(addr, length, advice))
    return _raise_if(err)


cdef int _ftruncate_or_errno(int fd, off_t length) noexcept nogil:
    if posix.ftruncate(fd, length) != 0:
        return posix.errno
    return 0


cdef int truncate_fd(int fd, off_t length, bint release_gil=True) except -1:
    cdef int err
    if release_gil:
        with nogil:
            err = _ftruncate_or_errno(fd, length)
    else:
        err = _ftruncate_or_errno(fd, length)
    if err:
        raise_errno(err)
    return 0


cdef int _fstat_or_errno(int fd, posix.stat *st) noexcept nogil:
    if posix.fstat(fd, st) != 0:
        return posix.errno
    return 0


cdef off_t fd_size(int fd, bint release_gil=True) except -1:
    cdef posix.stat st
    cdef int err
    if release_gil:
        with nogil:
            err = _fstat_or_errno(fd, &st)
    else:
        err = _fstat_or_errno(fd, &st)
    if err:
        raise_errno(err)
    return st.st_size


cdef int fd_regular_size(int fd, off_t *size) noexcept:
    """1 and *size set if fd is a regular file, 0 if not or if fstat fails.

    The constructor ignores fstat errors on purpose (as CPython does): the
    mmap() call that follows reports a bad descriptor with the right errno.
    """
    cdef posix.stat st
    cdef int rc
    with nogil:
        rc = posix.fstat(fd, &st)
    if rc != 0 or not posix.S_ISREG(st.st_mode):
        return 0
    size[0] = st.st_size
    return 1


cdef int _dup_or_errno(int fd, int *newfd) noexcept nogil:
    # Close-on-exec, like os.dup(): a child process must not inherit the
    # map's private descriptor.
    newfd[0] = posix.fcntl(fd, posix.F_DUPFD_CLOEXEC, 0)
    if newfd[0] < 0:
        return posix.errno
    return 0


cdef int dup_fd(int fd, bint release_gil=True) except -1:
    cdef int newfd = -1, err
    if release_gil:
        with nogil:
            err = _dup_or_errno(fd, &newfd)
    else:
        err = _dup_or_errno(fd, &newfd)
    if err:
        raise_errno(err)
    return newfd


cdef void close_fd(int fd) noexcept nogil:
    # Errors from close() are ignored, as CPython's mmap ignores them: the
    # descriptor is gone either way and there is nothing to retry.
    posix.close(fd)


cdef long page_size() noexcept nogil:
    return posix.sysconf(posix._SC_PAGESIZE)
