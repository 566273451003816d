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
 * - the packed-pair block scan (find, rfind, count, find_all for k >= 2)
 *   and the block-compare 1-byte find_all, with SSE2 and AVX2 versions
 *   picked at run time (x86-64 with GCC or Clang only; see below).
 *
 * Portability: GCC/Clang vector extensions and builtins where available,
 * plain C otherwise.  Function multi-versioning (target_clones) needs ifunc
 * support, i.e. GCC on an ELF/glibc x86-64 target; everywhere else (macOS and
 * clang included) the baseline build of the same code is used.
 *
 * SAFETY: every function here reads only the haystack y[0:n] and needle
 * x[0:k] it is given and writes only out[0:cap]; the callers in _search.pyx
 * pass ranges the mmap object has checked against its current size, and
 * _mmap.pyx keeps them mapped (export guard or GIL) for the whole call.
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

/* ------------------------------------------------------------------------
 * Packed-pair prefilter (x86-64 with GCC or Clang).
 *
 * A needle position j is a candidate when the haystack holds the needle's
 * bytes c1, c2, c3 at j + i1, j + i2, j + i3: the two rarest bytes by
 * fastmmap_byte_rank at two different offsets, plus the rarest byte at a
 * third offset (the second one again for a 2-byte needle).  One step tests a
 * whole block of candidates: load the block at each offset, compare it with
 * the broadcast byte, AND the results and take the byte mask as an integer,
 * one bit per candidate.  Several bytes at fixed distances reject almost
 * every position even when each byte on its own is common (b" the ",
 * b"ing "); the third byte matters when the two rarest form a common pair
 * (b"th").  Only the surviving bits are verified.  Needles of 2 or 3 bytes
 * that cannot overlap themselves are fully compared by the block test, so
 * their bits are matches and are counted or written in bulk.
 *
 * Blocks are 16 bytes (SSE2, part of the x86-64 baseline) or 32 (AVX2,
 * chosen at run time from CPUID, so one build serves every CPU); four or two
 * of them make a 64-candidate chunk with a 64-bit mask.  SAFETY: every load
 * covers candidates j in [0, n - k], i.e. bytes up to n - k + (k - 1) < n: a block
 * never reads outside the haystack.  Near the ends a block is placed flush
 * with the last (or first) candidate and the bits already handled are
 * masked off; ranges shorter than a block are tested byte by byte.
 *
 * Budget: each failed verification is charged a constant plus the bytes it
 * found equal; once the charge exceeds the distance scanned (plus a warm-up
 * allowance), the scan stops and reports where the caller's linear fallback
 * must take over.  True matches are free: non-overlapping scans resume past
 * them, and find stops at the first.
 * ---------------------------------------------------------------------- */

#ifndef FASTMMAP_HAVE_PAIR
#  if FASTMMAP_HAVE_VECTOR_EXT && (defined(__GNUC__) || defined(__clang__)) \
      && (defined(__x86_64__) || defined(__amd64__))
#    define FASTMMAP_HAVE_PAIR 1
#  else
#    define FASTMMAP_HAVE_PAIR 0
#  endif
#endif

/* Scan results. */
#define FASTMMAP_PAIR_DONE 0    /* range exhausted */
#define FASTMMAP_PAIR_FULL 1    /* forward: `cap` matches; reverse: a match */
#define FASTMMAP_PAIR_BUDGET 2  /* stopped: hand over to the fallback */

/* Charge for a failed candidate, in bytes-scanned units: verifying costs a
 * few nanoseconds, about what the word-compare fallback spends on as many
 * bytes, so past one failure per this many bytes the fallback is cheaper. */
#define FASTMMAP_PAIR_CAND_COST 8

/* Software prefetch distance of the block loops (bytes ahead of the scan):
 * with three loads per block the hardware prefetcher alone leaves the scan
 * about 10% short of memchr speed on data that comes from memory. */
#define FASTMMAP_PAIR_PREFETCH 2048

typedef struct {
    const unsigned char *x;   /* needle, k >= 2 bytes */
    size_t k;
    size_t i1, i2, i3;        /* offsets compared, i1 != i2, all < k */
    unsigned char c1, c2, c3; /* x[i1], x[i2], x[i3] */
    int isa;                  /* 1: SSE2 blocks, 2: AVX2 blocks */
    /* Budget: charged work vs. distance from origin plus allowance. */
    ptrdiff_t origin, work, allow;
    /* Forward scans write match offsets to out[found..cap) (out may be
     * NULL to count only) and add them to `found`.  Slots of out past the
     * final `found` but before `cap` may be overwritten with junk. */
    ptrdiff_t *out;
    size_t cap, found;
    /* Where the scan stopped: FULL forward: one past the last match (its
     * offset + k); FULL reverse: the match; BUDGET forward: the first
     * candidate not examined; BUDGET reverse: the highest candidate not
     * examined (may be -1); DONE: unused. */
    ptrdiff_t resume;
} fastmmap_pair;

#if FASTMMAP_HAVE_PAIR

#include <immintrin.h>
#include <cpuid.h>

/* Every AVX2 CPU also has BMI1 (tzcnt) and POPCNT; the detection checks. */
#define FASTMMAP_AVX2 __attribute__((target("avx2,bmi,popcnt")))
/* For the helpers of the block loops: GCC stops inlining them once the
 * loops grow, and a call there costs more than the step it makes. */
#define FASTMMAP_INLINE static inline __attribute__((always_inline))

static int fastmmap_detect_isa(void)
{
    unsigned int a = 0, b = 0, c = 0, d = 0, lo = 0, hi = 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 1;
    __cpuid(1, a, b, c, d);
    /* CPU support (POPCNT, AVX) and the OS saving YMM state (OSXSAVE and
     * the SSE + AVX bits of XCR0). */
    if (!(c & (1u << 23)) || !(c & (1u << 27)) || !(c & (1u << 28)))
        return 1;
    __asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 6u) != 6u)
        return 1;
    __cpuid_count(7, 0, a, b, c, d);
    /* AVX2 and BMI1. */
    return ((b & (1u << 5)) && (b & (1u << 3))) ? 2 : 1;
}

/* Best block width this CPU runs: 1 = SSE2, 2 = AVX2 (0: no packed pair). */
static int fastmmap_isa(void)
{
    static int cached = 0;
    int v = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (!v) {
        v = fastmmap_detect_isa();
        __atomic_store_n(&cached, v, __ATOMIC_RELAXED);
    }
    return v;
}

/* Lowest set bit's index; m != 0. */
static inline unsigned fastmmap_tz64(uint64_t m)
{
    return (unsigned)__builtin_ctzll(m);
}

/* Highest set bit's index; m != 0. */
static inline unsigned fastmmap_top64(uint64_t m)
{
    return 63u - (unsigned)__builtin_clzll(m);
}

/* Lowest set bit's index for slots that may be junk: m == 0 gives 64
 * (tzcnt) or, on a CPU older than BMI1, whatever bsf leaves (the same bytes
 * decode as bsf there).  Inline asm because __builtin_ctzll(0) is undefined,
 * and making m nonzero first costs an instruction per slot.  In place, so
 * the result register is the input: no false dependency on older Intel
 * cores, where tzcnt waits for its destination's previous value. */
static inline uint64_t fastmmap_tz64_any(uint64_t m)
{
    __asm__("tzcnt %0, %0" : "+r"(m) : : "cc");
    return m;
}

/* Slot i of a flatten (in fastmmap_flatten_by): the offset of m's lowest
 * set bit. */
#define FASTMMAP_SLOT(i) (out[i] = base + (ptrdiff_t)fastmmap_tz64_any(m))
/* The next slot: drop the bit just written, then write. */
#define FASTMMAP_NEXT(i) do {                                                    \
        m &= m - 1;                                                               \
        FASTMMAP_SLOT(i);                                                         \
    } while (0)

/* out[i] = base + (index of the i-th lowest set bit of m) for the cnt set
 * bits of m.  Writes `group` (1 to 8) slots at a time without testing bits,
 * so up to group - 1 junk slots follow the last one (group when m == 0):
 * the caller guarantees cnt + group slots of room. */
FASTMMAP_INLINE void fastmmap_flatten_by(ptrdiff_t *out, ptrdiff_t base,
                                         uint64_t m, size_t cnt, int group)
{
    size_t i = 0;
    for (;;) {
        FASTMMAP_SLOT(i);
        if (group > 1) FASTMMAP_NEXT(i + 1);
        if (group > 2) FASTMMAP_NEXT(i + 2);
        if (group > 3) FASTMMAP_NEXT(i + 3);
        if (group > 4) FASTMMAP_NEXT(i + 4);
        if (group > 5) FASTMMAP_NEXT(i + 5);
        if (group > 6) FASTMMAP_NEXT(i + 6);
        if (group > 7) FASTMMAP_NEXT(i + 7);
        i += (size_t)group;
        if (i >= cnt)
            break;
        m &= m - 1;
    }
}

/* All of m in groups of eight; returns the count.  The caller guarantees
 * 64 slots of room (at most 7 junk slots follow the last, 8 when m == 0). */
static inline size_t fastmmap_flatten(ptrdiff_t *out, ptrdiff_t base,
                                      uint64_t m)
{
    const size_t cnt = (size_t)__builtin_popcountll(m);
    fastmmap_flatten_by(out, base, m, cnt, 8);
    return cnt;
}

/* Bytes of a[0:k] equal to b[0:k] before the first difference (exact for
 * k > 16, 0 for a shorter mismatch), or k when equal.  k >= 2. */
static inline size_t fastmmap_pair_verify(const unsigned char *a,
                                          const unsigned char *b, size_t k)
{
    size_t i;
    unsigned int ne;
    if (k <= 16) {
        if (k >= 8) {
            uint64_t a0, a1, b0, b1;
            memcpy(&a0, a, 8); memcpy(&a1, a + k - 8, 8);
            memcpy(&b0, b, 8); memcpy(&b1, b + k - 8, 8);
            return ((a0 ^ b0) | (a1 ^ b1)) ? 0 : k;
        }
        if (k >= 4) {
            uint32_t a0, a1, b0, b1;
            memcpy(&a0, a, 4); memcpy(&a1, a + k - 4, 4);
            memcpy(&b0, b, 4); memcpy(&b1, b + k - 4, 4);
            return ((a0 ^ b0) | (a1 ^ b1)) ? 0 : k;
        } else {
            uint16_t a0, a1, b0, b1;
            memcpy(&a0, a, 2); memcpy(&a1, a + k - 2, 2);
            memcpy(&b0, b, 2); memcpy(&b1, b + k - 2, 2);
            return ((a0 ^ b0) | (a1 ^ b1)) ? 0 : k;
        }
    }
    for (i = 0;; i += 16) {
        /* The last step is flush with the end (it may recheck bytes). */
        size_t at = i + 16 <= k ? i : k - 16;
        __m128i va = _mm_loadu_si128((const __m128i *)(const void *)(a + at));
        __m128i vb = _mm_loadu_si128((const __m128i *)(const void *)(b + at));
        ne = 0xffffu ^ (unsigned int)_mm_movemask_epi8(_mm_cmpeq_epi8(va, vb));
        if (ne)
            return at + (size_t)__builtin_ctz(ne);
        if (at + 16 >= k)
            return k;
    }
}

/* Whether every candidate is a match and no two matches overlap: the
 * compared offsets cover the needle (k <= 3) and it has no period < k. */
static inline int fastmmap_pair_exact(const fastmmap_pair *st)
{
    const unsigned char *x = st->x;
    if (st->k == 2)
        return x[0] != x[1];
    return st->k == 3 && x[0] != x[2]
           && st->i1 != st->i3 && st->i2 != st->i3;
}

/* Per-scan state kept in registers: the first offset a further match may
 * start at (forward), charged work, matches so far. */
typedef struct {
    ptrdiff_t lo, work;
    size_t found;
    int exact;
} fastmmap_run;

/* Handle the candidates in m (bit b = candidate base + b, none below
 * run->lo), lowest first.  Returns 0 to go on, or FULL / BUDGET with
 * st->resume set. */
static inline int fastmmap_pair_take(fastmmap_pair *st, fastmmap_run *run,
                                     const unsigned char *y, ptrdiff_t base,
                                     uint64_t m)
{
    const unsigned char *const x = st->x;
    const size_t k = st->k;
    ptrdiff_t *const out = st->out;
    const size_t cap = st->cap;
    const ptrdiff_t origin = st->origin, allow = st->allow;
    if (run->exact) {
        const size_t room = cap - run->found;
        const size_t cnt = (size_t)__builtin_popcountll(m);
        size_t i;
        ptrdiff_t p = 0;
        if (cnt < room) {
            if (out) {
                if (room >= 64) {
                    fastmmap_flatten(out + run->found, base, m);
                } else {
                    for (i = run->found; m; m &= m - 1)
                        out[i++] = base + (ptrdiff_t)fastmmap_tz64(m);
                }
            }
            run->found += cnt;
            return 0;
        }
        /* The room runs out within this mask. */
        for (i = 0; i < room; i++, m &= m - 1) {
            p = base + (ptrdiff_t)fastmmap_tz64(m);
            if (out)
                out[run->found + i] = p;
        }
        run->found = cap;
        st->resume = p + (ptrdiff_t)k;
        return FASTMMAP_PAIR_FULL;
    }
    while (m) {
        const ptrdiff_t p = base + (ptrdiff_t)fastmmap_tz64(m);
        const size_t eq = fastmmap_pair_verify(y + p, x, k);
        if (eq == k) {
            ptrdiff_t d;
            if (out)
                out[run->found] = p;
            run->found++;
            run->lo = p + (ptrdiff_t)k;
            if (run->found >= cap) {
                st->resume = run->lo;
                return FASTMMAP_PAIR_FULL;
            }
            /* Non-overlapping: drop the candidates inside the match. */
            d = run->lo - base;
            m = d >= 64 ? 0 : m & (~(uint64_t)0 << d);
        } else {
            run->work += FASTMMAP_PAIR_CAND_COST + (ptrdiff_t)eq;
            if (run->work > (p - origin) + allow) {
                st->resume = p + 1;
                return FASTMMAP_PAIR_BUDGET;
            }
            m &= m - 1;
        }
    }
    return 0;
}

/* Reverse: highest candidate first; a match ends the search. */
static inline int fastmmap_pair_take_rev(fastmmap_pair *st, fastmmap_run *run,
                                         const unsigned char *y,
                                         ptrdiff_t base, uint64_t m)
{
    const unsigned char *const x = st->x;
    const size_t k = st->k;
    const ptrdiff_t origin = st->origin, allow = st->allow;
    if (run->exact) {
        st->resume = base + (ptrdiff_t)fastmmap_top64(m);
        return FASTMMAP_PAIR_FULL;
    }
    while (m) {
        const unsigned b = fastmmap_top64(m);
        const ptrdiff_t p = base + (ptrdiff_t)b;
        const size_t eq = fastmmap_pair_verify(y + p, x, k);
        if (eq == k) {
            st->resume = p;
            return FASTMMAP_PAIR_FULL;
        }
        run->work += FASTMMAP_PAIR_CAND_COST + (ptrdiff_t)eq;
        if (run->work > (origin - p) + allow) {
            st->resume = p - 1;
            return FASTMMAP_PAIR_BUDGET;
        }
        m &= ~((uint64_t)1 << b);
    }
    return 0;
}

/* Candidate masks for the block of candidates starting at j (yN = y + iN;
 * wN / vN the broadcast bytes). */
#define FASTMMAP_LD16(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define FASTMMAP_LD32(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define FASTMMAP_MASK16(j) ((uint64_t)(unsigned int)_mm_movemask_epi8(           \
    _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(FASTMMAP_LD16(y1 + (j)), w1),     \
                                _mm_cmpeq_epi8(FASTMMAP_LD16(y2 + (j)), w2)),    \
                  _mm_cmpeq_epi8(FASTMMAP_LD16(y3 + (j)), w3))))
#define FASTMMAP_MASK32(j) ((uint64_t)(unsigned int)_mm256_movemask_epi8(        \
    _mm256_and_si256(_mm256_and_si256(_mm256_cmpeq_epi8(FASTMMAP_LD32(y1 + (j)), v1), \
                                      _mm256_cmpeq_epi8(FASTMMAP_LD32(y2 + (j)), v2)), \
                     _mm256_cmpeq_epi8(FASTMMAP_LD32(y3 + (j)), v3))))
#define FASTMMAP_SETUP16                                                          \
    const unsigned char *y1 = y + st->i1, *y2 = y + st->i2, *y3 = y + st->i3;    \
    const __m128i w1 = _mm_set1_epi8((char)st->c1);                              \
    const __m128i w2 = _mm_set1_epi8((char)st->c2);                              \
    const __m128i w3 = _mm_set1_epi8((char)st->c3)
#define FASTMMAP_SETUP32                                                          \
    const __m256i v1 = _mm256_set1_epi8((char)st->c1);                           \
    const __m256i v2 = _mm256_set1_epi8((char)st->c2);                           \
    const __m256i v3 = _mm256_set1_epi8((char)st->c3)
/* Hand a mask to take / take_rev; leave the function on a result. */
#define FASTMMAP_TAKE(base, m) do {                                              \
        uint64_t m_ = (m);                                                        \
        if (m_ && (r = fastmmap_pair_take(st, run, y, (base), m_)) != 0)          \
            return r;                                                             \
    } while (0)
#define FASTMMAP_TAKE_REV(base, m) do {                                          \
        uint64_t m_ = (m);                                                        \
        if (m_ && (r = fastmmap_pair_take_rev(st, run, y, (base), m_)) != 0)      \
            return r;                                                             \
    } while (0)
/* After a chunk or block: the next one starts past any match. */
#define FASTMMAP_ADVANCE(j, w) do {                                              \
        (j) += (w);                                                               \
        if ((j) < run->lo)                                                        \
            (j) = run->lo;                                                        \
    } while (0)

/* Byte-by-byte mask for fewer than 64 candidates [j, end). */
static inline uint64_t fastmmap_pair_scalar_mask(const fastmmap_pair *st,
                                                 const unsigned char *y,
                                                 ptrdiff_t j, ptrdiff_t end)
{
    const unsigned char *y1 = y + st->i1, *y2 = y + st->i2, *y3 = y + st->i3;
    uint64_t m = 0;
    ptrdiff_t b;
    for (b = 0; j + b < end; b++)
        m |= (uint64_t)((y1[j + b] == st->c1) & (y2[j + b] == st->c2)
                        & (y3[j + b] == st->c3)) << b;
    return m;
}

/* Forward candidates [j, end), j >= run->lo, with 16-byte blocks. */
static inline int fastmmap_pair_tail16(fastmmap_pair *st, fastmmap_run *run,
                                       const unsigned char *y, ptrdiff_t j,
                                       ptrdiff_t end)
{
    FASTMMAP_SETUP16;
    int r;
    while (j + 16 <= end) {
        FASTMMAP_TAKE(j, FASTMMAP_MASK16(j));
        FASTMMAP_ADVANCE(j, 16);
    }
    if (j < end) {
        if (end >= 16) {
            /* Flush with the end; bits below j are done. */
            const ptrdiff_t s = end - 16;
            FASTMMAP_TAKE(s, FASTMMAP_MASK16(s) & (~(uint64_t)0 << (j - s)));
        } else {
            FASTMMAP_TAKE(j, fastmmap_pair_scalar_mask(st, y, j, end));
        }
    }
    return FASTMMAP_PAIR_DONE;
}

/* Reverse candidates [0, top] with 16-byte blocks; hi0 >= top is the scan's
 * first candidate (a block flush with 0 may cover up to it). */
static inline int fastmmap_pair_rtail16(fastmmap_pair *st, fastmmap_run *run,
                                        const unsigned char *y, ptrdiff_t top,
                                        ptrdiff_t hi0)
{
    FASTMMAP_SETUP16;
    int r;
    while (top >= 15) {
        FASTMMAP_TAKE_REV(top - 15, FASTMMAP_MASK16(top - 15));
        top -= 16;
    }
    if (top >= 0) {
        if (hi0 >= 15)
            FASTMMAP_TAKE_REV(0, FASTMMAP_MASK16(0) & (((uint64_t)2 << top) - 1));
        else
            FASTMMAP_TAKE_REV(0, fastmmap_pair_scalar_mask(st, y, 0, top + 1));
    }
    return FASTMMAP_PAIR_DONE;
}

static int fastmmap_pair_fwd_sse2(fastmmap_pair *st, fastmmap_run *run,
                                  const unsigned char *y, ptrdiff_t end)
{
    FASTMMAP_SETUP16;
    ptrdiff_t j = run->lo;
    int r;
    while (j + 64 <= end) {
        fastmmap_prefetch(y1 + j, FASTMMAP_PAIR_PREFETCH);
        FASTMMAP_TAKE(j, FASTMMAP_MASK16(j) | (FASTMMAP_MASK16(j + 16) << 16)
                         | (FASTMMAP_MASK16(j + 32) << 32)
                         | (FASTMMAP_MASK16(j + 48) << 48));
        FASTMMAP_ADVANCE(j, 64);
    }
    return fastmmap_pair_tail16(st, run, y, j, end);
}

FASTMMAP_AVX2
static int fastmmap_pair_fwd_avx2(fastmmap_pair *st, fastmmap_run *run,
                                  const unsigned char *y, ptrdiff_t end)
{
    const unsigned char *y1 = y + st->i1, *y2 = y + st->i2, *y3 = y + st->i3;
    FASTMMAP_SETUP32;
    ptrdiff_t j = run->lo;
    int r;
    while (j + 64 <= end) {
        fastmmap_prefetch(y1 + j, FASTMMAP_PAIR_PREFETCH);
        FASTMMAP_TAKE(j, FASTMMAP_MASK32(j) | (FASTMMAP_MASK32(j + 32) << 32));
        FASTMMAP_ADVANCE(j, 64);
    }
    if (j + 32 <= end) {
        FASTMMAP_TAKE(j, FASTMMAP_MASK32(j));
        FASTMMAP_ADVANCE(j, 32);
    }
    if (j < end && end >= 32) {
        const ptrdiff_t s = end - 32;
        FASTMMAP_TAKE(s, FASTMMAP_MASK32(s) & (~(uint64_t)0 << (j - s)));
        return FASTMMAP_PAIR_DONE;
    }
    return fastmmap_pair_tail16(st, run, y, j, end);
}

static int fastmmap_pair_rev_sse2(fastmmap_pair *st, fastmmap_run *run,
                                  const unsigned char *y, ptrdiff_t hi)
{
    FASTMMAP_SETUP16;
    ptrdiff_t top = hi;
    int r;
    while (top >= 63) {
        const ptrdiff_t s = top - 63;
        fastmmap_prefetch(y1 + s, -FASTMMAP_PAIR_PREFETCH);
        FASTMMAP_TAKE_REV(s, FASTMMAP_MASK16(s) | (FASTMMAP_MASK16(s + 16) << 16)
                             | (FASTMMAP_MASK16(s + 32) << 32)
                             | (FASTMMAP_MASK16(s + 48) << 48));
        top -= 64;
    }
    return fastmmap_pair_rtail16(st, run, y, top, hi);
}

FASTMMAP_AVX2
static int fastmmap_pair_rev_avx2(fastmmap_pair *st, fastmmap_run *run,
                                  const unsigned char *y, ptrdiff_t hi)
{
    const unsigned char *y1 = y + st->i1, *y2 = y + st->i2, *y3 = y + st->i3;
    FASTMMAP_SETUP32;
    ptrdiff_t top = hi;
    int r;
    while (top >= 63) {
        const ptrdiff_t s = top - 63;
        fastmmap_prefetch(y1 + s, -FASTMMAP_PAIR_PREFETCH);
        FASTMMAP_TAKE_REV(s, FASTMMAP_MASK32(s) | (FASTMMAP_MASK32(s + 32) << 32));
        top -= 64;
    }
    if (top >= 31) {
        FASTMMAP_TAKE_REV(top - 31, FASTMMAP_MASK32(top - 31));
        top -= 32;
    }
    if (top >= 0 && hi >= 31) {
        /* Flush with 0; bits above top are done. */
        FASTMMAP_TAKE_REV(0, FASTMMAP_MASK32(0) & (((uint64_t)2 << top) - 1));
        return FASTMMAP_PAIR_DONE;
    }
    return fastmmap_pair_rtail16(st, run, y, top, hi);
}

/* Forward scan of candidates [pos, n - k] (requires k <= n, pos >= 0):
 * records non-overlapping matches until `cap` of them are found (FULL), the
 * range ends (DONE) or the budget runs out (BUDGET). */
static int fastmmap_pair_forward(fastmmap_pair *st, const unsigned char *y,
                                 size_t n, ptrdiff_t pos)
{
    const ptrdiff_t end = (ptrdiff_t)(n - st->k) + 1;
    fastmmap_run run;
    int r;
    if (pos >= end)
        return FASTMMAP_PAIR_DONE;
    run.lo = pos;
    run.work = st->work;
    run.found = st->found;
    run.exact = fastmmap_pair_exact(st);
    r = st->isa >= 2 ? fastmmap_pair_fwd_avx2(st, &run, y, end)
                     : fastmmap_pair_fwd_sse2(st, &run, y, end);
    st->work = run.work;
    st->found = run.found;
    return r;
}

/* Reverse scan of candidates [0, hi] (requires hi <= n - k): FULL with the
 * last match in st->resume, DONE, or BUDGET. */
static int fastmmap_pair_reverse(fastmmap_pair *st, const unsigned char *y,
                                 ptrdiff_t hi)
{
    fastmmap_run run;
    int r;
    if (hi < 0)
        return FASTMMAP_PAIR_DONE;
    run.lo = 0;
    run.work = st->work;
    run.found = 0;
    run.exact = fastmmap_pair_exact(st);
    r = st->isa >= 2 ? fastmmap_pair_rev_avx2(st, &run, y, hi)
                     : fastmmap_pair_rev_sse2(st, &run, y, hi);
    st->work = run.work;
    return r;
}

/* ---- Every offset of one byte value (find_all with k == 1) ----
 * Compare a block, take its mask, write the set bits' offsets.  Stops after
 * `cap` offsets (*resume = one past the last) or at the end (*resume = n).
 * Slots of out past the returned count may be overwritten with junk. */

/* Write the offsets for mask m at base; returns nonzero when out is full. */
static inline int fastmmap_emit(ptrdiff_t base, uint64_t m, ptrdiff_t *out,
                                size_t cap, size_t *w, size_t *resume)
{
    size_t i = *w;
    if (cap - i > 64) {
        /* Room for the whole mask and the junk slots. */
        *w = i + fastmmap_flatten(out + i, base, m);
        return 0;
    }
    do {
        const ptrdiff_t p = base + (ptrdiff_t)fastmmap_tz64(m);
        out[i++] = p;
        if (i == cap) {
            *w = i;
            *resume = (size_t)p + 1;
            return 1;
        }
        m &= m - 1;
    } while (m);
    *w = i;
    return 0;
}

#define FASTMMAP_BYTE16(j) ((uint64_t)(unsigned int)_mm_movemask_epi8(          \
    _mm_cmpeq_epi8(FASTMMAP_LD16(y + (j)), w1)))
#define FASTMMAP_BYTE32(j) ((uint64_t)(unsigned int)_mm256_movemask_epi8(       \
    _mm256_cmpeq_epi8(FASTMMAP_LD32(y + (j)), v1)))
#define FASTMMAP_EMIT(base, m) do {                                              \
        uint64_t m_ = (m);                                                        \
        if (m_ && fastmmap_emit((ptrdiff_t)(base), m_, out, cap, &w, resume))     \
            return w;                                                             \
    } while (0)

/* Offsets [j, n) with 16-byte blocks, then a flush or byte-wise tail. */
static inline size_t fastmmap_byte_tail16(const unsigned char *y, size_t n,
                                          size_t j, unsigned char c,
                                          ptrdiff_t *out, size_t cap,
                                          size_t w, size_t *resume)
{
    const __m128i w1 = _mm_set1_epi8((char)c);
    while (j + 16 <= n) {
        FASTMMAP_EMIT(j, FASTMMAP_BYTE16(j));
        j += 16;
    }
    if (j < n) {
        if (n >= 16) {
            FASTMMAP_EMIT(n - 16, FASTMMAP_BYTE16(n - 16)
                                  & (~(uint64_t)0 << (j - (n - 16))));
        } else {
            for (; j < n; j++) {
                if (y[j] == c) {
                    out[w++] = (ptrdiff_t)j;
                    if (w == cap) {
                        *resume = j + 1;
                        return w;
                    }
                }
            }
        }
    }
    *resume = n;
    return w;
}

/* Bytes ahead of the bulk loop to prefetch, in steps with matches only:
 * writing offsets keeps the core busy, and with the hardware prefetcher
 * alone the loads of a step wait for memory (newlines in text from RAM ran
 * at 70% of the speed for an absent byte, 90% with the hint); steps
 * without matches keep up unaided. */
#define FASTMMAP_BYTE_PREFETCH 2048

/* Write the offsets of the masks m[0..3] (64 bytes each, from base) whose
 * counts are c[0..3], `group` slots at a time (a constant: each group size
 * gets its own straight-line code). */
FASTMMAP_INLINE void fastmmap_byte_flat4(ptrdiff_t *out, ptrdiff_t base,
                                         const uint64_t *m, const size_t *c,
                                         int group)
{
    fastmmap_flatten_by(out, base, m[0], c[0], group);
    out += c[0];
    fastmmap_flatten_by(out, base + 64, m[1], c[1], group);
    out += c[1];
    fastmmap_flatten_by(out, base + 128, m[2], c[2], group);
    out += c[2];
    fastmmap_flatten_by(out, base + 192, m[3], c[3], group);
}

/* One 256-byte step of the bulk loop at j: writes the offsets of m[0..3]
 * to out, with one branch per step plus one per mask holding more than a
 * group, instead of one per match (matches every few dozen bytes, such as
 * newlines in text, would mispredict most of them).  Returns the slot after
 * the last offset, or NULL, writing nothing, when the slots up to end
 * cannot take them and the junk slots. */
FASTMMAP_INLINE ptrdiff_t *fastmmap_byte_step(ptrdiff_t *out,
                                              const ptrdiff_t *end, size_t j,
                                              const uint64_t *m,
                                              const size_t *c)
{
    const size_t t = c[0] + c[1] + c[2] + c[3];
    /* SAFETY: each mask's flatten writes below its first slot + its count
     * + group (group <= 8), so the step writes only out[0, t + 8), and
     * t + 8 <= end - out. */
    if ((size_t)(end - out) < t + 8)
        return NULL;
    /* Groups sized to the usual count per mask: every junk slot costs as
     * much as a real one (tzcnt, add, store), and every mask that
     * overflows its group costs a mispredicted loop exit.  Two suit text's
     * newlines (one per 40 to 80 bytes); eight suit over three per mask
     * (b"e" in text, one per 12 bytes, overflows eight in 1 mask of 10). */
    if (t > 12)
        fastmmap_byte_flat4(out, (ptrdiff_t)j, m, c, 8);
    else
        fastmmap_byte_flat4(out, (ptrdiff_t)j, m, c, 2);
    return out + t;
}

/* The copying variant (dst != NULL) of the bulk loops below: the steps
 * store the vectors they load, then this copies the rest, y[j, n), as it
 * is and returns the copy, which the tail then searches, so the offsets
 * always describe dst.
 * SAFETY: dst has room for n bytes and does not overlap y. */
static inline const unsigned char *fastmmap_copy_rest(unsigned char *dst,
                                                      const unsigned char *y,
                                                      size_t n, size_t j)
{
    if (dst == NULL)
        return y;
    memcpy(dst + j, y + j, n - j);
    return dst;
}

/* The bulk loops below: 256-byte steps while a whole step fits in y and
 * its offsets in out, then 64-byte blocks and the tail, which go offset by
 * offset once out is nearly full.
 * SAFETY: a step reads y[j, j + 256) with j + 256 <= n, and when copying
 * writes dst[j, j + 256), inside dst's n bytes; the prefetch address may
 * lie past y + n (a prefetch never faults). */

static size_t fastmmap_byte_all_sse2(unsigned char *dst,
                                     const unsigned char *y, size_t n,
                                     unsigned char c, ptrdiff_t *out,
                                     size_t cap, size_t *resume)
{
    const __m128i w1 = _mm_set1_epi8((char)c), z = _mm_setzero_si128();
    ptrdiff_t *o = out, *next;
    size_t j = 0, w;
    int q;
    for (; j + 256 <= n; j += 256) {
        __m128i e[16], any, sad[4], c01, c23;
        uint64_t m[4];
        size_t cn[4];
        for (q = 0; q < 16; q++) {
            const __m128i v = FASTMMAP_LD16(y + j + 16 * q);
            if (dst != NULL)
                _mm_storeu_si128((__m128i *)(void *)(dst + j + 16 * q), v);
            e[q] = _mm_cmpeq_epi8(v, w1);
        }
        any = e[0];
        for (q = 1; q < 16; q++)
            any = _mm_or_si128(any, e[q]);
        if (!_mm_movemask_epi8(any))
            continue;
        for (q = 0; q < 4; q++) {
            m[q] = (uint64_t)(unsigned int)_mm_movemask_epi8(e[4 * q])
                   | (uint64_t)(unsigned int)_mm_movemask_epi8(e[4 * q + 1]) << 16
                   | (uint64_t)(unsigned int)_mm_movemask_epi8(e[4 * q + 2]) << 32
                   | (uint64_t)(unsigned int)_mm_movemask_epi8(e[4 * q + 3]) << 48;
            /* Counts without popcnt (not in the SSE2 baseline; GCC would
             * call libgcc): compare bytes are 0 or -1, so 0 - (sum of
             * four) is 0..4 per byte, and psadbw adds up each half. */
            sad[q] = _mm_sad_epu8(_mm_sub_epi8(z, _mm_add_epi8(
                         _mm_add_epi8(e[4 * q], e[4 * q + 1]),
                         _mm_add_epi8(e[4 * q + 2], e[4 * q + 3]))), z);
            fastmmap_prefetch(y + j, FASTMMAP_BYTE_PREFETCH + 64 * q);
        }
        c01 = _mm_add_epi64(_mm_unpacklo_epi64(sad[0], sad[1]),
                            _mm_unpackhi_epi64(sad[0], sad[1]));
        c23 = _mm_add_epi64(_mm_unpacklo_epi64(sad[2], sad[3]),
                            _mm_unpackhi_epi64(sad[2], sad[3]));
        cn[0] = (size_t)_mm_cvtsi128_si64(c01);
        cn[1] = (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(c01, c01));
        cn[2] = (size_t)_mm_cvtsi128_si64(c23);
        cn[3] = (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(c23, c23));
        if ((next = fastmmap_byte_step(o, out + cap, j, m, cn)) == NULL)
            break;
        o = next;
    }
    w = (size_t)(o - out);
    y = fastmmap_copy_rest(dst, y, n, j);
    while (j + 64 <= n) {
        FASTMMAP_EMIT(j, FASTMMAP_BYTE16(j) | (FASTMMAP_BYTE16(j + 16) << 16)
                         | (FASTMMAP_BYTE16(j + 32) << 32)
                         | (FASTMMAP_BYTE16(j + 48) << 48));
        j += 64;
    }
    return fastmmap_byte_tail16(y, n, j, c, out, cap, w, resume);
}

FASTMMAP_AVX2
static size_t fastmmap_byte_all_avx2(unsigned char *dst,
                                     const unsigned char *y, size_t n,
                                     unsigned char c, ptrdiff_t *out,
                                     size_t cap, size_t *resume)
{
    const __m256i v1 = _mm256_set1_epi8((char)c);
    ptrdiff_t *o = out, *next;
    size_t j = 0, w;
    int q;
    for (; j + 256 <= n; j += 256) {
        __m256i e[8], any;
        uint64_t m[4];
        size_t cn[4];
        for (q = 0; q < 8; q++) {
            const __m256i v = FASTMMAP_LD32(y + j + 32 * q);
            if (dst != NULL)
                _mm256_storeu_si256((__m256i *)(void *)(dst + j + 32 * q), v);
            e[q] = _mm256_cmpeq_epi8(v, v1);
        }
        any = e[0];
        for (q = 1; q < 8; q++)
            any = _mm256_or_si256(any, e[q]);
        if (_mm256_testz_si256(any, any))
            continue;
        for (q = 0; q < 4; q++) {
            m[q] = (uint64_t)(unsigned int)_mm256_movemask_epi8(e[2 * q])
                   | (uint64_t)(unsigned int)_mm256_movemask_epi8(e[2 * q + 1]) << 32;
            cn[q] = (size_t)__builtin_popcountll(m[q]);
            fastmmap_prefetch(y + j, FASTMMAP_BYTE_PREFETCH + 64 * q);
        }
        if ((next = fastmmap_byte_step(o, out + cap, j, m, cn)) == NULL)
            break;
        o = next;
    }
    w = (size_t)(o - out);
    y = fastmmap_copy_rest(dst, y, n, j);
    while (j + 64 <= n) {
        FASTMMAP_EMIT(j, FASTMMAP_BYTE32(j) | (FASTMMAP_BYTE32(j + 32) << 32));
        j += 64;
    }
    if (j < n && n >= 32) {
        if (j + 32 <= n) {
            FASTMMAP_EMIT(j, FASTMMAP_BYTE32(j));
            j += 32;
        }
        if (j < n)
            FASTMMAP_EMIT(n - 32, FASTMMAP_BYTE32(n - 32)
                                  & (~(uint64_t)0 << (j - (n - 32))));
        *resume = n;
        return w;
    }
    return fastmmap_byte_tail16(y, n, j, c, out, cap, w, resume);
}

/* Offsets of byte c in y[0:n], up to cap of them (find_all's contract);
 * when dst is not NULL, also copies y[0:n] to dst in the same pass, and
 * the offsets are those of the copy.  Requires n >= 1, cap >= 1 and isa 1
 * or 2. */
static size_t fastmmap_byte_all(unsigned char *dst, const unsigned char *y,
                                size_t n, unsigned char c, ptrdiff_t *out,
                                size_t cap, size_t *resume, int isa)
{
    return isa >= 2 ? fastmmap_byte_all_avx2(dst, y, n, c, out, cap, resume)
                    : fastmmap_byte_all_sse2(dst, y, n, c, out, cap, resume);
}

#else /* !FASTMMAP_HAVE_PAIR: never called (fastmmap_isa() is 0). */

static int fastmmap_isa(void) { return 0; }

static int fastmmap_pair_forward(fastmmap_pair *st, const unsigned char *y,
                                 size_t n, ptrdiff_t pos)
{
    (void)y; (void)n;
    st->resume = pos;
    return FASTMMAP_PAIR_BUDGET;
}

static int fastmmap_pair_reverse(fastmmap_pair *st, const unsigned char *y,
                                 ptrdiff_t hi)
{
    (void)y;
    st->resume = hi;
    return FASTMMAP_PAIR_BUDGET;
}

static size_t fastmmap_byte_all(unsigned char *dst, const unsigned char *y,
                                size_t n, unsigned char c, ptrdiff_t *out,
                                size_t cap, size_t *resume, int isa)
{
    (void)dst; (void)y; (void)n; (void)c; (void)out; (void)cap; (void)isa;
    *resume = 0;
    return 0;
}

#endif /* FASTMMAP_HAVE_PAIR */

#endif /* FASTMMAP_KERNELS_H */
