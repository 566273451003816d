/*
 * The next occurrence grep -F would take: leftmost, the longest needle at
 * that offset, and for -w / -x one that the bytes around it allow.
 *
 * GNU grep's rule for a rejected occurrence is followed exactly: try the
 * shorter needles that also occur at the same offset, longest first, and
 * only then look again from the next offset.  An empty needle occurs at
 * every offset with length 0, and loses to any longer needle there.
 *
 * Occurrences of needles of two bytes or more are fetched a batch at a time
 * (fm_hits): the greedy, non-overlapping sequence from some offset.  A scan
 * that moves on from an accepted occurrence to its end, or to the end of its
 * line (needles without a newline cannot span one), can keep using the
 * batch; after a rejection it must look again from the next offset, and the
 * batch is dropped.
 */
#include <string.h>

#include "scan.h"

/* grep's word constituents in the C locale: letters, digits, underscore. */
static int is_word(fm_u8 c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}

/* Whether [s, s + len) of y[0:n] stands where -w / -x allow.  y[0] is a
 * line start and y[n] the end of a line (or of the input). */
static int allowed(const fm_pattern *p, const fm_u8 *y, ptrdiff_t n,
                   ptrdiff_t s, ptrdiff_t len)
{
    const ptrdiff_t e = s + len;
    if (p->line)
        return (s == 0 || y[s - 1] == '\n') && (e == n || y[e] == '\n');
    if (p->word)
        return (s == 0 || !is_word(y[s - 1])) && (e == n || !is_word(y[e]));
    return 1;
}

/* Needle i of the pattern (the single needle is number 0). */
static const fm_u8 *needle(const fm_pattern *p, ptrdiff_t i, ptrdiff_t *k)
{
    if (p->set == NULL) {
        *k = p->k;
        return p->x;
    }
    *k = p->ks[i];
    return p->xs[i];
}

static int occurs_at(const fm_pattern *p, ptrdiff_t i, const fm_u8 *y,
                     ptrdiff_t n, ptrdiff_t s)
{
    ptrdiff_t k;
    const fm_u8 *x = needle(p, i, &k);
    if (k > n - s)
        return 0;
    if (p->set != NULL)
        return p->env->set_match_at(p->set, i, y + s, n - s);
    return memcmp(y + s, x, (size_t)k) == 0;
}

/* The longest needle shorter than `below` occurring at s and allowed
 * there; its length, or -1.  Length 0 is the empty needle. */
static ptrdiff_t shorter_allowed(const fm_pattern *p, const fm_u8 *y,
                                 ptrdiff_t n, ptrdiff_t s, ptrdiff_t below)
{
    ptrdiff_t best = -1, i, k;
    const ptrdiff_t count = p->set != NULL ? p->count : (p->k > 0);
    for (i = 0; i < count; i++) {
        needle(p, i, &k);
        if (k < below && k > best && occurs_at(p, i, y, n, s)
                && allowed(p, y, n, s, k))
            best = k;
    }
    if (best < 0 && p->empty && below > 0 && allowed(p, y, n, s, 0))
        best = 0;
    return best;
}

/* The first non-empty occurrence at or after pos (greedy batches), or -1;
 * its length in *len. */
static ptrdiff_t next_occurrence(const fm_pattern *p, fm_hits *h,
                                 const fm_u8 *y, ptrdiff_t n, ptrdiff_t pos,
                                 ptrdiff_t *len)
{
    const fm_scan_env *e = p->env;
    ptrdiff_t got, resume, i;
    if (p->set == NULL && p->k == 1) {
        /* One byte: the byte scan, no batch needed. */
        got = e->find((const char *)y + pos, n - pos, (const char *)p->x, 1);
        *len = 1;
        return got < 0 ? -1 : pos + got;
    }
    if (h->valid && pos >= h->from) {
        while (h->next < h->count && h->at[h->next] < pos)
            h->next++;
        if (h->next < h->count) {
            *len = h->len[h->next];
            return h->at[h->next];
        }
        if (h->exhausted)
            return -1;
        /* Used up: the greedy sequence goes on past its last occurrence. */
        if (pos < h->resume)
            pos = h->resume;
    }
    if (pos >= n) {
        h->valid = 0;
        return -1;
    }
    if (p->set == NULL) {
        got = e->find_all((const char *)y + pos, n - pos, (const char *)p->x,
                          p->k, h->at, FM_HITS, &resume);
        for (i = 0; i < got; i++)
            h->len[i] = p->k;
    }
    else {
        /* The needle of each occurrence, then its length. */
        got = e->set_find_all(p->set, y + pos, n - pos, h->at, h->len,
                              FM_HITS, &resume);
        for (i = 0; i < got; i++)
            h->len[i] = p->ks[h->len[i]];
    }
    for (i = 0; i < got; i++)
        h->at[i] += pos;
    h->from = pos;
    h->resume = pos + resume;
    h->count = got;
    h->next = 0;
    h->exhausted = got < FM_HITS;
    h->valid = 1;
    if (got == 0)
        return -1;
    *len = h->len[0];
    return h->at[0];
}


/* The first occurrence starting in (s, s + k), where the one at s of
 * length k was rejected, or -1. */
static ptrdiff_t inside(const fm_pattern *p, const fm_u8 *y, ptrdiff_t n,
                        ptrdiff_t s, ptrdiff_t k)
{
    const ptrdiff_t longest = p->set != NULL ? p->longest : p->k;
    ptrdiff_t from = s + 1, to = s + k - 1 + longest, hit, len;
    if (k <= 1)
        return -1;
    if (to > n)
        to = n;
    if (to <= from)
        return -1;
    if (p->set != NULL)
        hit = p->env->set_find(p->set, y + from, to - from, &len, NULL);
    else
        hit = p->env->find((const char *)y + from, to - from,
                           (const char *)p->x, p->k);
    return hit >= 0 && from + hit < s + k ? from + hit : -1;
}

ptrdiff_t fm_pattern_next(const fm_pattern *p, fm_hits *h, const fm_u8 *y,
                          ptrdiff_t n, ptrdiff_t pos, ptrdiff_t *len)
{
    const int constrained = p->word || p->line;
    ptrdiff_t s, k, shorter;
    if (!p->empty && p->set == NULL && p->k == 0)
        return -1;              /* no needle at all: nothing occurs */
    while (pos <= n) {
        if (p->empty) {
            /* Every offset holds the empty needle: the answer is at pos
             * unless a longer needle there wins, or -w/-x reject all. */
            if (p->k > 0 || p->set != NULL) {
                s = next_occurrence(p, h, y, n, pos, &k);
                if (s == pos && (!constrained || allowed(p, y, n, s, k))) {
                    *len = k;
                    return s;
                }
                if (s == pos) {
                    shorter = shorter_allowed(p, y, n, s, k);
                    if (shorter >= 0) {
                        *len = shorter;
                        return s;
                    }
                    h->valid = 0;
                }
            }
            if (!constrained || allowed(p, y, n, pos, 0)) {
                *len = 0;
                return pos;
            }
            pos++;
            continue;
        }
        if (pos >= n)
            return -1;
        s = next_occurrence(p, h, y, n, pos, &k);
        if (s < 0)
            return -1;
        if (!constrained || allowed(p, y, n, s, k)) {
            *len = k;
            return s;
        }
        shorter = shorter_allowed(p, y, n, s, k);
        if (shorter > 0) {
            *len = shorter;
            return s;
        }
        /* Rejected at s.  The batch holds the greedy, non-overlapping
         * occurrences: the next one there starts at s + k or later, and is
         * the first to do so.  Only one starting inside this occurrence can
         * be missing from it: look there, and go on with the batch when
         * there is none (a -w search that rejects most occurrences stays
         * one batched scan). */
        shorter = inside(p, y, n, s, k);
        if (shorter < 0) {
            pos = s + k;
            continue;
        }
        h->valid = 0;           /* one the batch does not hold */
        pos = shorter;
    }
    return -1;
}
