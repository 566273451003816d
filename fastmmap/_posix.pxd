# Raw OS declarations, grouped by header.  Declarations only: no logic lives
# here.  A syscall whose failure is reported to the caller (mmap, msync,
# fstat, ...) is called only through the checked wrappers of _os.pyx, which
# turn errno into OSError.  The other users: _mmap.pyx and _offsets.pyx take
# the constants and flags, _mmap.pyx calls munmap() in __dealloc__ (which has
# no one to report to) and usleep() while waiting for a turn, and the libc
# memory functions that cannot fail (memchr, memmove, ...) serve the kernels
# (_search.pyx) and the guarded operations (_ops.pxi).

cdef extern from "<errno.h>" nogil:
    int errno
    enum:
        EINVAL
        EBADF
        ENOSYS
        EFAULT

cdef extern from "<sys/types.h>" nogil:
    ctypedef long off_t

cdef extern from "<sys/mman.h>" nogil:
    void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
    int munmap(void *addr, size_t length)
    int msync(void *addr, size_t length, int flags)
    int madvise(void *addr, size_t length, int advice)
    void *MAP_FAILED
    enum:
        MAP_SHARED
        MAP_PRIVATE
        MAP_ANONYMOUS
        MAP_ANON
        PROT_READ
        PROT_WRITE
        PROT_NONE
        MS_SYNC
        MS_ASYNC
        MS_INVALIDATE

cdef extern from "<sys/stat.h>" nogil:
    ctypedef unsigned int mode_t
    cdef struct stat:
        off_t st_size
        mode_t st_mode
    int fstat(int fd, stat *buf)
    bint S_ISREG(mode_t mode)

cdef extern from "<fcntl.h>" nogil:
    int fcntl(int fd, int cmd, ...)
    enum:
        F_DUPFD_CLOEXEC

cdef extern from "<unistd.h>" nogil:
    int ftruncate(int fd, off_t length)
    int dup(int fd)
    int close(int fd)
    long sysconf(int name)
    int usleep(unsigned int usec)
    enum:
        _SC_PAGESIZE

cdef extern from "<string.h>" nogil:
    void *memchr(const void *s, int c, size_t n)
    void *memmem(const void *haystack, size_t haystacklen,
                 const void *needle, size_t needlelen)
    void *memmove(void *dest, const void *src, size_t n)
    void *memcpy(void *dest, const void *src, size_t n)
    void *memset(void *s, int c, size_t n)
    int memcmp(const void *s1, const void *s2, size_t n)
    char *strerror(int errnum)

# Symbols some platforms lack: always defined by the shim (see _compat.h).
cdef extern from "_compat.h" nogil:
    void *fastmmap_mremap(void *old, size_t old_size, size_t new_size)
    void fastmmap_prefetch_read(const void *p)
    int fastmmap_name_anonymous(void *addr, size_t length, const char *name)
    enum:
        FASTMMAP_HAVE_MREMAP
        # 0 where absent (_offsets.pyx's scratch buffers).
        MAP_NORESERVE
        MADV_HUGEPAGE
        FASTMMAP_HAVE_MADV_HUGEPAGE
    # The constants the module exports: the list is _constants.h, and this
    # is the table of those the platform defines (fastmmap._mmap.CONSTANTS).
    ctypedef struct fastmmap_constant:
        const char *name
        long long value
    const fastmmap_constant *fastmmap_constants(Py_ssize_t *count)
