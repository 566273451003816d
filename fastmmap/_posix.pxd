# Raw OS declarations, grouped by header.  Declarations only: no logic lives
# here.  Only fastmmap/_os.pyx and the kernels (string.h) use them.

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
    void *fastmmap_memrchr(const void *s, int c, size_t n)
    void fastmmap_prefetch_read(const void *p)
    int fastmmap_name_anonymous(void *addr, size_t length, const char *name)
    enum:
        FASTMMAP_HAVE_MREMAP
        # Optional mmap() flags and protections (0 where absent).
        MAP_DENYWRITE
        MAP_EXECUTABLE
        MAP_POPULATE
        MAP_STACK
        MAP_32BIT
        MAP_NORESERVE
        MAP_NOEXTEND
        MAP_HASSEMAPHORE
        MAP_NOCACHE
        MAP_JIT
        MAP_RESILIENT_CODESIGN
        MAP_RESILIENT_MEDIA
        MAP_TRANSLATED_ALLOW_EXECUTE
        MAP_UNIX03
        MAP_TPRO
        PROT_EXEC
        FASTMMAP_HAVE_MAP_DENYWRITE
        FASTMMAP_HAVE_MAP_EXECUTABLE
        FASTMMAP_HAVE_MAP_POPULATE
        FASTMMAP_HAVE_MAP_STACK
        FASTMMAP_HAVE_MAP_32BIT
        FASTMMAP_HAVE_MAP_NORESERVE
        FASTMMAP_HAVE_MAP_NOEXTEND
        FASTMMAP_HAVE_MAP_HASSEMAPHORE
        FASTMMAP_HAVE_MAP_NOCACHE
        FASTMMAP_HAVE_MAP_JIT
        FASTMMAP_HAVE_MAP_RESILIENT_CODESIGN
        FASTMMAP_HAVE_MAP_RESILIENT_MEDIA
        FASTMMAP_HAVE_MAP_TRANSLATED_ALLOW_EXECUTE
        FASTMMAP_HAVE_MAP_UNIX03
        FASTMMAP_HAVE_MAP_TPRO
        FASTMMAP_HAVE_PROT_EXEC
        # madvise() advice (0 where absent).
        MADV_NORMAL
        MADV_RANDOM
        MADV_SEQUENTIAL
        MADV_WILLNEED
        MADV_DONTNEED
        MADV_REMOVE
        MADV_DONTFORK
        MADV_DOFORK
        MADV_HWPOISON
        MADV_MERGEABLE
        MADV_UNMERGEABLE
        MADV_SOFT_OFFLINE
        MADV_HUGEPAGE
        MADV_NOHUGEPAGE
        MADV_DONTDUMP
        MADV_DODUMP
        MADV_FREE
        MADV_FREE_REUSABLE
        MADV_FREE_REUSE
        MADV_NOSYNC
        MADV_AUTOSYNC
        MADV_NOCORE
        MADV_CORE
        MADV_PROTECT
        FASTMMAP_HAVE_MADV_NORMAL
        FASTMMAP_HAVE_MADV_RANDOM
        FASTMMAP_HAVE_MADV_SEQUENTIAL
        FASTMMAP_HAVE_MADV_WILLNEED
        FASTMMAP_HAVE_MADV_DONTNEED
        FASTMMAP_HAVE_MADV_REMOVE
        FASTMMAP_HAVE_MADV_DONTFORK
        FASTMMAP_HAVE_MADV_DOFORK
        FASTMMAP_HAVE_MADV_HWPOISON
        FASTMMAP_HAVE_MADV_MERGEABLE
        FASTMMAP_HAVE_MADV_UNMERGEABLE
        FASTMMAP_HAVE_MADV_SOFT_OFFLINE
        FASTMMAP_HAVE_MADV_HUGEPAGE
        FASTMMAP_HAVE_MADV_NOHUGEPAGE
        FASTMMAP_HAVE_MADV_DONTDUMP
        FASTMMAP_HAVE_MADV_DODUMP
        FASTMMAP_HAVE_MADV_FREE
        FASTMMAP_HAVE_MADV_FREE_REUSABLE
        FASTMMAP_HAVE_MADV_FREE_REUSE
        FASTMMAP_HAVE_MADV_NOSYNC
        FASTMMAP_HAVE_MADV_AUTOSYNC
        FASTMMAP_HAVE_MADV_NOCORE
        FASTMMAP_HAVE_MADV_CORE
        FASTMMAP_HAVE_MADV_PROTECT
