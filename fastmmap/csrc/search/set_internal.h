/*
 * Inside the set search (any of several needles, optionally ignoring ASCII
 * case): what the per-ISA candidate kernels (set_kernels.h) test, their
 * table, and the automaton interface (set_ac.c) the drivers (set.c) fall
 * back on.
 *
 * Not installed, not seen by Cython: only the engine's own .c files and
 * the C harness include it.
 */
#ifndef FM_SET_INTERNAL_H
#define FM_SET_INTERNAL_H

#include "internal.h"

/* Functions one engine file defines for another stay out of the shared
 * library's exported symbols (internal.h may define it already). */
#ifndef FM_HIDDEN
#  if defined(__GNUC__) || defined(__clang__)
#    define FM_HIDDEN __attribute__((visibility("hidden")))
#  else
#    define FM_HIDDEN
#  endif
#endif

/* A block of candidates: base + b for every set bit b of mask. */
typedef struct {
    ptrdiff_t base;
    uint64_t mask;
} fm_cand;

/* What a candidate test compares. */
enum {
    /* One needle: three offsets, each compared after an OR (0x20 on a
     * letter ignores its case exactly: only 'A' and 'a' OR to 'a'). */
    FM_SCAN_PAIR = 0,
    /* Several: Teddy-style bucket masks on 1 to 4 consecutive bytes. */
    FM_SCAN_TEDDY1,
    FM_SCAN_TEDDY2,
    FM_SCAN_TEDDY3,
    FM_SCAN_TEDDY4
};

/* Added to a Teddy kind when no needle byte it compares is >= 0x80: the
 * layer may then skip masking (fm_vlut_apply7). */
#define FM_SCAN_ASCII 4
/* The bytes a Teddy kind compares. */
#define FM_SCAN_WIDTH(kind) ((kind) > FM_SCAN_ASCII ? (kind) - FM_SCAN_ASCII : (kind))

#define FM_TEDDY_BUCKETS 8
/* Needle bytes a scan compares: the main test's (three for the pair, the
 * kind's number for Teddy) and up to three more, compared only in the
 * steps where the main test found candidates. */
#define FM_SCAN_MAX 6

typedef struct {
    int kind;
    /* Candidate j reads y[j, j + span) only; span <= every needle length. */
    ptrdiff_t span;
    /* Teddy: the bytes of the main test (the kind's width); then the
     * extra bytes the driver compares before verifying (0 to 3). */
    int width, nx;
    /* Pair: j is a candidate when (y[j + off[i]] | orm[i]) == val[i] for
     * i < 3 + nx. */
    ptrdiff_t off[FM_SCAN_MAX];
    fm_u8 orm[FM_SCAN_MAX], val[FM_SCAN_MAX];
    /* Teddy: byte y[j + at + w] (w < width + nx) maps to the buckets whose
     * needles may hold it at that place, lo[w][b & 15] & hi[w][b >> 4]
     * (full[w][b] holds the same, for layers without a byte shuffle); j is
     * a candidate when the AND over w leaves a bucket. */
    ptrdiff_t at;
    fm_u8 lo[FM_SCAN_MAX][16], hi[FM_SCAN_MAX][16];
    fm_u8 full[FM_SCAN_MAX][256];
} fm_scan;

/* Per-ISA candidate kernels: set_kernels.h instantiated over a vec_*.h.
 * Each writes nonzero candidate blocks to out[0:max] (max >= 2) and returns
 * how many; *next is where a next call continues. */
typedef struct {
    /* Candidates in [lo, end), ascending; *next == end when exhausted. */
    size_t (*fwd)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t lo,
                  ptrdiff_t end, fm_cand *out, size_t max, ptrdiff_t *next);
    /* Candidates in [0, hi], descending; *next == -1 when exhausted. */
    size_t (*rev)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t hi,
                  fm_cand *out, size_t max, ptrdiff_t *next);
    /* The number of candidates in [lo, end) of a pair scan, on all its
     * 3 + nx bytes. */
    ptrdiff_t (*count)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t lo,
                       ptrdiff_t end);
} fm_set_ops;

/* Each isa_<name>.c defines fm_set_ops_for_<name>, NULL where it has no
 * kernels (as its fm_isa_<name> has none), from internal.h's FM_ISAS. */
#define FM_SET_ISA_DEFINE(isa, table) \
    FM_HIDDEN const fm_set_ops *const fm_set_ops_for_##isa = (table)
#define FM_SET_ISA_DECLARE(isa) FM_HIDDEN extern const fm_set_ops *const fm_set_ops_for_##isa;
FM_ISAS(FM_SET_ISA_DECLARE)
#undef FM_SET_ISA_DECLARE

/* ---- ASCII case folding ---- */

FM_INLINE int fm_is_alpha(fm_u8 c)
{
    return (fm_u8)((c | 0x20) - 'a') < 26;
}

FM_INLINE fm_u8 fm_lower(fm_u8 c)
{
    return (fm_u8)((fm_u8)(c - 'A') < 26 ? c | 0x20 : c);
}

/* ---- The automaton (set_ac.c) ----
 *
 * An Aho-Corasick automaton over the reversed needles: read from right to
 * left, its state after y[p] names the longest needle *starting* at p, so
 * a window of start positions gets its leftmost-longest matches in one
 * backward pass (see set.c). */
typedef struct fm_ac fm_ac;

/* Needles u = 0..count-1: x[u][0:k[u]] (k >= 1, distinct after folding),
 * bytes compared through fold[] (identity, or ASCII lowercase).  NULL with
 * errno ENOMEM. */
FM_HIDDEN fm_ac *fm_ac_new(const fm_u8 *const *x, const ptrdiff_t *k, ptrdiff_t count,
                 const fm_u8 fold[256]);
FM_HIDDEN void fm_ac_free(fm_ac *a);

/* best[p - lo] for p in [lo, hi): the needle (u) of the longest match
 * starting at p that ends by n, or -1.  Reads y[lo, min(n, hi + maxlen - 1)). */
FM_HIDDEN void fm_ac_starts(const fm_ac *a, const fm_u8 *y, ptrdiff_t n, ptrdiff_t lo,
                  ptrdiff_t hi, int32_t *best);

/* The last p <= hi at which a needle starts (ending by n), its longest
 * needle in *u; -1 when none. */
FM_HIDDEN ptrdiff_t fm_ac_last(const fm_ac *a, const fm_u8 *y, ptrdiff_t n,
                     ptrdiff_t hi, int32_t *u);

#ifdef FM_TESTING
/* Whether the automaton is a full transition table (else sparse edges and
 * failure links), for the tests that force both. */
FM_HIDDEN int fm_ac_dense(const fm_ac *a);
#endif

#endif /* FM_SET_INTERNAL_H */
