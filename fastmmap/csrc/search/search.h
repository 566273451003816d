/*
 * fastmmap's search engine: the public C interface.
 *
 * Every search takes a configuration (which instruction set, which
 * prefilter, which fallback).  The product passes fm_default, filled once
 * at import by fm_init(); the C harness (tests/csrc) and the Python kernel
 * tests build their own with fm_config_named() to force one path.
 *
 * Contract shared by the searches (the Cython binding, fastmmap/_search.pxd,
 * states it for its callers): y points at n >= 0 readable bytes and x at
 * k >= 0 (either may be anything when its length is 0); results are offsets
 * from y; no allocation, no global state written; worst-case time linear in
 * n + k.
 */
#ifndef FM_SEARCH_H
#define FM_SEARCH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fm_ops fm_ops;

/* Which prefilter leads a search for a needle of two bytes or more. */
typedef enum {
    FM_PREFILTER_AUTO = 0,   /* memchr on a rare anchor, packed pair when the
                                ISA has vector blocks; the skip search for
                                long needles in long haystacks (find and
                                rfind) */
    FM_PREFILTER_MEMCHR,     /* memchr prefilter only (the scalar policy) */
    FM_PREFILTER_PAIR,       /* packed pair from the first byte */
    FM_PREFILTER_NONE,       /* the linear fallback from the first byte */
    FM_PREFILTER_SKIP        /* find/rfind: the skip search for every needle
                                of 64 bytes or more, then as AUTO */
} fm_prefilter;

/* Which linear fallback takes over when a prefilter stops paying. */
typedef enum {
    FM_FALLBACK_AUTO = 0,    /* word compare for k <= 8, else two-way */
    FM_FALLBACK_TWOWAY       /* two-way for every needle length */
} fm_fallback;

#ifdef FM_TESTING
/* Test builds only (the C harness, the kernel tests' ctypes library:
 * compiled with -DFM_TESTING, which setup.py never defines): the path a
 * search ended on, reported through the configuration's `trace`. */
typedef enum {
    FM_PATH_MEMCHR = 0,      /* memchr prefilter (or no set-up at all) */
    FM_PATH_REANCHORED,      /* memchr prefilter on the swapped anchor */
    FM_PATH_FALLBACK,        /* linear fallback */
    FM_PATH_PAIR,            /* packed-pair scan */
    FM_PATH_SKIP             /* skip search (long needles) */
} fm_path;
#endif

typedef struct fm_config {
    const fm_ops *ops;
    fm_prefilter prefilter;
    fm_fallback fallback;
#ifdef FM_TESTING
    /* Where a test wants the path of the last search written; NULL (the
     * default) writes nothing, so searches stay free of shared state. */
    fm_path *trace;
#endif
} fm_config;

/* The product's configuration (valid after fm_init). */
extern fm_config fm_default;

/* Choose the instruction set once: isa is NULL or "" for the best this CPU
 * runs, else a name from the engine's list (internal.h's FM_ISAS:
 * "scalar", "sse2", "avx2", "neon").  Returns 0, -1 for an unknown name,
 * -2 for one this build or CPU lacks (fm_default then keeps the best). */
int fm_init(const char *isa);

/* Name of the instruction set a configuration uses ("scalar", ...). */
const char *fm_isa_name(const fm_config *cfg);

/* Names this build and CPU can run, best last, separated by spaces. */
const char *fm_isa_available(void);

/* A configuration by names (NULL or "" meaning the default for each):
 * isa as for fm_init, prefilter "auto" "memchr" "pair" "none" "skip", fallback
 * "auto" "two-way".  Returns 0 or the error of fm_init. */
int fm_config_named(fm_config *cfg, const char *isa, const char *prefilter,
                    const char *fallback);

/* Offset of the first occurrence of x in y[0:n], or -1 (k == 0: 0). */
ptrdiff_t fm_find(const fm_config *cfg, const unsigned char *y, ptrdiff_t n,
                  const unsigned char *x, ptrdiff_t k);

/* Offset of the last occurrence, or -1 (k == 0: n). */
ptrdiff_t fm_rfind(const fm_config *cfg, const unsigned char *y, ptrdiff_t n,
                   const unsigned char *x, ptrdiff_t k);

/* Non-overlapping occurrences, left to right (k == 0: n + 1). */
ptrdiff_t fm_count(const fm_config *cfg, const unsigned char *y, ptrdiff_t n,
                   const unsigned char *x, ptrdiff_t k);

/* Offsets of non-overlapping occurrences written to out[0:cap]; returns how
 * many (<= cap) and sets *resume to where a next call must continue (n when
 * the haystack is exhausted).  Slots of out past the returned count may be
 * overwritten.  Requires k >= 1 unless cap <= 0. */
ptrdiff_t fm_find_all(const fm_config *cfg, const unsigned char *y,
                      ptrdiff_t n, const unsigned char *x, ptrdiff_t k,
                      ptrdiff_t *out, ptrdiff_t cap, ptrdiff_t *resume);

/* memcpy(dst, y, n), then fm_find_all(dst, n, &c, 1, ...), in one pass
 * where the ISA has vector blocks.  dst holds n bytes, not overlapping y. */
ptrdiff_t fm_copy_find_all_byte(const fm_config *cfg, unsigned char *dst,
                                const unsigned char *y, ptrdiff_t n,
                                unsigned char c, ptrdiff_t *out,
                                ptrdiff_t cap, ptrdiff_t *resume);

/* ---- Any of several needles, optionally ignoring ASCII case (set.c) ----
 *
 * A prepared search for any of several needles.  Made once (allocates),
 * then read-only: any number of threads may search with one set at the
 * same time.  Searches take no configuration: the set keeps a copy of the
 * one it was made with.  Worst-case time linear in n plus the longest
 * needle (set-up: linear in the needles' total length). */
typedef struct fm_set fm_set;
#define FM_SET_FOLD 1   /* ASCII letters match either case; other bytes exactly */

/* count >= 1 needles, x[i] of k[i] >= 1 bytes each (duplicates allowed).
 * NULL with errno set (ENOMEM, EINVAL for a bad argument). */
fm_set *fm_set_new(const fm_config *cfg, const unsigned char *const *x,
                   const ptrdiff_t *k, ptrdiff_t count, int flags);
void fm_set_free(fm_set *s);            /* NULL is fine */

/* Leftmost occurrence in y[0:n] of any needle: its offset, or -1.  Among the
 * needles occurring at that offset, the longest (leftmost-longest, as GNU
 * grep -F chooses); *len gets its length and *which its index (the lowest
 * index among equal needles).  len/which may be NULL. */
ptrdiff_t fm_set_find(const fm_set *s, const unsigned char *y, ptrdiff_t n,
                      ptrdiff_t *len, ptrdiff_t *which);
/* Rightmost start of an occurrence (the longest needle there), or -1. */
ptrdiff_t fm_set_rfind(const fm_set *s, const unsigned char *y, ptrdiff_t n,
                       ptrdiff_t *len, ptrdiff_t *which);
/* Non-overlapping leftmost-longest occurrences, left to right. */
ptrdiff_t fm_set_count(const fm_set *s, const unsigned char *y, ptrdiff_t n);
/* Same occurrences: offsets to out[0:cap], and when `which` is not NULL the
 * needle index of each to which[0:cap]; returns how many, *resume where a
 * next call continues (n when exhausted) -- exactly fm_find_all's contract. */
ptrdiff_t fm_set_find_all(const fm_set *s, const unsigned char *y, ptrdiff_t n,
                          ptrdiff_t *out, ptrdiff_t *which, ptrdiff_t cap,
                          ptrdiff_t *resume);
/* Whether needle i occurs at y[0:n] (n >= its length), honouring FOLD. */
int fm_set_match_at(const fm_set *s, ptrdiff_t i, const unsigned char *y,
                    ptrdiff_t n);
/* The number of needles and needle i's length (-1 for an i out of range). */
ptrdiff_t fm_set_size(const fm_set *s);
ptrdiff_t fm_set_len(const fm_set *s, ptrdiff_t i);

#ifdef FM_TESTING
/* Test builds only: the strategy a set chose ("one": the single-needle
 * engine; "pair", "pair-exact": one needle ignoring case; "teddy";
 * "automaton"). */
const char *fm_set_strategy(const fm_set *s);
/* Sets made while this is >= 0 give their automaton a full transition
 * table only up to that many entries (0: always sparse edges); -1, the
 * default, keeps the engine's limit. */
extern long fm_set_dense_limit;
#endif

#ifdef FM_TESTING
/* Test builds only, for the tests of needle analysis: the static byte-rank
 * table, and the offsets a needle (k >= 2) is anchored on (i1, i2; i3 for
 * the pair), given a sample of a haystack (len 0: none). */
extern const unsigned char fm_byte_rank[256];
void fm_anchors(const unsigned char *x, ptrdiff_t k, const unsigned char *sample,
                ptrdiff_t len, ptrdiff_t out[3]);
#endif

#ifdef __cplusplus
}
#endif

#endif /* FM_SEARCH_H */
