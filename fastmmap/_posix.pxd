# Raw OS declarations, grouped by header.  Declarations only: no logic lives
# here.  A syscall whose failure is reported to the caller (mmap, msync,
# fstat, ...) is called only through the checked wrappers of _os.pyx, which
# turn errno into OSError.  The other users: _mmap.pyx and _offsets.pyx take
# the constants and flags, _mmap.pyx calls munmap() in __dealloc__ (which has
# no one to report to) and usleep() while waiting for a turn, the guarded
# operations (_ops.pxi) and find_all's storage copy with memcpy/memmove,
# _workers.pyx starts its threads (pthread, signal masks: a failure there is
# an errno it hands to _os.raise_errno) and _guard.pyx reads errno.

cdef extern from "<errno.h>" nogil:
    int errno
    enum:
        EBADF
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
        PROT_READ
        PROT_WRITE
        MS_SYNC

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
    int close(int fd)
    long sysconf(int name)
    int usleep(unsigned int usec)
    enum:
        _SC_PAGESIZE

cdef extern from "<string.h>" nogil:
    void *memmove(void *dest, const void *src, size_t n)
    void *memcpy(void *dest, const void *src, size_t n)
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

cdef extern from "<pthread.h>" nogil:
    ctypedef struct pthread_t:
        pass
    ctypedef struct pthread_attr_t:
        pass
    int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                       void *(*start)(void *) noexcept nogil, void *arg)
    int pthread_join(pthread_t thread, void **result)

cdef extern from "<signal.h>" nogil:
    ctypedef struct sigset_t:
        pass
    int sigfillset(sigset_t *set)
    int sigdelset(sigset_t *set, int signum)
    int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
    enum:
        SIG_SETMASK
        SIGBUS
        SIGSEGV
        SIGFPE
        SIGILL
        SIGTRAP
