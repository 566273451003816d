/*
 * Inside the search engine: the one search state, the one cost model, the
 * per-ISA operation table, and the helpers the block kernels share.
 *
 * Not installed, not seen by Cython: only the engine's own .c files and
 * the C harness include it.
 */
#ifndef FM_INTERNAL_H
#define FM_INTERNAL_H

#ifndef _GNU_SOURCE
#  define _GNU_SOURCE 1        /* memrchr on glibc */
#endif
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "search.h"

typedef unsigned char fm_u8;

/* Functions one engine file defines for another: kept out of the shared
 * library's exported symbols. */
#if defined(__GNUC__) || defined(__clang__)
#  define FM_HIDDEN __attribute__((visibility("hidden")))
#else
#  define FM_HIDDEN
#endif

#if defined(__GNUC__) || defined(__clang__)
/* GCC stops inlining the block helpers once the loops grow, and a call
 * there costs more than the step it makes. */
#  define FM_INLINE static inline __attribute__((always_inline))
#  define FM_LIKELY(x) __builtin_expect(!!(x), 1)
#  define fm_prefetch(p) __builtin_prefetch((const void *)(p))
#else
#  define FM_INLINE static inline
#  define FM_LIKELY(x) (x)
#  define fm_prefetch(p) ((void)0)
#endif

/* Prefetch at an address formed in integer arithmetic: it may lie outside
 * the buffer, which a prefetch tolerates but pointer arithmetic does not. */
#define fm_prefetch_at(p, delta) \
    fm_prefetch((const void *)((uintptr_t)(p) + (uintptr_t)(ptrdiff_t)(delta)))

/* ---- Bit scans, defined for every input ---- */

#if defined(__GNUC__) || defined(__clang__)
/* Index of the lowest set bit; junk (but defined) when m == 0: the top bit
 * forced on keeps the builtin's argument nonzero for one OR, and the
 * junk-slot writers below rely on that. */
FM_INLINE unsigned fm_tz64(uint64_t m)
{
    return (unsigned)__builtin_ctzll(m | ((uint64_t)1 << 63));
}
/* Index of the highest set bit; m != 0. */
FM_INLINE unsigned fm_top64(uint64_t m)
{
    return 63u - (unsigned)__builtin_clzll(m);
}
#else
FM_INLINE unsigned fm_tz64(uint64_t m)
{
    unsigned i = 0;
    m |= (uint64_t)1 << 63;
    while (!(m & 1)) { m >>= 1; i++; }
    return i;
}
FM_INLINE unsigned fm_top64(uint64_t m)
{
    unsigned i = 63;
    while (!(m >> i)) i--;
    return i;
}
#endif

/* Index of the first differing byte of two words loaded from memory,
 * given their XOR (nonzero). */
FM_INLINE size_t fm_first_diff(uint64_t d)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)(63u - fm_top64(d)) >> 3;
#else
    return (size_t)fm_tz64(d) >> 3;
#endif
}

/* Population count without needing the POPCNT instruction (the x86-64
 * baseline lacks it, and the builtin would then call into libgcc). */
FM_INLINE unsigned fm_popcount_swar(uint64_t m)
{
    m = m - ((m >> 1) & 0x5555555555555555ull);
    m = (m & 0x3333333333333333ull) + ((m >> 2) & 0x3333333333333333ull);
    m = (m + (m >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (unsigned)((m * 0x0101010101010101ull) >> 56);
}

/* memrchr is a GNU extension (macOS lacks it).  Where libc has one, the
 * reverse byte scan is libc's (it reads a little faster than the block
 * kernel of kernels.h: bench/RESULTS.rst, "The block byte scan"); on other
 * libcs every ISA's reverse byte scan is the block kernel, the engine's
 * only memrchr.  FM_VECTOR_MEMRCHR=1 makes the block kernel serve
 * everywhere (the C harness's check-vector-memrchr build tests it so). */
#if (defined(__GLIBC__) || defined(__linux__) || defined(__FreeBSD__)) \
    && !defined(FM_VECTOR_MEMRCHR)
#  define FM_LIBC_MEMRCHR 1
#else
#  define FM_LIBC_MEMRCHR 0
#endif

/* ---- Results of the packed-pair scans ---- */
#define FM_PAIR_DONE 0    /* range exhausted */
#define FM_PAIR_FULL 1    /* forward: `cap` matches; reverse: a match */
#define FM_PAIR_BUDGET 2  /* stopped: the fallback takes over */

/* ---- The cost model ----
 *
 * Work is charged in "bytes scanned" units against the distance a scan has
 * covered.  A failed candidate costs FM_COST_VERIFY plus the bytes its
 * verification found equal (a mismatch late in a long needle is paid in
 * full); the memchr prefilter pays FM_COST_RESTART more per candidate,
 * because each one ends a byte-scan call, its vector set-up and the
 * memory stream the hardware had started to prefetch.  True matches are
 * free: non-overlapping scans resume past them.
 *
 * Before the scan, the anchors come from the counts of the needle's bytes
 * in the first bytes the scan reads (a sample, where the haystack is long
 * enough to pay for counting it; the static ranks otherwise): digits,
 * quotes and capitals are rare in prose and everywhere in logs.  The
 * memchr prefilter leads only with an anchor the sample lacks: with the
 * packed pair reading at about the byte scan's speed, the byte scan gains
 * only while restarts stay rarer than one per few kilobytes.
 *
 * When the charge exceeds the distance plus a warm-up allowance, the
 * prefilter has stopped paying.  The memchr prefilter hands over to the
 * packed pair (or, without one, chooses its anchor again once) as soon as
 * its charge reaches 1 / FM_MEMCHR_SLACK of the distance, since the pair
 * reads as fast; the packed pair chooses its probes again (fm_repick) when
 * its charge reaches 1 / FM_PAIR_SLACK of the distance (at most
 * FM_MAX_REPICK times within FM_BUDGET_SPAN), and hands over to the linear
 * fallback, many times slower, only when its charge reaches the distance
 * itself.  Accounts
 * start afresh every FM_BUDGET_SPAN bytes, so a dense stretch after a
 * quiet one is seen.  Each account does at most its distance plus the
 * allowance in extra work: total work is a constant times the haystack,
 * plus the fallback's linear cost. */
#define FM_COST_VERIFY 96
#define FM_COST_RESTART 128
#define FM_MEMCHR_SLACK 16
#define FM_PAIR_SLACK 8
#define FM_MAX_REPICK 3
/* The distance an account covers before it starts afresh. */
#define FM_BUDGET_SPAN (256 * 1024)
/* A mismatch is charged at most this many bytes beyond the part proven
 * equal (the memchr prefilter confirms block by block). */
#define FM_VERIFY_BLOCK 32
/* Allowance before the budget applies, so that the fallback's O(k) set-up
 * is not paid on short, uneventful haystacks. */
#define FM_WARMUP_BASE 2048
#define FM_WARMUP_PER_BYTE 16
/* The sample: haystacks from FM_SAMPLE_FROM bytes on, their first
 * 1 / FM_SAMPLE_SHARE, at most FM_SAMPLE_MAX bytes (counting a byte costs
 * about what scanning FM_SAMPLE_SHARE / 4 bytes does, so the sample stays
 * a small part of the search). */
#define FM_SAMPLE_FROM 65536
/* From here on, the packed pair's first probes are also judged on the
 * sample against probes spread over the needle (fm_spread_probes). */
#define FM_SPREAD_FROM (1024 * 1024)
#define FM_SAMPLE_SHARE 64
#define FM_SAMPLE_MAX 4096
/* The skip search (skip.c) leads for needles from FM_SKIP_MIN bytes in
 * haystacks of FM_SKIP_FROM needle lengths or more (its table costs about
 * a needle's worth of work). */
#define FM_SKIP_MIN 256
#define FM_SKIP_FROM 64
/* Needles up to this length fall back to a word compare per window. */
#define FM_SHORT_NEEDLE 8
/* Without a sample: anchor bytes at most this rare (fm_byte_rank: control
 * bytes, most symbols, digits, non-ASCII) start with the memchr prefilter
 * even where the packed pair runs, and a dense one hands over. */
#define FM_MEMCHR_RANK 100
/* Prefetch distances (bytes ahead of the scan).  The 1-byte find_all
 * prefetches in steps with matches only: writing offsets keeps the core
 * busy enough that its loads then wait for memory.  The packed pair and
 * the block byte scans prefetch far ahead on every step: their loops
 * leave the memory system idle between steps otherwise, and the hardware
 * prefetcher alone does not keep far enough ahead of them. */
#define FM_BYTE_PREFETCH 2048
#define FM_SCAN_PREFETCH 8192
#define FM_TWOWAY_PREFETCH 1024

/* ---- Two-way matcher state ---- */
typedef struct {
    /* The needle (read forwards or backwards) splits at a critical position
     * into x[0:ell+1] and x[ell+1:k]. */
    ptrdiff_t ell;
    /* Shift after a full right-part match: the period when the needle is
     * periodic (then with memory), else a safe lower bound of it. */
    ptrdiff_t per;
    int periodic;
    /* Shift keyed by the byte at the window's far edge (0: compare). */
    ptrdiff_t skip[256];
} fm_twoway;

/* ---- Skip search (skip.c) ---- */
/* Gram length; table bits (slots); most offsets indexed, so the largest
 * checkpoint stride S; the smallest stride worth a second gram per
 * candidate (shorter needles verify each gram hit); how far ahead to
 * prefetch, in bytes and at least in checkpoints. */
#define FM_SKIP_Q 32
#define FM_SKIP_BITS 12
#define FM_SKIP_SPAN 2048
#define FM_SKIP_MIN_STRIDE 256
#define FM_SKIP_AHEAD 32768
#define FM_SKIP_AHEAD_STEPS 16
/* What a skip step costs (a gram load and its chain), and a verification
 * (a memory round trip to lines the scan skipped), in bytes of a full
 * scan: the skip search gives way to the linear paths once its charge
 * exceeds the distance it covered. */
#define FM_COST_SKIP_STEP 192
#define FM_COST_SKIP_VERIFY 2048
typedef struct {
    ptrdiff_t stride;
    int two;                   /* candidates check the next gram too */
    /* 1 + the needle offset of a chain's first gram, 0 for none; next[i]
     * the same for the gram after offset i's in its chain. */
    uint16_t head[1 << FM_SKIP_BITS];
    uint16_t next[FM_SKIP_SPAN];
} fm_skip;

/* ---- The search state: one per search call ---- */
typedef struct fm_finder {
    const fm_config *cfg;
    const fm_ops *ops;
    const fm_u8 *x;            /* needle, k >= 2 bytes */
    ptrdiff_t k;
    ptrdiff_t i1, i2, i3;      /* anchor, second check, pair's third */
    fm_u8 c1, c2, c3;          /* x[i1], x[i2], x[i3] */
    /* Budget: work charged since `origin` (where the scan began; the end
     * for a reverse one), against the distance plus `allow`. */
    ptrdiff_t origin, work, allow;
    /* The running prefilter's charge counts f->slack times: how much
     * cheaper the next stage would be (FM_MEMCHR_SLACK, FM_PAIR_SLACK, or
     * 1 before the fallback). */
    ptrdiff_t slack;
    int sampled;               /* anchors chosen from a haystack sample */
    uint32_t anchor_seen;      /* ... which held the anchor this often */
    int reanchored;            /* memchr anchor chosen again once */
    int repicks;               /* choices since the first (fm_repick) */
    ptrdiff_t repick_at;       /* where the last of them was made */
    /* Needle offset where the packed pair's last failed candidate
     * differed, -1 if none. */
    ptrdiff_t miss;
    int fallback;              /* prefilters abandoned for good */
    int pair;                  /* the packed pair may run */
    int memchr_first;          /* memchr prefilter before the packed pair */
    int switched;              /* ... which handed over to it at `stop` */
    ptrdiff_t stop;
    int paired;                /* the packed-pair scan ran */
    int use_short;             /* the word compare allowed (configuration) */
    int tw_ready;
    /* Output of the forward pair scans: offsets to out[found..cap) (out may
     * be NULL to count only).  `resume`: where a scan stopped (FULL
     * forward: past the last match; FULL reverse: the match; BUDGET: the
     * first candidate not examined, in scan order). */
    ptrdiff_t *out;
    size_t cap, found;
    ptrdiff_t resume;
    fm_twoway tw;
} fm_finder;

/* Per-ISA kernels: the generic algorithms of kernels.h instantiated over
 * one vector layer (vec_*.h).  Chosen once (fm_init), never per call. */
struct fm_ops {
    /* Whether the packed pair and the block 1-byte find_all run at vector
     * speed here; the scalar table says no, and the default policy then
     * keeps to libc's memchr. */
    int vector;
    /* Forward pair scan of candidates [pos, n - k]: FULL, DONE or BUDGET. */
    int (*pair_forward)(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                        ptrdiff_t pos);
    /* Reverse pair scan of candidates [0, hi]: FULL (the match in
     * f->resume), DONE or BUDGET. */
    int (*pair_reverse)(fm_finder *f, const fm_u8 *y, ptrdiff_t hi);
    /* Offsets of byte c in y[0:n] to out[0:cap] (n, cap >= 1), copying y
     * to dst in the same pass when dst is not NULL. */
    size_t (*byte_all)(fm_u8 *dst, const fm_u8 *y, size_t n, fm_u8 c,
                       ptrdiff_t *out, size_t cap, size_t *resume);
    size_t (*count_byte)(const fm_u8 *y, size_t n, fm_u8 c);
    /* The first / the last offset of byte c in y[0:n], or -1: memchr and
     * memrchr, as the block kernel where it beats libc's or libc has none,
     * else through libc (FM_ISA_BYTE_SCAN in isa_*.c, FM_LIBC_MEMRCHR
     * above). */
    ptrdiff_t (*byte_find)(const fm_u8 *y, size_t n, fm_u8 c);
    ptrdiff_t (*byte_rfind)(const fm_u8 *y, size_t n, fm_u8 c);
};

/* ---- The instruction sets ----
 *
 * Every instruction set the engine knows, worst first (the default is the
 * last one this build has and this CPU runs), one entry each: its name is
 * what fm_init and fm_config_named take, and isa_<name>.c defines its
 * descriptor fm_isa_<name> with FM_ISA_DEFINE, whether or not this build
 * compiles its kernels.  dispatch.c builds its table, its lookup and its
 * list of names from this line alone. */
#define FM_ISAS(X) X(scalar) X(sse2) X(avx2) X(neon)

typedef struct {
    const char *name;
    /* The kernels, NULL when this build does not compile them (another
     * architecture, or FM_PORTABLE): a known name, but unavailable. */
    const fm_ops *ops;
    /* Whether this CPU runs them; NULL when every CPU that has the
     * architecture does (a baseline). */
    int (*runs)(void);
} fm_isa;

#define FM_ISA_DEFINE(isa, table, check) \
    FM_HIDDEN const fm_isa fm_isa_##isa = {#isa, (table), (check)}
#define FM_ISA_DECLARE(isa) FM_HIDDEN extern const fm_isa fm_isa_##isa;
FM_ISAS(FM_ISA_DECLARE)
#undef FM_ISA_DECLARE

/* The portable kernels: every build has them, and fm_default starts on
 * them before fm_init. */
FM_HIDDEN extern const fm_ops fm_ops_scalar;

/* ---- Between the engine's files ---- */

/* analysis.c: the static byte ranks (0 = rarest; exported only to test
 * builds, through search.h), and the anchors of f->x (i1 i2 i3, c1 c2 c3,
 * sampled, anchor_seen) from the counts of its bytes in sample[0:len], or
 * from the ranks alone when sample is NULL. */
#ifndef FM_TESTING
FM_HIDDEN extern const unsigned char fm_byte_rank[256];
#endif
FM_HIDDEN void fm_pick_anchors(fm_finder *f, const fm_u8 *sample, size_t len);
/* The packed pair's probes chosen again, where its candidates ran high,
 * from w[0:len], bytes it just read: of the current probes, the same with
 * f->miss (the needle offset where its last candidate failed) in place of
 * one of them, and the choice of a sample of w (alone and with f->miss),
 * the probes that would have passed the fewest positions of w.  Nonzero
 * when that changed them. */
FM_HIDDEN int fm_repick_probes(fm_finder *f, const fm_u8 *w, size_t len);
/* Before a long scan: the packed pair's probes as chosen, or spread over
 * the needle, whichever would have passed the fewest positions of the
 * sample w[0:len] (needles of 4 bytes or more). */
FM_HIDDEN void fm_spread_probes(fm_finder *f, const fm_u8 *w, size_t len);

/* fallback.c: the word compare for needles of 2..FM_SHORT_NEEDLE bytes
 * (windows y[j, j + k) with j in [lo, hi], hi <= n - k; the count from lo
 * to the end) and two-way. */
FM_HIDDEN ptrdiff_t fm_short_find(const fm_u8 *y, size_t n, const fm_u8 *x,
                                  size_t k, ptrdiff_t lo, ptrdiff_t hi);
FM_HIDDEN size_t fm_short_count(const fm_u8 *y, size_t n, const fm_u8 *x,
                                size_t k, ptrdiff_t lo);
FM_HIDDEN ptrdiff_t fm_short_rfind(const fm_u8 *y, size_t n, const fm_u8 *x,
                                   size_t k, ptrdiff_t lo, ptrdiff_t hi);
/* skip.c: the skip search over y[0:n] for x (k >= 2 * FM_SKIP_Q), forwards
 * from 0 or backwards from n - k: the first (last) match, or -1 with
 * *resume the first candidate it did not rule out in its direction
 * (n - k + 1, or -1, when it covered them all). */
FM_HIDDEN ptrdiff_t fm_skip_find(const fm_u8 *y, ptrdiff_t n, const fm_u8 *x,
                                 ptrdiff_t k, ptrdiff_t *resume);
FM_HIDDEN ptrdiff_t fm_skip_rfind(const fm_u8 *y, ptrdiff_t n, const fm_u8 *x,
                                  ptrdiff_t k, ptrdiff_t *resume);

/* Two-way tables for x read forwards (rev 0) or backwards (rev 1); the
 * first match starting in [j, n - k] (with nmatch: every non-overlapping
 * one counted into *nmatch, and -1), the last starting in [0, s]. */
FM_HIDDEN void fm_tw_init(fm_twoway *tw, const fm_u8 *x, ptrdiff_t k, int rev);
FM_HIDDEN ptrdiff_t fm_tw_forward(const fm_twoway *tw, const fm_u8 *y,
                                  ptrdiff_t n, const fm_u8 *x, ptrdiff_t k,
                                  ptrdiff_t j, ptrdiff_t *nmatch);
FM_HIDDEN ptrdiff_t fm_tw_reverse(const fm_twoway *tw, const fm_u8 *y,
                                  const fm_u8 *x, ptrdiff_t k, ptrdiff_t s);

/* Whether x's bytes compared by the pair cover it and no two matches can
 * overlap: then every candidate is a match (k 2 or 3, no period < k). */
static inline int fm_pair_exact(const fm_finder *f)
{
    const fm_u8 *x = f->x;
    if (f->k == 2)
        return x[0] != x[1];
    return f->k == 3 && x[0] != x[2] && f->i1 != f->i3 && f->i2 != f->i3;
}

#endif /* FM_INTERNAL_H */
