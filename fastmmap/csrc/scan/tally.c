/*
 * Counting and locating a needle (or any of several) in one input: the
 * non-overlapping occurrences, left to right, exactly as bytes.count and
 * mmap.find_all take them; or the first or the last one.
 *
 * In blocks, an occurrence is decided once it lies wholly inside the
 * buffer and no longer needle could still start there and run past it;
 * the bytes from the first undecided offset on are kept for the next call.
 */
#include <string.h>

#include "scan.h"

#define BATCH 1024

void fm_tally_init(fm_tally *t, const fm_pattern *p, int kind,
                   const fm_u8 *prefix, size_t prefix_len)
{
    memset(t, 0, sizeof(*t));
    t->p = p;
    t->kind = kind;
    t->first = t->last = -1;
    t->prefix = prefix;
    t->prefix_len = prefix_len;
}

/* Offsets of occurrences from buf[pos:n): at most cap, as find_all does. */
static ptrdiff_t batch(const fm_tally *t, const fm_u8 *buf, ptrdiff_t pos,
                       ptrdiff_t n, ptrdiff_t *at, ptrdiff_t *which,
                       ptrdiff_t cap, ptrdiff_t *resume)
{
    const fm_pattern *p = t->p;
    if (p->set != NULL)
        return p->env->set_find_all(p->set, buf + pos, n - pos, at, which,
                                    cap, resume);
    return p->env->find_all((const char *)buf + pos, n - pos,
                            (const char *)p->x, p->k, at, cap, resume);
}

static ptrdiff_t length_of(const fm_tally *t, ptrdiff_t which)
{
    return t->p->set != NULL ? t->p->ks[which] : t->p->k;
}

/* Writes the offsets as text lines: prefix, offset, newline. */
static int write_offsets(fm_tally *t, fm_out *out, const ptrdiff_t *at,
                         ptrdiff_t got, long long base)
{
    ptrdiff_t i;
    fm_u8 *dst = fm_out_room(out, (size_t)got * (t->prefix_len + 22));
    if (dst == NULL)
        return -1;
    for (i = 0; i < got; i++) {
        memcpy(dst, t->prefix, t->prefix_len);
        dst += t->prefix_len;
        dst += fm_put_uint(dst, (unsigned long long)(base + at[i]));
        *dst++ = '\n';
    }
    fm_out_commit(out, dst);
    return 0;
}

/* Writes the offsets as native 64-bit integers (the library's arrays). */
static int store_offsets(fm_out *out, const ptrdiff_t *at, ptrdiff_t got,
                         long long base)
{
    ptrdiff_t i;
    int64_t *dst = (int64_t *)(void *)fm_out_room(out, (size_t)got * sizeof(int64_t));
    if (dst == NULL)
        return -1;
    for (i = 0; i < got; i++)
        dst[i] = base + at[i];
    fm_out_commit(out, (fm_u8 *)(dst + got));
    return 0;
}

/* The empty needle: an occurrence at every offset, the end included. */
static ptrdiff_t feed_empty(fm_tally *t, ptrdiff_t n, int final, fm_out *out)
{
    ptrdiff_t at[BATCH], got, i;
    long long from = t->base + t->pos, to = t->base + n + (final ? 1 : 0);
    if (t->kind == FM_TALLY_FIRST && t->first < 0) {
        t->first = 0;
        t->done = 1;
    }
    if (final)
        t->last = t->base + n;
    if (t->kind == FM_TALLY_COUNT || t->kind == FM_TALLY_OFFSETS)
        t->count += to - from;
    if (t->kind == FM_TALLY_OFFSETS && out != NULL) {
        while (from < to) {
            got = to - from < BATCH ? (ptrdiff_t)(to - from) : BATCH;
            for (i = 0; i < got; i++)
                at[i] = (ptrdiff_t)(from - t->base) + i;
            if ((t->binary ? store_offsets(out, at, got, t->base)
                           : write_offsets(t, out, at, got, t->base)) != 0)
                return -1;
            from += got;
        }
    }
    t->pos = n;
    return n;
}

ptrdiff_t fm_tally_feed(fm_tally *t, const fm_u8 *buf, ptrdiff_t n, int final,
                        fm_out *out)
{
    const fm_pattern *p = t->p;
    ptrdiff_t at[BATCH], which[BATCH];
    ptrdiff_t pos = t->pos, got, resume, i, cut, keep;
    ptrdiff_t longest = p->set != NULL ? p->longest : p->k;
    if (t->done)
        return n;
    if (p->empty) {
        /* bytes.count semantics: the empty needle wins everywhere. */
        if (feed_empty(t, n, final, out) < 0)
            return -1;
        t->base += n;
        t->pos = 0;
        return n;
    }
    if (p->k == 0 && p->set == NULL) {
        t->done = 1;            /* no needle at all: nothing occurs */
        return n;
    }
    /* Occurrences starting before cut are decided in this buffer. */
    cut = final ? n : n - longest + 1;
    if (t->kind == FM_TALLY_LAST) {
        /* The last one: each buffer's own last, the latest wins. */
        ptrdiff_t len, hit;
        if (pos < n) {
            hit = p->set != NULL
                ? p->env->set_rfind(p->set, buf + pos, n - pos, &len, NULL)
                : p->env->rfind((const char *)buf + pos, n - pos,
                                (const char *)p->x, p->k);
            if (hit >= 0)
                t->last = t->base + pos + hit;
        }
        keep = final ? n : (n - longest + 1 > pos ? n - longest + 1 : pos);
        t->pos = 0;
        t->base += keep;
        return keep;
    }
    if (t->kind == FM_TALLY_COUNT && p->set == NULL && p->k == 1) {
        t->count += p->env->count((const char *)buf + pos, n - pos,
                                  (const char *)p->x, 1);
        t->pos = 0;
        t->base += n;
        return n;
    }
    while (pos < cut) {
        got = batch(t, buf, pos, n, at, which,
                    t->kind == FM_TALLY_FIRST ? 1 : BATCH, &resume);
        /* Keep only those decided here. */
        for (i = 0; i < got && pos + at[i] < cut; i++)
            ;
        if (i < got) {
            got = i;
            resume = at[i];
            i = -1;             /* stop after these */
        }
        if (got > 0) {
            if (t->kind == FM_TALLY_FIRST) {
                t->first = t->base + pos + at[0];
                t->done = 1;
                return n;
            }
            t->count += got;
            if (t->kind == FM_TALLY_OFFSETS && out != NULL) {
                if ((t->binary ? store_offsets(out, at, got, t->base + pos)
                               : write_offsets(t, out, at, got, t->base + pos)) != 0)
                    return -1;
            }
        }
        if (i == -1) {
            pos += resume;
            break;
        }
        if (got < BATCH || (t->kind == FM_TALLY_FIRST && got == 0)) {
            /* Exhausted: the next occurrence starts at cut or later, and
             * not before the end of the last one counted. */
            if (got > 0)
                pos += at[got - 1] + length_of(t, p->set != NULL ? which[got - 1] : 0);
            if (pos < cut)
                pos = cut;
            break;
        }
        pos += resume;
    }
    if (final)
        return n;
    keep = pos < 0 ? 0 : pos;
    t->pos = pos - keep;
    t->base += keep;
    return keep;
}
