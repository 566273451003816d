/*
 * Platform shim: every symbol the Cython code names is always defined here,
 * so no .pyx/.pxd file ever branches on the platform.
 *
 * - The constants the module exports are listed once, in _constants.h;
 *   this header turns the list into a table (fastmmap_constants) of those
 *   the platform defines.
 * - Flags the code uses that a platform lacks are defined as 0 (paired with
 *   a FASTMMAP_HAVE_<NAME> macro where the code must know).
 * - Functions a platform lacks (mremap) get a stub or a portable fallback
 *   with the same contract.  (Byte scans are the search engine's:
 *   _search.find / _search.rfind with a one-byte needle, which carries its
 *   own memrchr for libcs without one.)
 */
#ifndef FASTMMAP_COMPAT_H
#define FASTMMAP_COMPAT_H

/* Python.h (included first by Cython) already defines _GNU_SOURCE through
 * pyconfig.h on glibc, which exposes memmem and mremap. */
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


/* The exported constants (the list is _constants.h), as a table the module
 * turns into its CONSTANTS dict at import.  Built before the fallbacks
 * below, which would otherwise make a missing flag look defined. */
typedef struct {
    const char *name;
    long long value;
} fastmmap_constant;

static inline const fastmmap_constant *fastmmap_constants(Py_ssize_t *count)
{
    static const fastmmap_constant table[] = {
#define FASTMMAP_CONSTANT(name) {#name, (long long)(name)},
#include "_constants.h"
#undef FASTMMAP_CONSTANT
    };
    *count = (Py_ssize_t)(sizeof(table) / sizeof(table[0]));
    return table;
}

/* Flags the code itself uses where the platform has them (_offsets.pyx):
 * 0 where absent, so the call sites stay the same everywhere. */
#ifndef MAP_NORESERVE
#  define MAP_NORESERVE 0
#endif
#ifdef MADV_HUGEPAGE
#  define FASTMMAP_HAVE_MADV_HUGEPAGE 1
#else
#  define FASTMMAP_HAVE_MADV_HUGEPAGE 0
#  define MADV_HUGEPAGE 0
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
