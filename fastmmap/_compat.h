/*
 * Platform shim: every symbol the Cython code names is always defined here,
 * so no .pyx/.pxd file ever branches on the platform.
 *
 * - Optional flags a platform lacks are defined as 0 and paired with a
 *   FASTMMAP_HAVE_<NAME> macro (1 or 0); the Python module exports only the
 *   constants whose HAVE macro is 1, exactly as the stdlib module does.
 * - Functions a platform lacks (mremap, memrchr) get a stub or a portable
 *   fallback with the same contract.
 */
#ifndef FASTMMAP_COMPAT_H
#define FASTMMAP_COMPAT_H

/* Python.h (included first by Cython) already defines _GNU_SOURCE through
 * pyconfig.h on glibc, which exposes memrchr, memmem and mremap. */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#  define MAP_ANONYMOUS MAP_ANON
#endif
#if !defined(MAP_ANON) && defined(MAP_ANONYMOUS)
#  define MAP_ANON MAP_ANONYMOUS
#endif


#ifdef MAP_DENYWRITE
#  define FASTMMAP_HAVE_MAP_DENYWRITE 1
#else
#  define FASTMMAP_HAVE_MAP_DENYWRITE 0
#  define MAP_DENYWRITE 0
#endif
#ifdef MAP_EXECUTABLE
#  define FASTMMAP_HAVE_MAP_EXECUTABLE 1
#else
#  define FASTMMAP_HAVE_MAP_EXECUTABLE 0
#  define MAP_EXECUTABLE 0
#endif
#ifdef MAP_POPULATE
#  define FASTMMAP_HAVE_MAP_POPULATE 1
#else
#  define FASTMMAP_HAVE_MAP_POPULATE 0
#  define MAP_POPULATE 0
#endif
#ifdef MAP_STACK
#  define FASTMMAP_HAVE_MAP_STACK 1
#else
#  define FASTMMAP_HAVE_MAP_STACK 0
#  define MAP_STACK 0
#endif
#ifdef MAP_32BIT
#  define FASTMMAP_HAVE_MAP_32BIT 1
#else
#  define FASTMMAP_HAVE_MAP_32BIT 0
#  define MAP_32BIT 0
#endif
#ifdef MAP_NORESERVE
#  define FASTMMAP_HAVE_MAP_NORESERVE 1
#else
#  define FASTMMAP_HAVE_MAP_NORESERVE 0
#  define MAP_NORESERVE 0
#endif
#ifdef MAP_NOEXTEND
#  define FASTMMAP_HAVE_MAP_NOEXTEND 1
#else
#  define FASTMMAP_HAVE_MAP_NOEXTEND 0
#  define MAP_NOEXTEND 0
#endif
#ifdef MAP_HASSEMAPHORE
#  define FASTMMAP_HAVE_MAP_HASSEMAPHORE 1
#else
#  define FASTMMAP_HAVE_MAP_HASSEMAPHORE 0
#  define MAP_HASSEMAPHORE 0
#endif
#ifdef MAP_NOCACHE
#  define FASTMMAP_HAVE_MAP_NOCACHE 1
#else
#  define FASTMMAP_HAVE_MAP_NOCACHE 0
#  define MAP_NOCACHE 0
#endif
#ifdef MAP_JIT
#  define FASTMMAP_HAVE_MAP_JIT 1
#else
#  define FASTMMAP_HAVE_MAP_JIT 0
#  define MAP_JIT 0
#endif
#ifdef MAP_RESILIENT_CODESIGN
#  define FASTMMAP_HAVE_MAP_RESILIENT_CODESIGN 1
#else
#  define FASTMMAP_HAVE_MAP_RESILIENT_CODESIGN 0
#  define MAP_RESILIENT_CODESIGN 0
#endif
#ifdef MAP_RESILIENT_MEDIA
#  define FASTMMAP_HAVE_MAP_RESILIENT_MEDIA 1
#else
#  define FASTMMAP_HAVE_MAP_RESILIENT_MEDIA 0
#  define MAP_RESILIENT_MEDIA 0
#endif
#ifdef MAP_TRANSLATED_ALLOW_EXECUTE
#  define FASTMMAP_HAVE_MAP_TRANSLATED_ALLOW_EXECUTE 1
#else
#  define FASTMMAP_HAVE_MAP_TRANSLATED_ALLOW_EXECUTE 0
#  define MAP_TRANSLATED_ALLOW_EXECUTE 0
#endif
#ifdef MAP_UNIX03
#  define FASTMMAP_HAVE_MAP_UNIX03 1
#else
#  define FASTMMAP_HAVE_MAP_UNIX03 0
#  define MAP_UNIX03 0
#endif
#ifdef MAP_TPRO
#  define FASTMMAP_HAVE_MAP_TPRO 1
#else
#  define FASTMMAP_HAVE_MAP_TPRO 0
#  define MAP_TPRO 0
#endif

#ifdef PROT_EXEC
#  define FASTMMAP_HAVE_PROT_EXEC 1
#else
#  define FASTMMAP_HAVE_PROT_EXEC 0
#  define PROT_EXEC 0
#endif

/* madvise() advice values: POSIX guarantees only the first five. */
#ifdef MADV_NORMAL
#  define FASTMMAP_HAVE_MADV_NORMAL 1
#else
#  define FASTMMAP_HAVE_MADV_NORMAL 0
#  define MADV_NORMAL 0
#endif
#ifdef MADV_RANDOM
#  define FASTMMAP_HAVE_MADV_RANDOM 1
#else
#  define FASTMMAP_HAVE_MADV_RANDOM 0
#  define MADV_RANDOM 0
#endif
#ifdef MADV_SEQUENTIAL
#  define FASTMMAP_HAVE_MADV_SEQUENTIAL 1
#else
#  define FASTMMAP_HAVE_MADV_SEQUENTIAL 0
#  define MADV_SEQUENTIAL 0
#endif
#ifdef MADV_WILLNEED
#  define FASTMMAP_HAVE_MADV_WILLNEED 1
#else
#  define FASTMMAP_HAVE_MADV_WILLNEED 0
#  define MADV_WILLNEED 0
#endif
#ifdef MADV_DONTNEED
#  define FASTMMAP_HAVE_MADV_DONTNEED 1
#else
#  define FASTMMAP_HAVE_MADV_DONTNEED 0
#  define MADV_DONTNEED 0
#endif
#ifdef MADV_REMOVE
#  define FASTMMAP_HAVE_MADV_REMOVE 1
#else
#  define FASTMMAP_HAVE_MADV_REMOVE 0
#  define MADV_REMOVE 0
#endif
#ifdef MADV_DONTFORK
#  define FASTMMAP_HAVE_MADV_DONTFORK 1
#else
#  define FASTMMAP_HAVE_MADV_DONTFORK 0
#  define MADV_DONTFORK 0
#endif
#ifdef MADV_DOFORK
#  define FASTMMAP_HAVE_MADV_DOFORK 1
#else
#  define FASTMMAP_HAVE_MADV_DOFORK 0
#  define MADV_DOFORK 0
#endif
#ifdef MADV_HWPOISON
#  define FASTMMAP_HAVE_MADV_HWPOISON 1
#else
#  define FASTMMAP_HAVE_MADV_HWPOISON 0
#  define MADV_HWPOISON 0
#endif
#ifdef MADV_MERGEABLE
#  define FASTMMAP_HAVE_MADV_MERGEABLE 1
#else
#  define FASTMMAP_HAVE_MADV_MERGEABLE 0
#  define MADV_MERGEABLE 0
#endif
#ifdef MADV_UNMERGEABLE
#  define FASTMMAP_HAVE_MADV_UNMERGEABLE 1
#else
#  define FASTMMAP_HAVE_MADV_UNMERGEABLE 0
#  define MADV_UNMERGEABLE 0
#endif
#ifdef MADV_SOFT_OFFLINE
#  define FASTMMAP_HAVE_MADV_SOFT_OFFLINE 1
#else
#  define FASTMMAP_HAVE_MADV_SOFT_OFFLINE 0
#  define MADV_SOFT_OFFLINE 0
#endif
#ifdef MADV_HUGEPAGE
#  define FASTMMAP_HAVE_MADV_HUGEPAGE 1
#else
#  define FASTMMAP_HAVE_MADV_HUGEPAGE 0
#  define MADV_HUGEPAGE 0
#endif
#ifdef MADV_NOHUGEPAGE
#  define FASTMMAP_HAVE_MADV_NOHUGEPAGE 1
#else
#  define FASTMMAP_HAVE_MADV_NOHUGEPAGE 0
#  define MADV_NOHUGEPAGE 0
#endif
#ifdef MADV_DONTDUMP
#  define FASTMMAP_HAVE_MADV_DONTDUMP 1
#else
#  define FASTMMAP_HAVE_MADV_DONTDUMP 0
#  define MADV_DONTDUMP 0
#endif
#ifdef MADV_DODUMP
#  define FASTMMAP_HAVE_MADV_DODUMP 1
#else
#  define FASTMMAP_HAVE_MADV_DODUMP 0
#  define MADV_DODUMP 0
#endif
#ifdef MADV_FREE
#  define FASTMMAP_HAVE_MADV_FREE 1
#else
#  define FASTMMAP_HAVE_MADV_FREE 0
#  define MADV_FREE 0
#endif
#ifdef MADV_FREE_REUSABLE
#  define FASTMMAP_HAVE_MADV_FREE_REUSABLE 1
#else
#  define FASTMMAP_HAVE_MADV_FREE_REUSABLE 0
#  define MADV_FREE_REUSABLE 0
#endif
#ifdef MADV_FREE_REUSE
#  define FASTMMAP_HAVE_MADV_FREE_REUSE 1
#else
#  define FASTMMAP_HAVE_MADV_FREE_REUSE 0
#  define MADV_FREE_REUSE 0
#endif
#ifdef MADV_NOSYNC
#  define FASTMMAP_HAVE_MADV_NOSYNC 1
#else
#  define FASTMMAP_HAVE_MADV_NOSYNC 0
#  define MADV_NOSYNC 0
#endif
#ifdef MADV_AUTOSYNC
#  define FASTMMAP_HAVE_MADV_AUTOSYNC 1
#else
#  define FASTMMAP_HAVE_MADV_AUTOSYNC 0
#  define MADV_AUTOSYNC 0
#endif
#ifdef MADV_NOCORE
#  define FASTMMAP_HAVE_MADV_NOCORE 1
#else
#  define FASTMMAP_HAVE_MADV_NOCORE 0
#  define MADV_NOCORE 0
#endif
#ifdef MADV_CORE
#  define FASTMMAP_HAVE_MADV_CORE 1
#else
#  define FASTMMAP_HAVE_MADV_CORE 0
#  define MADV_CORE 0
#endif
#ifdef MADV_PROTECT
#  define FASTMMAP_HAVE_MADV_PROTECT 1
#else
#  define FASTMMAP_HAVE_MADV_PROTECT 0
#  define MADV_PROTECT 0
#endif

/* mremap: Linux only.  Elsewhere resize() reports SystemError like CPython
 * built without HAVE_MREMAP; the stub keeps the call site identical. */
#if defined(__linux__) && defined(MREMAP_MAYMOVE)
#  define FASTMMAP_HAVE_MREMAP 1
static inline void *fastmmap_mremap(void *old, size_t old_size, size_t new_size)
{
    return mremap(old, old_size, new_size, MREMAP_MAYMOVE);
}
#else
#  define FASTMMAP_HAVE_MREMAP 0
static inline void *fastmmap_mremap(void *old, size_t old_size, size_t new_size)
{
    (void)old; (void)old_size; (void)new_size;
    errno = ENOSYS;
    return MAP_FAILED;
}
#endif

/* Name an anonymous mapping as /proc/PID/maps shows it ("[anon:NAME]"),
 * for mmap.set_name().  Linux 5.17+ with CONFIG_ANON_VMA_NAME; elsewhere, and
 * on kernels built without it, the call fails and callers ignore that, as
 * CPython 3.15 does: the name is a debugging aid, never a requirement. */
#if defined(__linux__)
#  include <sys/prctl.h>
#  ifndef PR_SET_VMA
#    define PR_SET_VMA 0x53564d41
#  endif
#  ifndef PR_SET_VMA_ANON_NAME
#    define PR_SET_VMA_ANON_NAME 0
#  endif
static inline int fastmmap_name_anonymous(void *addr, size_t length, const char *name)
{
    return prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)addr,
                 (unsigned long)length, (unsigned long)name);
}
#else
static inline int fastmmap_name_anonymous(void *addr, size_t length, const char *name)
{
    (void)addr; (void)length; (void)name;
    errno = ENOSYS;
    return -1;
}
#endif

/* memrchr: a GNU extension (absent on macOS).  The fallback is a plain
 * backwards loop with the same contract. */
#if defined(__GLIBC__) || defined(__linux__) || defined(__FreeBSD__)
#  define fastmmap_memrchr memrchr
#else
static inline void *fastmmap_memrchr(const void *s, int c, size_t n)
{
    const unsigned char *p = (const unsigned char *)s + n;
    while (n--) {
        if (*--p == (unsigned char)c)
            return (void *)p;
    }
    return NULL;
}
#endif

/* Ask for the 128 bytes at p to be brought toward the cache, for reading.
 * A prefetch is only a hint: it never faults, whatever p points at (an
 * unmapped page, a page past the end of a truncated file), so it needs no
 * fault guard.  A no-op where the compiler has no builtin. */
#if defined(__GNUC__) || defined(__clang__)
static inline void fastmmap_prefetch_read(const void *p)
{
    __builtin_prefetch(p, 0, 2);
    __builtin_prefetch((const char *)p + 64, 0, 2);
}
#else
static inline void fastmmap_prefetch_read(const void *p) { (void)p; }
#endif

#endif /* FASTMMAP_COMPAT_H */
