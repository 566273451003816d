/*
 * The set search's linear fallback: an Aho-Corasick automaton over the
 * reversed needles (set_internal.h states the interface).
 *
 * Why reversed: a forward automaton learns of a match at its end, and the
 * leftmost-longest match is only settled once every longer candidate that
 * starts as early has died, which can be a needle's length later; resuming
 * after the chosen match then rereads that stretch, quadratic in the worst
 * case (needles "a" and "a...ab" over "aaaa...").  Read from right to
 * left, the automaton's state after y[p] is the longest string starting at
 * p that ends some needle, and its output the longest needle starting at
 * p: set.c asks for a window of start positions at a time (one backward
 * pass of window + longest needle) and picks the matches left to right.
 *
 * Two forms, chosen by size: a full transition table over byte classes
 * (bytes no needle holds share one class; with ASCII folding a letter's
 * two cases share one), one load per byte; or, when states x classes would
 * pass FM_AC_DENSE_MAX, sparse edges with failure links, amortised O(1)
 * per byte (each failure step shortens the state's depth, which a byte
 * lengthens by at most one).
 */
#include <errno.h>
#include <stdlib.h>

#include "set_internal.h"

/* Entries of the full table (4 bytes each): 16 MiB at the most. */
#ifndef FM_AC_DENSE_MAX
#  define FM_AC_DENSE_MAX ((ptrdiff_t)1 << 22)
#endif

#ifdef FM_TESTING
long fm_set_dense_limit = -1;
#endif

struct fm_ac {
    ptrdiff_t maxlen;
    int nclass;
    uint16_t cls[256];
    int32_t nstates;
    int32_t *out;      /* longest needle ending the state's string, or -1 */
    /* Full table: entry = (next * nclass) << 1 | (out[next] >= 0). */
    uint32_t *delta;
    /* Sparse form: edges of state s are ecls/eto[estart[s], estart[s + 1]),
     * sorted by class; the root's as a table. */
    int32_t *fail, *estart, *eto;
    uint16_t *ecls;
    int32_t root[257];
};

typedef struct {
    const fm_u8 *x;
    ptrdiff_t k;
    int32_t u;
    /* The fold table, in every entry: qsort passes no context, and a
     * static would race between threads building sets. */
    const fm_u8 *fold;
} fm_ac_needle;

/* Needles read backwards, through the fold table: folded bytes compare as
 * their classes do (classes are numbered in byte order). */
static int fm_ac_cmp(const void *pa, const void *pb)
{
    const fm_ac_needle *a = (const fm_ac_needle *)pa, *b = (const fm_ac_needle *)pb;
    const fm_u8 *fold = a->fold;
    const ptrdiff_t m = a->k < b->k ? a->k : b->k;
    ptrdiff_t i;
    for (i = 0; i < m; i++) {
        const int ca = fold[a->x[a->k - 1 - i]];
        const int cb = fold[b->x[b->k - 1 - i]];
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return a->k < b->k ? -1 : a->k > b->k;
}

void fm_ac_free(fm_ac *a)
{
    if (a == NULL)
        return;
    free(a->out);
    free(a->delta);
    free(a->fail);
    free(a->estart);
    free(a->eto);
    free(a->ecls);
    free(a);
}

/* The child of s on class c, or -1 (binary search of its sorted edges). */
static int32_t fm_ac_child(const fm_ac *a, int32_t s, unsigned c)
{
    int32_t lo = a->estart[s], hi = a->estart[s + 1];
    while (lo < hi) {
        const int32_t mid = lo + (hi - lo) / 2;
        if (a->ecls[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->estart[s + 1] && a->ecls[lo] == c ? a->eto[lo] : -1;
}

/* One transition of the sparse form. */
FM_INLINE int32_t fm_ac_next(const fm_ac *a, int32_t s, unsigned c)
{
    for (;;) {
        int32_t t;
        if (s == 0)
            return a->root[c];
        if ((t = fm_ac_child(a, s, c)) >= 0)
            return t;
        s = a->fail[s];
    }
}

/* The trie of the sorted reversed needles, as parent links, then as sorted
 * edge lists; failure links and outputs in breadth-first order. */
static int fm_ac_build(fm_ac *a, fm_ac_needle *nd, ptrdiff_t count,
                       const fm_u8 *fold, ptrdiff_t total)
{
    const int32_t cap = (int32_t)total + 1;
    int32_t *parent = NULL, *term = NULL, *path = NULL, *queue = NULL, *fill = NULL;
    uint16_t *pcls = NULL;
    int32_t ns = 1, i, head, tail;
    ptrdiff_t u, d, limit;
    int ok = 0;
    parent = malloc(sizeof(int32_t) * (size_t)cap);
    term = malloc(sizeof(int32_t) * (size_t)cap);
    pcls = malloc(sizeof(uint16_t) * (size_t)cap);
    path = malloc(sizeof(int32_t) * (size_t)(a->maxlen + 1));
    queue = malloc(sizeof(int32_t) * (size_t)cap);
    fill = malloc(sizeof(int32_t) * (size_t)(cap + 1));
    a->out = malloc(sizeof(int32_t) * (size_t)cap);
    a->fail = malloc(sizeof(int32_t) * (size_t)cap);
    a->estart = calloc((size_t)cap + 1, sizeof(int32_t));
    a->eto = malloc(sizeof(int32_t) * (size_t)cap);
    a->ecls = malloc(sizeof(uint16_t) * (size_t)cap);
    if (!parent || !term || !pcls || !path || !queue || !fill || !a->out
        || !a->fail || !a->estart || !a->eto || !a->ecls)
        goto done;
    /* Each needle shares with the previous one (in sorted order) the path
     * of their common prefix; below it every node is new, because a sibling
     * with a larger class cannot have been added yet. */
    parent[0] = -1;
    term[0] = -1;
    pcls[0] = 0;
    path[0] = 0;
    for (u = 0; u < count; u++) {
        const fm_u8 *x = nd[u].x;
        const ptrdiff_t k = nd[u].k;
        ptrdiff_t lcp = 0;
        if (u > 0) {
            const fm_u8 *px = nd[u - 1].x;
            const ptrdiff_t pk = nd[u - 1].k;
            while (lcp < k && lcp < pk
                   && fold[x[k - 1 - lcp]] == fold[px[pk - 1 - lcp]])
                lcp++;
        }
        for (d = lcp; d < k; d++) {
            parent[ns] = path[d];
            pcls[ns] = a->cls[x[k - 1 - d]];
            term[ns] = -1;
            path[d + 1] = ns++;
        }
        term[path[k]] = nd[u].u;
    }
    a->nstates = ns;
    /* Edges, grouped by parent; creation order keeps them sorted. */
    for (i = 1; i < ns; i++)
        a->estart[parent[i] + 1]++;
    for (i = 0; i < ns; i++)
        a->estart[i + 1] += a->estart[i];
    memcpy(fill, a->estart, sizeof(int32_t) * (size_t)(ns + 1));
    for (i = 1; i < ns; i++) {
        a->eto[fill[parent[i]]] = i;
        a->ecls[fill[parent[i]]++] = pcls[i];
    }
    for (i = 0; i < a->nclass; i++)
        a->root[i] = 0;
    for (i = a->estart[0]; i < a->estart[1]; i++)
        a->root[a->ecls[i]] = a->eto[i];
    /* Breadth first: a failure link and an output depend on shallower
     * states only. */
    a->fail[0] = 0;
    a->out[0] = -1;
    queue[0] = 0;
    head = 0;
    tail = 1;
    while (head < tail) {
        const int32_t s = queue[head++];
        int32_t e;
        for (e = a->estart[s]; e < a->estart[s + 1]; e++) {
            const int32_t v = a->eto[e];
            int32_t f = 0;
            if (s != 0)
                f = fm_ac_next(a, a->fail[s], a->ecls[e]);
            a->fail[v] = f;
            a->out[v] = term[v] >= 0 ? term[v] : a->out[f];
            queue[tail++] = v;
        }
    }
    limit = FM_AC_DENSE_MAX;
#ifdef FM_TESTING
    if (fm_set_dense_limit >= 0)
        limit = (ptrdiff_t)fm_set_dense_limit;
#endif
    if ((ptrdiff_t)ns * a->nclass <= limit) {
        const int32_t nc = a->nclass;
        a->delta = malloc(sizeof(uint32_t) * (size_t)ns * (size_t)nc);
        if (a->delta == NULL)
            goto done;
        for (head = 0; head < ns; head++) {
            const int32_t s = queue[head];
            uint32_t *row = a->delta + (size_t)s * (size_t)nc;
            int32_t e, c;
            if (s == 0) {
                for (c = 0; c < nc; c++)
                    row[c] = 0;
            } else {
                memcpy(row, a->delta + (size_t)a->fail[s] * (size_t)nc,
                       sizeof(uint32_t) * (size_t)nc);
            }
            for (e = a->estart[s]; e < a->estart[s + 1]; e++) {
                const int32_t v = a->eto[e];
                row[a->ecls[e]] = ((uint32_t)(v * nc) << 1) | (a->out[v] >= 0);
            }
        }
    }
    ok = 1;
done:
    free(parent);
    free(term);
    free(pcls);
    free(path);
    free(queue);
    free(fill);
    return ok;
}

fm_ac *fm_ac_new(const fm_u8 *const *x, const ptrdiff_t *k, ptrdiff_t count,
                 const fm_u8 fold[256])
{
    fm_ac *a = calloc(1, sizeof(*a));
    fm_ac_needle *nd = NULL;
    int present[256] = {0};
    ptrdiff_t u, i, total = 0;
    int b, nc = 1;
    if (a == NULL)
        goto fail;
    nd = malloc(sizeof(*nd) * (size_t)count);
    if (nd == NULL)
        goto fail;
    for (u = 0; u < count; u++) {
        nd[u].x = x[u];
        nd[u].k = k[u];
        nd[u].u = (int32_t)u;
        nd[u].fold = fold;
        total += k[u];
        if (k[u] > a->maxlen)
            a->maxlen = k[u];
        for (i = 0; i < k[u]; i++)
            present[fold[x[u][i]]] = 1;
    }
    if (total >= INT32_MAX / 2) {
        errno = ENOMEM;
        goto fail;
    }
    /* Classes in byte order of the folded values; 0 for the rest. */
    for (b = 0; b < 256; b++)
        if (present[b])
            present[b] = nc++;
    a->nclass = nc;
    for (b = 0; b < 256; b++)
        a->cls[b] = (uint16_t)present[fold[b]];
    qsort(nd, (size_t)count, sizeof(*nd), fm_ac_cmp);
    if (!fm_ac_build(a, nd, count, fold, total))
        goto fail;
    free(nd);
    return a;
fail:
    free(nd);
    fm_ac_free(a);
    errno = ENOMEM;
    return NULL;
}

#ifdef FM_TESTING
int fm_ac_dense(const fm_ac *a)
{
    return a->delta != NULL;
}
#endif

/* ---- Searching ---- */

/* The full table's pass over starts [lo, hi), reading from top down. */
FM_INLINE void fm_ac_pass(const fm_ac *a, const fm_u8 *y, ptrdiff_t top,
                          ptrdiff_t lo, ptrdiff_t hi, int32_t *best)
{
    const uint16_t *cls = a->cls;
    const uint32_t *d = a->delta;
    const uint32_t nc = (uint32_t)a->nclass;
    uint32_t e = 0;
    ptrdiff_t p = top - 1;
    for (; p >= hi; p--)
        e = d[(e >> 1) + cls[y[p]]];
    for (; p >= lo; p--) {
        e = d[(e >> 1) + cls[y[p]]];
        best[p - lo] = (e & 1) ? a->out[(e >> 1) / nc] : -1;
    }
}

/* Streams of the interleaved passes, and the shortest share of starts
 * (in longest needles) that makes their extra lead-in worth it. */
#define FM_AC_STREAMS 4
#define FM_AC_SHARE 8

void fm_ac_starts(const fm_ac *a, const fm_u8 *y, ptrdiff_t n, ptrdiff_t lo,
                  ptrdiff_t hi, int32_t *best)
{
    const uint16_t *cls = a->cls;
    const ptrdiff_t top = hi - 1 + a->maxlen < n ? hi - 1 + a->maxlen : n;
    const ptrdiff_t share = (hi - lo) / FM_AC_STREAMS;
    ptrdiff_t p = top - 1;
    /* SAFETY: every pass reads bytes from below its top <= n down to its
     * lowest start >= lo >= 0, and writes best[0, hi - lo). */
    if (a->delta != NULL && share >= 64 && share >= FM_AC_SHARE * a->maxlen) {
        /* A table walk is a chain of dependent loads: four passes over
         * four shares of the starts run side by side, each led in by the
         * longest needle's bytes past its share (the last one's by what the
         * whole window's pass would read). */
        const uint32_t *d = a->delta;
        const uint32_t nc = (uint32_t)a->nclass;
        uint32_t e[FM_AC_STREAMS];
        ptrdiff_t g, i;
        const ptrdiff_t base = hi - FM_AC_STREAMS * share;   /* [lo, base): alone */
        for (g = 0; g < FM_AC_STREAMS; g++) {
            const ptrdiff_t ghi = base + (g + 1) * share;
            const ptrdiff_t gtop = ghi - 1 + a->maxlen < n ? ghi - 1 + a->maxlen : n;
            e[g] = 0;
            for (p = gtop - 1; p >= ghi; p--)
                e[g] = d[(e[g] >> 1) + cls[y[p]]];
        }
        for (i = share - 1; i >= 0; i--) {
            for (g = 0; g < FM_AC_STREAMS; g++) {
                const ptrdiff_t q = base + g * share + i;
                e[g] = d[(e[g] >> 1) + cls[y[q]]];
                best[q - lo] = (e[g] & 1) ? a->out[(e[g] >> 1) / nc] : -1;
            }
        }
        if (base > lo)
            fm_ac_pass(a, y, base - 1 + a->maxlen, lo, base, best);
        return;
    }
    if (a->delta != NULL) {
        fm_ac_pass(a, y, top, lo, hi, best);
    } else {
        const int32_t *out = a->out;
        int32_t s = 0;
        for (; p >= hi; p--)
            s = fm_ac_next(a, s, cls[y[p]]);
        for (; p >= lo; p--) {
            s = fm_ac_next(a, s, cls[y[p]]);
            best[p - lo] = out[s];
        }
    }
}

ptrdiff_t fm_ac_last(const fm_ac *a, const fm_u8 *y, ptrdiff_t n,
                     ptrdiff_t hi, int32_t *u)
{
    const uint16_t *cls = a->cls;
    const int32_t *out = a->out;
    const ptrdiff_t top = hi + a->maxlen < n ? hi + a->maxlen : n;
    ptrdiff_t p = top - 1;
    /* SAFETY: as fm_ac_starts, bytes y[0, top) with top <= n. */
    if (a->delta != NULL) {
        const uint32_t *d = a->delta;
        const uint32_t nc = (uint32_t)a->nclass;
        uint32_t e = 0;
        for (; p > hi; p--)
            e = d[(e >> 1) + cls[y[p]]];
        for (; p >= 0; p--) {
            e = d[(e >> 1) + cls[y[p]]];
            if (e & 1) {
                *u = out[(e >> 1) / nc];
                return p;
            }
        }
    } else {
        int32_t s = 0;
        for (; p > hi; p--)
            s = fm_ac_next(a, s, cls[y[p]]);
        for (; p >= 0; p--) {
            s = fm_ac_next(a, s, cls[y[p]]);
            if (out[s] >= 0) {
                *u = out[s];
                return p;
            }
        }
    }
    return -1;
}
