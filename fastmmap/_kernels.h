/*
 * C helpers for fastmmap/_search.pyx: only what Cython cannot say well.
 *
 * - fastmmap_byte_rank: the static "how common is this byte" table the
 *   prefilter uses to pick its anchor bytes.
 * - fastmmap_count_byte(): counts one byte value.  Calling memchr once per
 *   hit costs a call and a vector set-up for every match, far below memory
 *   bandwidth when the byte is frequent (b"\n" in text); a branch-free
 *   compare-and-accumulate loop runs at the same speed whatever the density.
 * - word-at-a-time mismatch finders for two-way, a word-compare scan for
 *   needles of up to 8 bytes, and a prefetch hint.
 *
 * Portability: GCC/Clang vector extensions and builtins where available,
 * plain C otherwise.  Function multi-versioning (target_clones) needs ifunc
 * support, i.e. GCC on an ELF/glibc x86-64 target; everywhere else (macOS and
 * clang included) the baseline build of the same code is used.
 */
#ifndef FASTMMAP_KERNELS_H
#define FASTMMAP_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) \
    && defined(__linux__) && defined(__GLIBC__) && (__GNUC__ >= 6)
#  define FASTMMAP_CLONES __attribute__((target_clones("avx2", "default")))
#else
#  define FASTMMAP_CLONES
#endif

/* Both switches below may be preset to 0 to build (and test) the portable
 * code paths on a compiler that would otherwise use the fast ones. */
#ifndef FASTMMAP_HAVE_VECTOR_EXT
#  if defined(__GNUC__) || defined(__clang__)
#    define FASTMMAP_HAVE_VECTOR_EXT 1
#  else
#    define FASTMMAP_HAVE_VECTOR_EXT 0
#  endif
#endif

/* glibc's memmem is linear in the worst case (two-way based).  Other libcs
 * are not guaranteed to be (older BSD/macOS ones are naive), so the search
 * kernels use their own two-way there. */
#if defined(__GLIBC__)
#  define FASTMMAP_MEMMEM_IS_LINEAR 1
#else
#  define FASTMMAP_MEMMEM_IS_LINEAR 0
#endif

/* How common each byte value is in typical files, 0 = rarest, 255 = most
 * common.  Hand-written estimates: NUL and space lead, then lowercase letters
 * in English frequency order, newline, prose punctuation, uppercase letters,
 * code punctuation, digits (rare in prose), then uncommon symbols such as
 * '#', '~', '^', control bytes and non-ASCII bytes.  Only the order matters:
 * the search kernels anchor on the needle byte with the lowest score, hoping
 * it shows up in the haystack as seldom as possible. */
static const unsigned char fastmmap_byte_rank[256] = {
    255,  95,  95,  95,  95,  50,  50,  50,  95, 140, 215,  50,  50, 150,  50,  50,  /* 0x00 */
     95,  50,  50,  50,  50,  50,  50,  50,  50,  50,  50,  50,  50,  50,  50,  50,  /* 0x10 */
    254, 120, 160,  68,  85,  90,  95, 165, 145, 145, 115, 100, 205, 170, 206, 150,  /* 0x20 */
    100,  98,  95,  85,  84,  83,  82,  81,  80,  79, 145, 135, 105, 145, 110, 120,  /* 0x30 */
     80, 171, 163, 165, 155, 145, 149, 143, 161, 169, 139, 137, 151, 167, 147, 141,  /* 0x40 */
    159, 121, 153, 173, 175, 130, 127, 157, 118, 124, 115, 105,  90, 105,  65, 150,  /* 0x50 */
     75, 246, 212, 228, 232, 250, 220, 218, 236, 242, 198, 204, 230, 224, 240, 244,  /* 0x60 */
    214, 186, 234, 238, 248, 226, 210, 222, 192, 216, 180, 100,  85, 100,  70,  45,  /* 0x70 */
     75,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  /* 0x80 */
     60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  /* 0x90 */
     70,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  /* 0xa0 */
     60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  60,  /* 0xb0 */
     40,  40,  70,  70,  55,  55,  40,  40,  40,  40,  40,  40,  40,  40,  55,  55,  /* 0xc0 */
     55,  55,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  /* 0xd0 */
     40,  40,  70,  55,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  /* 0xe0 */
     40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  40,  60, 150,  /* 0xf0 */
};

/* Prefetch hint for the two-way matcher, whose window jumps are data
 * dependent: without it a skip that lands on a new cache line waits for
 * memory, and sparse jumps defeat the hardware stream prefetcher.  The
 * address is formed in integer arithmetic (it may lie outside the buffer;
 * a prefetch never faults). */
#if defined(__GNUC__) || defined(__clang__)
#  define fastmmap_prefetch(p, delta) \
      __builtin_prefetch((const void *)((uintptr_t)(p) + (uintptr_t)(delta)))
#else
#  define fastmmap_prefetch(p, delta) ((void)0)
#endif

/* Byte-wise comparison helpers for the two-way matcher, which needs the
 * position of the first mismatch (memcmp only says which side is larger).
 * Eight bytes per step: XOR two words and locate the lowest (prefix) or
 * highest (suffix) differing byte with a bit scan; little-endian GCC/Clang
 * only, a plain byte loop elsewhere. */
#ifndef FASTMMAP_WORD_COMPARE
#  if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) \
      && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#    define FASTMMAP_WORD_COMPARE 1
#  else
#    define FASTMMAP_WORD_COMPARE 0
#  endif
#endif

/* Length of the longest common prefix of a[0:n] and b[0:n]. */
static inline size_t fastmmap_common_prefix(const unsigned char *a,
                                            const unsigned char *b, size_t n)
{
    size_t i = 0;
#if FASTMMAP_WORD_COMPARE
    while (i + 8 <= n) {
        uint64_t wa, wb, d;
        memcpy(&wa, a + i, 8);
        memcpy(&wb, b + i, 8);
        d = wa ^ wb;
        if (d)
            return i + ((size_t)__builtin_ctzll(d) >> 3);
        i += 8;
    }
#endif
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Length of the longest common suffix of a_end[-n:0] and b_end[-n:0]
 * (both pointers point one past the last byte compared). */
static inline size_t fastmmap_common_suffix(const unsigned char *a_end,
                                            const unsigned char *b_end,
                                            size_t n)
{
    size_t i = 0;
#if FASTMMAP_WORD_COMPARE
    while (i + 8 <= n) {
        uint64_t wa, wb, d;
        memcpy(&wa, a_end - i - 8, 8);
        memcpy(&wb, b_end - i - 8, 8);
        d = wa ^ wb;
        if (d)
            return i + ((size_t)__builtin_clzll(d) >> 3);
        i += 8;
    }
#endif
    while (i < n && a_end[-1 - (ptrdiff_t)i] == b_end[-1 - (ptrdiff_t)i])
        i++;
    return i;
}

/* Needles of 2..8 bytes: test every window with one word compare, O(1) per
 * position whatever the data, so this is the linear fallback for short
 * needles (cheaper per window than two-way, which matters when matches are
 * dense).  Windows are y[j, j + k) with j in [lo, hi]; hi <= n - k. */
static inline uint64_t fastmmap_load_tail(const unsigned char *p, size_t k)
{
    uint64_t w = 0;
    memcpy(&w, p, k);
    return w;
}

static ptrdiff_t fastmmap_short_find(const unsigned char *y, size_t n,
                                     const unsigned char *x, size_t k,
                                     ptrdiff_t lo, ptrdiff_t hi)
{
#if FASTMMAP_WORD_COMPARE
    const uint64_t mask = k >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * k)) - 1);
    const uint64_t nw = fastmmap_load_tail(x, k);
    /* Full 8-byte loads stay inside y while j + 8 <= n. */
    const ptrdiff_t wide_hi = (ptrdiff_t)n - 8;
    ptrdiff_t j = lo;
    for (; j <= hi && j <= wide_hi; j++) {
        uint64_t w;
        memcpy(&w, y + j, 8);
        if (((w ^ nw) & mask) == 0)
            return j;
    }
    for (; j <= hi; j++) {
        if (fastmmap_load_tail(y + j, k) == nw)
            return j;
    }
#else
    ptrdiff_t j;
    for (j = lo; j <= hi; j++) {
        if (y[j] == x[0] && memcmp(y + j, x, k) == 0)
            return j;
    }
#endif
    return -1;
}

/* Number of non-overlapping matches among windows starting in [lo, n - k]
 * (k in 2..8), scanning left to right: the bulk of a count once matches
 * turned out dense, without a call per match. */
static size_t fastmmap_short_count(const unsigned char *y, size_t n,
                                   const unsigned char *x, size_t k,
                                   ptrdiff_t lo)
{
    const ptrdiff_t hi = (ptrdiff_t)n - (ptrdiff_t)k;
    size_t c = 0;
    ptrdiff_t j = lo;
#if FASTMMAP_WORD_COMPARE
    const uint64_t mask = k >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * k)) - 1);
    const uint64_t nw = fastmmap_load_tail(x, k);
    const ptrdiff_t wide_hi = (ptrdiff_t)n - 8;
    while (j <= hi && j <= wide_hi) {
        uint64_t w;
        memcpy(&w, y + j, 8);
        if (((w ^ nw) & mask) == 0) {
            c++;
            j += (ptrdiff_t)k;
        } else {
            j++;
        }
    }
    while (j <= hi) {
        if (fastmmap_load_tail(y + j, k) == nw) {
            c++;
            j += (ptrdiff_t)k;
        } else {
            j++;
        }
    }
#else
    while (j <= hi) {
        if (y[j] == x[0] && memcmp(y + j, x, k) == 0) {
            c++;
            j += (ptrdiff_t)k;
        } else {
            j++;
        }
    }
#endif
    return c;
}

/* Same, scanning j from hi down to lo. */
static ptrdiff_t fastmmap_short_rfind(const unsigned char *y, size_t n,
                                      const unsigned char *x, size_t k,
                                      ptrdiff_t lo, ptrdiff_t hi)
{
#if FASTMMAP_WORD_COMPARE
    const uint64_t mask = k >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * k)) - 1);
    const uint64_t nw = fastmmap_load_tail(x, k);
    const ptrdiff_t wide_hi = (ptrdiff_t)n - 8;
    ptrdiff_t j = hi;
    for (; j >= lo && j > wide_hi; j--) {
        if (fastmmap_load_tail(y + j, k) == nw)
            return j;
    }
    for (; j >= lo; j--) {
        uint64_t w;
        memcpy(&w, y + j, 8);
        if (((w ^ nw) & mask) == 0)
            return j;
    }
#else
    ptrdiff_t j;
    (void)n;
    for (j = hi; j >= lo; j--) {
        if (y[j] == x[0] && memcmp(y + j, x, k) == 0)
            return j;
    }
#endif
    return -1;
}

#if FASTMMAP_HAVE_VECTOR_EXT

typedef unsigned char fastmmap_v32u8 __attribute__((vector_size(32)));

/* Lanes are 8-bit counters, so a block may run at most 255 iterations before
 * the counters are folded into the 64-bit total. */
#define FASTMMAP_COUNT_BLOCK 255

FASTMMAP_CLONES
static size_t fastmmap_count_byte(const unsigned char *p, size_t n,
                                  unsigned char c)
{
    size_t total = 0;
    fastmmap_v32u8 target;
    int lane;

    for (lane = 0; lane < 32; lane++)
        target[lane] = c;

    /* Four independent accumulators, 128 bytes per iteration: enough loads
     * in flight to saturate the load ports when the data is in cache. */
    while (n >= 128) {
        size_t iters = n / 128;
        size_t i;
        fastmmap_v32u8 acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
        if (iters > FASTMMAP_COUNT_BLOCK)
            iters = FASTMMAP_COUNT_BLOCK;
        for (i = 0; i < iters; i++) {
            fastmmap_v32u8 a, b, d, e;
            /* memcpy: unaligned loads without aliasing/alignment UB. */
            memcpy(&a, p, 32);
            memcpy(&b, p + 32, 32);
            memcpy(&d, p + 64, 32);
            memcpy(&e, p + 96, 32);
            /* A true comparison lane is all ones (-1): subtracting counts it. */
            acc0 -= (fastmmap_v32u8)(a == target);
            acc1 -= (fastmmap_v32u8)(b == target);
            acc2 -= (fastmmap_v32u8)(d == target);
            acc3 -= (fastmmap_v32u8)(e == target);
            p += 128;
        }
        n -= iters * 128;
        for (lane = 0; lane < 32; lane++)
            total += (size_t)acc0[lane] + (size_t)acc1[lane]
                     + (size_t)acc2[lane] + (size_t)acc3[lane];
    }
    while (n--)
        total += (*p++ == c);
    return total;
}

#else /* !FASTMMAP_HAVE_VECTOR_EXT */

static size_t fastmmap_count_byte(const unsigned char *p, size_t n,
                                  unsigned char c)
{
    size_t total = 0;
    while (n--)
        total += (*p++ == c);
    return total;
}

#endif /* FASTMMAP_HAVE_VECTOR_EXT */

#endif /* FASTMMAP_KERNELS_H */
