/*
 * The search drivers: the memchr prefilter, the hand-overs between it, the
 * packed pair and the linear fallbacks, and find / rfind / count /
 * find_all / copy_find_all_byte, each written once on top of the ISA's
 * block kernels (kernels.h, through cfg->ops), the needle analysis
 * (analysis.c) and the fallbacks (fallback.c).
 *
 * Strategy for needles of two bytes or more:
 *
 * - Anchors (analysis.c): the needle bytes least frequent in a sample of
 *   the haystack (the first bytes the scan reads, where the haystack is
 *   long enough), the static ranks of fm_byte_rank otherwise.
 * - Memchr prefilter: let the ISA's byte scan (ops->byte_find /
 *   byte_rfind: the block kernel on x86-64, libc's memchr/memrchr
 *   elsewhere) skip to the anchor's next occurrence, test a second byte,
 *   then confirm.  It leads where the anchor is absent from the sample, or
 *   where the ISA has no vector blocks.
 * - Packed pair (ISAs with vector blocks): compare a block of candidates
 *   at three needle offsets at once and verify only the survivors; a
 *   needle of common bytes (b" the ") still rarely matches at all three,
 *   so the scan runs at memory bandwidth.
 * - Budget (internal.h's cost model): prefilters that stop paying hand
 *   over -- memchr to the packed pair, or, without one, to an anchor
 *   chosen again from the bytes it read, then to the fallback; the packed
 *   pair chooses its probes again (adding the needle offset where its
 *   candidates failed) a few times, then hands over to the fallback.
 * - Fallback (fallback.c): a word compare per window for needles of up to
 *   8 bytes; longer ones two-way in both directions, one matcher across a
 *   count's or find_all's matches.  (Not libc's memmem: the fallback runs
 *   where candidates are dense, in periodic text, where glibc's read a
 *   quarter as fast as this two-way.)
 */
#include "internal.h"

/* Whether the configuration leaves the choice of prefilter to the engine
 * (FM_PREFILTER_SKIP only forces the skip search first). */
static inline int fm_auto(const fm_config *cfg)
{
    return cfg->prefilter == FM_PREFILTER_AUTO || cfg->prefilter == FM_PREFILTER_SKIP;
}

/* Whether find and rfind lead with the skip search (skip.c): for long
 * needles in long haystacks, or any it can take when forced. */
static inline int fm_skips(const fm_config *cfg, ptrdiff_t n, ptrdiff_t k)
{
    if (cfg->prefilter == FM_PREFILTER_SKIP)
        return k >= 2 * FM_SKIP_Q;
    return cfg->prefilter == FM_PREFILTER_AUTO && k >= FM_SKIP_MIN
           && n / FM_SKIP_FROM >= k;
}

/* Up to FM_SAMPLE_MAX bytes (one FM_SAMPLE_SHARE-th of the haystack) that a
 * scan starting at `at` reads first, forwards or (reverse) down from
 * at + k; len 0 for haystacks too short to pay for counting them. */
static const fm_u8 *fm_sample_at(const fm_u8 *y, ptrdiff_t n, ptrdiff_t at,
                                 ptrdiff_t k, int reverse, size_t *len)
{
    ptrdiff_t m = n / FM_SAMPLE_SHARE, lo;
    if (m > FM_SAMPLE_MAX)
        m = FM_SAMPLE_MAX;
    if (n < FM_SAMPLE_FROM || m <= 0) {
        *len = 0;
        return NULL;
    }
    lo = reverse ? at + k - m : at;
    if (lo < 0)
        lo = 0;
    if (lo + m > n)
        lo = n - m;
    *len = (size_t)m;
    /* SAFETY: 0 <= lo and lo + m <= n. */
    return y + lo;
}

/* The state for one search of x (k >= 2) in y[0:n] whose scan begins at
 * `origin` (the end, for a reverse one), with the configuration's policy:
 * the anchors from a sample of the haystack where it is long enough, and
 * the prefilter that leads from the cost model (internal.h). */
static void fm_finder_init(fm_finder *f, const fm_config *cfg,
                           const fm_u8 *x, ptrdiff_t k, const fm_u8 *y,
                           ptrdiff_t n, ptrdiff_t origin, int reverse)
{
    const int vector = cfg->ops->vector;
    const fm_u8 *sample;
    size_t len;
    f->cfg = cfg;
    f->ops = cfg->ops;
    f->x = x;
    f->k = k;
    f->origin = origin;
    f->work = 0;
    f->allow = FM_WARMUP_BASE + FM_WARMUP_PER_BYTE * k;
    f->reanchored = 0;
    f->repicks = 0;
    f->repick_at = origin;
    f->miss = -1;
    f->fallback = cfg->prefilter == FM_PREFILTER_NONE;
    f->switched = 0;
    f->stop = 0;
    f->paired = 0;
    f->tw_ready = 0;
    f->use_short = cfg->fallback != FM_FALLBACK_TWOWAY;
    f->out = NULL;
    f->cap = 0;
    f->found = 0;
    f->resume = 0;
    sample = fm_sample_at(y, n, origin, k, reverse, &len);
    fm_pick_anchors(f, sample, len);
    f->pair = cfg->prefilter == FM_PREFILTER_PAIR || (fm_auto(cfg) && vector);
    if (cfg->prefilter == FM_PREFILTER_PAIR)
        f->memchr_first = 0;
    else if (!f->pair)
        f->memchr_first = 1;
    else if (f->sampled)
        f->memchr_first = f->anchor_seen == 0;
    else
        f->memchr_first = fm_byte_rank[f->c1] <= FM_MEMCHR_RANK;
    if (f->pair && !f->memchr_first && f->sampled && n >= FM_SPREAD_FROM)
        fm_spread_probes(f, sample, len);
    /* The memchr prefilter hands over as soon as its restarts cost a
     * fraction of the scan where the packed pair can take over at about
     * the same speed; without it, only when they cost the scan itself. */
    f->slack = f->pair ? FM_MEMCHR_SLACK : 1;
}

#ifdef FM_TESTING
/* Which path the search ended on, for a test that asked (cfg->trace). */
static void fm_report(const fm_finder *f)
{
    if (f->cfg->trace == NULL)
        return;
    if (f->fallback)
        *f->cfg->trace = FM_PATH_FALLBACK;
    else if (f->paired)
        *f->cfg->trace = FM_PATH_PAIR;
    else
        *f->cfg->trace = f->reanchored ? FM_PATH_REANCHORED : FM_PATH_MEMCHR;
}

static void fm_trace(const fm_config *cfg, fm_path path)
{
    if (cfg->trace != NULL)
        *cfg->trace = path;
}
#else
#  define fm_report(f) ((void)0)
#  define fm_trace(cfg, path) ((void)0)
#endif

/* The packed pair's probes chosen again (fm_repick_probes) from w[0:len],
 * bytes the search just read up to position `at`: nonzero when that
 * changed them (and then with a fresh budget), zero when they stay or
 * when FM_MAX_REPICK choices came within FM_BUDGET_SPAN of each other
 * (text whose candidates keep moving: the fallback then takes over).
 * Choices further apart are always allowed: sorted ids or timestamps make
 * any probe set dense somewhere, and a fresh choice there costs less than
 * the fallback. */
static int fm_repick(fm_finder *f, const fm_u8 *w, size_t len, ptrdiff_t at)
{
    int changed;
    const ptrdiff_t gap = at > f->repick_at ? at - f->repick_at : f->repick_at - at;
    if (f->repicks >= FM_MAX_REPICK) {
        if (gap < FM_BUDGET_SPAN)
            return 0;
        f->repicks = 0;
    }
    f->repicks++;
    f->repick_at = at;
    changed = fm_repick_probes(f, w, len);
    f->miss = -1;
    f->work = 0;
    return changed;
}

/* The memchr prefilter's charge exceeded its share of the distance
 * scanned (bytes s[0:len] just read): decide what follows.  Where the
 * packed pair may run, hand over to it, with anchors from those bytes.
 * Otherwise choose the anchor again from them, once (a byte the sample or
 * the static ranks misjudged); if that keeps it, give up on
 * prefiltering. */
static void fm_over_budget(fm_finder *f, ptrdiff_t scanned, const fm_u8 *s,
                           size_t len)
{
    if (f->pair) {
        f->switched = 1;
        fm_pick_anchors(f, s, len);
        return;
    }
    if (!f->reanchored) {
        const ptrdiff_t i1 = f->i1;
        fm_pick_anchors(f, s, len);
        if (f->i1 != i1) {
            /* No credit for the distance already scanned: at most twice
             * the work before the fallback. */
            f->reanchored = 1;
            f->work = scanned;
            return;
        }
    }
    f->fallback = 1;
}

/* ---- The memchr prefilter, then the fallback ---- */

/* Whether the prefilter's charge, weighted by how much cheaper the next
 * path would be (f->slack), exceeds the distance it covered.  Past
 * FM_BUDGET_SPAN the account starts afresh at `here`: credit from a quiet
 * stretch does not cover a dense one after it. */
static inline int fm_over(fm_finder *f, ptrdiff_t distance, ptrdiff_t here)
{
    if (f->work * f->slack > distance + f->allow)
        return 1;
    if (distance > FM_BUDGET_SPAN) {
        f->origin = here;
        f->work = 0;
    }
    return 0;
}

/* The bytes a forward scan read last, up to `pos`, for fm_pick_anchors. */
static const fm_u8 *fm_read_before(const fm_u8 *y, ptrdiff_t pos, size_t *len)
{
    const ptrdiff_t lo = pos > FM_SAMPLE_MAX ? pos - FM_SAMPLE_MAX : 0;
    *len = (size_t)(pos - lo);
    return y + lo;
}

/* The bytes a reverse scan read last, from `from` up (within y[0:n]). */
static const fm_u8 *fm_read_after(const fm_u8 *y, ptrdiff_t n, ptrdiff_t from,
                                  size_t *len)
{
    const ptrdiff_t hi = n - from > FM_SAMPLE_MAX ? from + FM_SAMPLE_MAX : n;
    *len = (size_t)(hi - from);
    return y + from;
}

/* Bytes proven equal before a mismatch (k on a full match).
 * SAFETY: the caller guarantees cand[0:k] lies inside the haystack. */
static inline ptrdiff_t fm_confirm(const fm_u8 *cand, const fm_u8 *x,
                                   ptrdiff_t k)
{
    ptrdiff_t off = 0, blk;
    while (off < k) {
        blk = k - off;
        if (blk > FM_VERIFY_BLOCK)
            blk = FM_VERIFY_BLOCK;
        if (memcmp(cand + off, x + off, (size_t)blk) != 0)
            return off;
        off += blk;
    }
    return k;
}

/* First match starting in [pos, n - k], or -1.  Requires 2 <= k <= n.
 * -2 when the memchr prefilter stopped paying and the packed pair takes
 * over from f->stop.  Repeated callers (count, find_all) keep the two-way
 * tables across calls. */
static ptrdiff_t fm_next_forward(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                                 ptrdiff_t pos)
{
    const fm_u8 *x = f->x;
    const ptrdiff_t k = f->k, last = n - k;
    /* Matches return before the budget test below, so a caller that keeps
     * coming back (count, find_all) through dense true matches settles its
     * account here. */
    size_t len;
    const fm_u8 *s;
    if (!f->fallback && fm_over(f, pos - f->origin, pos)) {
        s = fm_read_before(y, pos, &len);
        fm_over_budget(f, pos - f->origin, s, len);
    }
    while (!f->fallback && !f->switched) {
        const ptrdiff_t i1 = f->i1, i2 = f->i2;
        const fm_u8 c1 = f->c1;
        const fm_u8 c2 = f->c2;
        int again = 0;
        while (pos <= last) {
            ptrdiff_t p, eq;
            /* SAFETY: the anchor of a candidate p in [pos, last] sits at
             * y[p + i1], inside y[pos + i1, last + i1], and last + i1 < n
             * because i1 < k. */
            p = f->ops->byte_find(y + pos + i1, (size_t)(last - pos + 1), c1);
            if (p < 0)
                return -1;
            p += pos;
            /* SAFETY: p <= last, so y[p, p + k) is inside the haystack. */
            eq = y[p + i2] == c2 ? fm_confirm(y + p, x, k) : 0;
            if (eq == k)
                return p;
            /* A failed candidate is charged; a match pays for itself. */
            f->work += FM_COST_VERIFY + FM_COST_RESTART + eq;
            pos = p + 1;
            if (fm_over(f, pos - f->origin, pos)) {
                /* Re-anchored (go round with the new bytes), handed over
                 * or fallen back. */
                s = fm_read_before(y, pos, &len);
                fm_over_budget(f, pos - f->origin, s, len);
                again = 1;
                break;
            }
        }
        if (!again)
            return -1;
    }
    if (f->switched && !f->fallback) {
        f->stop = pos;
        return -2;
    }
    if (pos > last)
        return -1;
    if (k <= FM_SHORT_NEEDLE && f->use_short)
        /* SAFETY: windows y[j, j + k) for j in [pos, last] end by n. */
        return fm_short_find(y, (size_t)n, x, (size_t)k, pos, last);
    if (!f->tw_ready) {
        fm_tw_init(&f->tw, x, k, 0);
        f->tw_ready = 1;
    }
    return fm_tw_forward(&f->tw, y, n, x, k, pos, NULL);
}

/* Last match starting in [0, hi], or -1.  Requires 2 <= k, hi <= n - k.
 * -2 as fm_next_forward. */
static ptrdiff_t fm_next_reverse(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                                 ptrdiff_t hi)
{
    const fm_u8 *x = f->x;
    const ptrdiff_t k = f->k;
    while (!f->fallback && !f->switched) {
        const ptrdiff_t i1 = f->i1, i2 = f->i2;
        const fm_u8 c1 = f->c1;
        const fm_u8 c2 = f->c2;
        int again = 0;
        while (hi >= 0) {
            ptrdiff_t p, eq;
            /* SAFETY: anchors of candidates p in [0, hi] lie in
             * y[i1, hi + i1], and hi + i1 <= n - k + k - 1 < n. */
            p = f->ops->byte_rfind(y + i1, (size_t)(hi + 1), c1);
            if (p < 0)
                return -1;
            /* SAFETY: 0 <= p <= hi <= n - k. */
            eq = y[p + i2] == c2 ? fm_confirm(y + p, x, k) : 0;
            if (eq == k)
                return p;
            f->work += FM_COST_VERIFY + FM_COST_RESTART + eq;
            hi = p - 1;
            if (fm_over(f, f->origin - hi, hi)) {
                size_t len;
                const fm_u8 *s = fm_read_after(y, n, p, &len);
                fm_over_budget(f, f->origin - hi, s, len);
                again = 1;
                break;
            }
        }
        if (!again)
            return -1;
    }
    if (f->switched && !f->fallback) {
        f->stop = hi;
        return -2;
    }
    if (hi < 0)
        return -1;
    if (k <= FM_SHORT_NEEDLE && f->use_short)
        /* SAFETY: windows y[j, j + k) for j in [0, hi] end by n. */
        return fm_short_rfind(y, (size_t)n, x, (size_t)k, 0, hi);
    if (!f->tw_ready) {
        fm_tw_init(&f->tw, x, k, 1);
        f->tw_ready = 1;
    }
    return fm_tw_reverse(&f->tw, y, x, k, hi);
}

/* Matches starting in [pos, n - k], counted by the linear fallback in one
 * go (they may be dense here). */
static ptrdiff_t fm_count_rest(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                               ptrdiff_t pos)
{
    const ptrdiff_t k = f->k;
    ptrdiff_t c = 0;
    if (pos > n - k)
        return 0;
    /* SAFETY: windows start in [pos, n - k], inside the haystack. */
    if (k <= FM_SHORT_NEEDLE && f->use_short)
        return (ptrdiff_t)fm_short_count(y, (size_t)n, f->x, (size_t)k, pos);
    if (!f->tw_ready) {
        fm_tw_init(&f->tw, f->x, k, 0);
        f->tw_ready = 1;
    }
    fm_tw_forward(&f->tw, y, n, f->x, k, pos, &c);
    return c;
}

/* Hand a forward scan from pos to the packed pair, writing to out[0:cap]
 * (out NULL: count only).  When its candidates overrun the budget, the
 * probes are chosen again from the bytes just read and the scan goes on
 * with a fresh budget (fm_repick); once that no longer changes them, BUDGET
 * and the fallback takes over at f->resume. */
static int fm_pair_forward(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                           ptrdiff_t pos, ptrdiff_t *out, size_t cap)
{
    int st;
    size_t len;
    const fm_u8 *s;
    f->out = out;
    f->cap = cap;
    f->found = 0;
    f->paired = 1;
    for (;;) {
        f->origin = pos;
        f->work = 0;
        f->slack = f->repicks < FM_MAX_REPICK ? FM_PAIR_SLACK : 1;
        st = f->ops->pair_forward(f, y, n, pos);
        if (st != FM_PAIR_BUDGET)
            return st;
        pos = f->resume;
        s = fm_read_before(y, pos, &len);
        if (!fm_repick(f, s, len, pos)) {
            f->fallback = 1;
            return st;
        }
    }
}

static int fm_pair_reverse(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                           ptrdiff_t hi)
{
    int st;
    size_t len;
    const fm_u8 *s;
    f->paired = 1;
    for (;;) {
        f->origin = hi;
        f->work = 0;
        f->slack = f->repicks < FM_MAX_REPICK ? FM_PAIR_SLACK : 1;
        st = f->ops->pair_reverse(f, y, hi);
        if (st != FM_PAIR_BUDGET)
            return st;
        hi = f->resume;
        s = fm_read_after(y, n, hi + 1, &len);
        if (!fm_repick(f, s, len, hi)) {
            f->fallback = 1;
            return st;
        }
    }
}

/* ---- The searches (search.h states their contracts) ---- */

ptrdiff_t fm_find(const fm_config *cfg, const fm_u8 *y, ptrdiff_t n,
                  const fm_u8 *x, ptrdiff_t k)
{
    fm_finder f;
    ptrdiff_t p = -1, pos = 0;
    fm_trace(cfg, FM_PATH_MEMCHR);
    if (k == 0)
        return 0;
    if (k > n)
        return -1;
    if (k == 1) {
        /* SAFETY: n >= 1 readable bytes at y. */
        return cfg->ops->byte_find(y, (size_t)n, x[0]);
    }
    /* A match right at the start (k == n included) costs one compare,
     * before any set-up.  SAFETY: k <= n. */
    if (y[0] == x[0] && memcmp(y, x, (size_t)k) == 0)
        return 0;
    if (k == n)
        return -1;
    if (fm_skips(cfg, n, k)) {
        p = fm_skip_find(y, n, x, k, &pos);
        if (p >= 0 || pos > n - k) {
            fm_trace(cfg, FM_PATH_SKIP);
            return p;
        }
    }
    fm_finder_init(&f, cfg, x, k, y, n, pos, 0);
    if (!f.fallback && f.memchr_first) {
        p = fm_next_forward(&f, y, n, pos);
        if (p != -2) {
            fm_report(&f);
            return p;
        }
        pos = f.stop;
    }
    if (!f.fallback && f.pair) {
        const int st = fm_pair_forward(&f, y, n, pos, &p, 1);
        if (st != FM_PAIR_BUDGET) {
            fm_report(&f);
            return st == FM_PAIR_FULL ? p : -1;
        }
        pos = f.resume;
    }
    p = fm_next_forward(&f, y, n, pos);
    fm_report(&f);
    return p;
}

ptrdiff_t fm_rfind(const fm_config *cfg, const fm_u8 *y, ptrdiff_t n,
                   const fm_u8 *x, ptrdiff_t k)
{
    fm_finder f;
    ptrdiff_t p, hi = n - k;
    fm_trace(cfg, FM_PATH_MEMCHR);
    if (k == 0)
        return n;
    if (k > n)
        return -1;
    if (k == 1) {
        /* SAFETY: n >= 1 readable bytes at y. */
        return cfg->ops->byte_rfind(y, (size_t)n, x[0]);
    }
    /* A match flush with the end: one compare, before any set-up.
     * SAFETY: hi = n - k >= 0, so y[hi, n) is inside the haystack. */
    if (y[n - 1] == x[k - 1] && memcmp(y + hi, x, (size_t)k) == 0)
        return hi;
    if (k == n)
        return -1;
    if (fm_skips(cfg, n, k)) {
        p = fm_skip_rfind(y, n, x, k, &hi);
        if (p >= 0 || hi < 0) {
            fm_trace(cfg, FM_PATH_SKIP);
            return p;
        }
    }
    fm_finder_init(&f, cfg, x, k, y, n, hi, 1);
    if (!f.fallback && f.memchr_first) {
        p = fm_next_reverse(&f, y, n, hi);
        if (p != -2) {
            fm_report(&f);
            return p;
        }
        hi = f.stop;
    }
    if (!f.fallback && f.pair) {
        const int st = fm_pair_reverse(&f, y, n, hi);
        if (st != FM_PAIR_BUDGET) {
            fm_report(&f);
            return st == FM_PAIR_FULL ? f.resume : -1;
        }
        hi = f.resume;
    }
    p = fm_next_reverse(&f, y, n, hi);
    fm_report(&f);
    return p;
}

ptrdiff_t fm_count(const fm_config *cfg, const fm_u8 *y, ptrdiff_t n,
                   const fm_u8 *x, ptrdiff_t k)
{
    fm_finder f;
    ptrdiff_t p, pos = 0, c = 0;
    fm_trace(cfg, FM_PATH_MEMCHR);
    if (k == 0)
        return n + 1;
    if (k > n)
        return 0;
    if (k == 1)
        /* SAFETY: n >= 1 readable bytes at y. */
        return (ptrdiff_t)cfg->ops->count_byte(y, (size_t)n, x[0]);
    /* One state for the whole scan: its budget spans every match, so the
     * total work stays linear however many matches there are. */
    fm_finder_init(&f, cfg, x, k, y, n, 0, 0);
    if (!f.fallback && f.memchr_first) {
        /* One call per match; ends at the end of the haystack, in the
         * fallback or by handing over to the packed pair. */
        for (;;) {
            p = fm_next_forward(&f, y, n, pos);
            if (p == -1) {
                fm_report(&f);
                return c;
            }
            if (p == -2) {
                pos = f.stop;
                break;
            }
            c++;
            pos = p + k;
            if (f.fallback)
                break;
        }
    }
    if (!f.fallback && f.pair) {
        /* The pair counts every match from its masks. */
        const int st = fm_pair_forward(&f, y, n, pos, NULL, (size_t)-1);
        c += (ptrdiff_t)f.found;
        if (st != FM_PAIR_BUDGET) {
            fm_report(&f);
            return c;
        }
        pos = f.resume;
    }
    c += fm_count_rest(&f, y, n, pos);
    fm_report(&f);
    return c;
}

/* Whether the 1-byte find_all uses the ISA's block kernel (else memchr). */
static int fm_byte_blocks(const fm_config *cfg)
{
    return cfg->prefilter == FM_PREFILTER_PAIR || (fm_auto(cfg) && cfg->ops->vector);
}

ptrdiff_t fm_find_all(const fm_config *cfg, const fm_u8 *y, ptrdiff_t n,
                      const fm_u8 *x, ptrdiff_t k, ptrdiff_t *out,
                      ptrdiff_t cap, ptrdiff_t *resume)
{
    fm_finder f;
    ptrdiff_t p, pos = 0, w = 0;
    fm_trace(cfg, FM_PATH_MEMCHR);
    if (cap <= 0) {
        *resume = 0;
        return 0;
    }
    if (k <= 0 || k > n) {
        *resume = n;
        return 0;
    }
    if (k == 1) {
        const fm_u8 c = x[0];
        if (fm_byte_blocks(cfg)) {
            size_t res = 0;
            /* SAFETY: n >= 1 bytes at y, cap >= 1 slots at out. */
            w = (ptrdiff_t)cfg->ops->byte_all(NULL, y, (size_t)n, x[0], out,
                                              (size_t)cap, &res);
            *resume = (ptrdiff_t)res;
            return w;
        }
        while (w < cap) {
            /* SAFETY: pos <= n, so y[pos, n) is inside the haystack. */
            const ptrdiff_t r = cfg->ops->byte_find(y + pos, (size_t)(n - pos), c);
            if (r < 0) {
                pos = n;
                break;
            }
            p = pos + r;
            out[w++] = p;
            pos = p + 1;
        }
        *resume = pos;
        return w;
    }
    fm_finder_init(&f, cfg, x, k, y, n, 0, 0);
    if (!f.fallback && f.memchr_first) {
        while (w < cap) {
            p = fm_next_forward(&f, y, n, pos);
            if (p == -1) {
                *resume = n;
                fm_report(&f);
                return w;
            }
            if (p == -2) {
                pos = f.stop;
                break;
            }
            out[w++] = p;
            pos = p + k;
            if (f.fallback)
                break;
        }
    }
    if (w < cap && !f.fallback && f.pair) {
        const int st = fm_pair_forward(&f, y, n, pos, out + w,
                                       (size_t)(cap - w));
        w += (ptrdiff_t)f.found;
        if (st != FM_PAIR_BUDGET) {
            *resume = st == FM_PAIR_FULL ? f.resume : n;
            fm_report(&f);
            return w;
        }
        pos = f.resume;
    }
    /* The fallback (or what the memchr prefilter left), one call per match. */
    while (w < cap) {
        p = fm_next_forward(&f, y, n, pos);
        if (p < 0) {
            pos = n;
            break;
        }
        out[w++] = p;
        pos = p + k;
    }
    *resume = pos;
    fm_report(&f);
    return w;
}

ptrdiff_t fm_copy_find_all_byte(const fm_config *cfg, fm_u8 *dst,
                                const fm_u8 *y, ptrdiff_t n, fm_u8 c,
                                ptrdiff_t *out, ptrdiff_t cap,
                                ptrdiff_t *resume)
{
    if (fm_byte_blocks(cfg) && n >= 1 && cap >= 1) {
        size_t res = 0;
        /* One pass: the block loop stores what it loads.
         * SAFETY: n bytes at y and at dst (apart), cap slots at out. */
        const ptrdiff_t w = (ptrdiff_t)cfg->ops->byte_all(
            dst, y, (size_t)n, c, out, (size_t)cap, &res);
        *resume = (ptrdiff_t)res;
        return w;
    }
    memcpy(dst, y, (size_t)n);
    return fm_find_all(cfg, dst, n, &c, 1, out, cap, resume);
}
