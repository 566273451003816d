/*
 * The sublinear path for long needles: a skip search over checkpoints.
 *
 * Every occurrence x = y[p, p + k) contains one of the haystack positions
 * b (the checkpoints, at most S apart) at a needle offset i = b - p below
 * S, with the gram y[b, b + Q) inside it.  So it is enough to read the
 * gram at each checkpoint and look it up in a table of the needle's grams
 * x[i, i + Q), i in [0, S): each entry is a candidate p = b - i.  For
 * needles long enough to fit two strides (2 S + Q - 1 <= k), a candidate
 * must also match the gram at the next checkpoint, b + S, which the scan
 * reads anyway, before it is verified; shorter ones verify every gram hit.
 * The scan reads Q bytes out of every S: for a 4 KiB needle one cache line
 * in 32, where every other search reads them all.  Checkpoints sit on
 * Q-byte boundaries of memory (S is a multiple of Q), so a gram is one
 * load from one cache line.
 *
 * Q is 32: grams of 8 bytes recur in structured text (`", "event": "`,
 * `    return `), and each hit then costs a mispredicted branch and, once
 * verified, a read the scan meant to skip; 32-byte ones rarely repeat
 * unless the text itself does.  When it does (periodic needles and
 * haystacks), the failed candidates' charge exceeds the distance covered,
 * as for the prefilters (internal.h), and the caller's linear path takes
 * over from the first position not covered.
 */
#include "internal.h"

typedef struct {
    uint64_t w[FM_SKIP_Q / 8];
} fm_gram;

static inline fm_gram fm_gram_at(const fm_u8 *p)
{
    fm_gram g;
    memcpy(&g, p, FM_SKIP_Q);
    return g;
}

static inline int fm_gram_eq(const fm_gram *a, const fm_gram *b)
{
    return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2])
            | (a->w[3] ^ b->w[3])) == 0;
}

/* A gram's table slot (the top bits of a multiplicative hash). */
static inline unsigned fm_skip_slot(const fm_gram *g)
{
    const uint64_t h = (g->w[0] ^ g->w[2]) * 0x9E3779B97F4A7C15ull
                       + (g->w[1] ^ g->w[3]) * 0xC2B2AE3D27D4EB4Full;
    return (unsigned)(h >> (64 - FM_SKIP_BITS));
}

/* How far ahead of a checkpoint the scan prefetches: FM_SKIP_AHEAD bytes
 * (the skip steps run faster than memory answers one read, so many must
 * be in flight), and at least FM_SKIP_AHEAD_STEPS checkpoints. */
static inline ptrdiff_t fm_skip_ahead(ptrdiff_t s)
{
    const ptrdiff_t steps = FM_SKIP_AHEAD / s;
    return s * (steps > FM_SKIP_AHEAD_STEPS ? steps : FM_SKIP_AHEAD_STEPS);
}

/* The table of x's grams for a forward or a reverse scan. */
static void fm_skip_init(fm_skip *t, const fm_u8 *x, ptrdiff_t k, int reverse)
{
    ptrdiff_t i, s;
    t->two = 2 * FM_SKIP_MIN_STRIDE + FM_SKIP_Q - 1 <= k;
    s = t->two ? (k - FM_SKIP_Q + 1) / 2 : k - FM_SKIP_Q + 1;
    s -= s % FM_SKIP_Q;
    if (s > FM_SKIP_SPAN)
        s = FM_SKIP_SPAN;
    t->stride = s;
    memset(t->head, 0, sizeof(t->head));
    /* Chains list offsets from the last inserted: descending offsets for a
     * forward scan (candidates b - i ascending: the first match is the
     * first one found), ascending for a reverse one. */
    for (i = 0; i < s; i++) {
        const ptrdiff_t at = reverse ? s - 1 - i : i;
        /* SAFETY: at + Q <= s - 1 + Q <= k. */
        const fm_gram g = fm_gram_at(x + at);
        const unsigned h = fm_skip_slot(&g);
        t->next[at] = t->head[h];
        t->head[h] = (uint16_t)(at + 1);
    }
}

/* Whether the candidate cand[0:k] is a match; otherwise charges it.  A
 * verification reads lines the scan skips, so it is charged what reading
 * FM_COST_SKIP_VERIFY bytes in a row costs (a memory round trip), and the
 * skip search gives way to a full scan once its steps (FM_COST_SKIP_STEP
 * each) and its candidates cost more than reading every line would. */
static inline int fm_skip_verify(const fm_u8 *cand, const fm_u8 *x,
                                 ptrdiff_t k, ptrdiff_t *work)
{
    ptrdiff_t off = 0;
    /* SAFETY: the caller checked that cand[0:k] lies in the haystack. */
    while (off + 8 <= k) {
        uint64_t a, b;
        memcpy(&a, cand + off, 8);
        memcpy(&b, x + off, 8);
        if (a != b) {
            *work += FM_COST_SKIP_VERIFY + off;
            return 0;
        }
        off += 8;
    }
    if (memcmp(cand + off, x + off, (size_t)(k - off)) != 0) {
        *work += FM_COST_SKIP_VERIFY + off;
        return 0;
    }
    return 1;
}

/* The candidates of checkpoint b, whose gram is g and whose next
 * checkpoint's gram is up (when `two`): the first (forward) or last
 * (reverse, by the chain order) match in [lo, hi], -1 for none, or -2
 * when the charge passed `limit` before the chain's end.  Without the
 * next gram, a candidate is first compared on the other half of the
 * gram's cache line, which the gram's load brought in. */
static inline ptrdiff_t fm_skip_at(const fm_skip *t, const fm_u8 *y,
                                   const fm_u8 *x, ptrdiff_t k, ptrdiff_t b,
                                   const fm_gram *g, const fm_gram *up, int two,
                                   ptrdiff_t lo, ptrdiff_t hi, ptrdiff_t *work,
                                   ptrdiff_t limit)
{
    const ptrdiff_t s = t->stride;
    /* The line's other half: after the gram when it starts the line. */
    const ptrdiff_t half = (uintptr_t)(y + b) % (2 * FM_SKIP_Q) ? -FM_SKIP_Q : FM_SKIP_Q;
    unsigned e = t->head[fm_skip_slot(g)];
    for (; e; e = t->next[e - 1]) {
        const ptrdiff_t i = (ptrdiff_t)e - 1, p = b - i;
        fm_gram a, c;
        if (p < lo || p > hi)
            continue;
        /* SAFETY: i + S + Q <= k when two, and i + Q <= k. */
        a = fm_gram_at(x + i);
        if (!fm_gram_eq(&a, g))
            continue;
        if (two) {
            a = fm_gram_at(x + i + s);
            if (!fm_gram_eq(&a, up))
                continue;
        } else if (i + half >= 0 && i + half + FM_SKIP_Q <= k) {
            /* SAFETY: needle offsets [i + half, i + half + Q) lie in the
             * needle, so haystack bytes [b + half, b + half + Q) lie in
             * the candidate y[p, p + k), inside the haystack. */
            a = fm_gram_at(x + i + half);
            c = fm_gram_at(y + b + half);
            if (!fm_gram_eq(&a, &c))
                continue;
        }
        if (fm_skip_verify(y + p, x, k, work))
            return p;
        if (*work > limit)
            return -2;
    }
    return -1;
}

/* First match starting in [0, n - k], or -1: with *resume the first
 * candidate not ruled out when the charge ran over, else unchanged. */
static ptrdiff_t fm_skip_forward(const fm_skip *t, const fm_u8 *y, ptrdiff_t n,
                                 const fm_u8 *x, ptrdiff_t k, ptrdiff_t *resume)
{
    const ptrdiff_t s = t->stride, last = n - k, ahead = fm_skip_ahead(s);
    const ptrdiff_t allow = FM_WARMUP_BASE + FM_WARMUP_PER_BYTE * k;
    ptrdiff_t b, p, work = 0;
    fm_gram g, gn;
    /* The first checkpoint on a Q-byte boundary, less than Q <= S past the
     * first candidate, which it therefore covers. */
    b = (ptrdiff_t)((FM_SKIP_Q - ((uintptr_t)y % FM_SKIP_Q)) % FM_SKIP_Q);
    if (b > last) {
        /* No aligned checkpoint: the caller's scan takes it all. */
        *resume = 0;
        return -1;
    }
    /* SAFETY: a checkpoint b <= last reads y[b, b + Q), inside since
     * Q <= k; with t->two, also the next one's gram y[b + S, b + S + Q),
     * inside since b + S + Q <= n - k + S + Q and 2 S + Q - 1 <= k.  Each
     * step loads that gram before it walks the chain, and prefetches far
     * ahead: the loop is a chain of dependent memory reads otherwise. */
    gn = fm_gram_at(y + b);
    for (; b <= last; b += s) {
        g = gn;
        if (t->two)
            gn = fm_gram_at(y + b + s);
        fm_prefetch_at(y + b, ahead);
        p = fm_skip_at(t, y, x, k, b, &g, &gn, t->two, 0, last, &work, b + allow);
        if (p >= 0)
            return p;
        work += FM_COST_SKIP_STEP;
        if (p == -2 || work > b + allow) {
            /* Candidates below b - S + 1 are done. */
            *resume = b - s + 1 > 0 ? b - s + 1 : 0;
            return -1;
        }
        if (!t->two && b + s <= last)
            gn = fm_gram_at(y + b + s);
    }
    /* The candidates past the last checkpoint (fewer than S): one more,
     * at the last candidate, whose next gram would lie past the end. */
    if (b - s < last) {
        g = fm_gram_at(y + last);
        p = fm_skip_at(t, y, x, k, last, &g, &g, 0, b - s + 1, last, &work, last + allow);
        if (p == -2)
            *resume = b - s + 1;
        return p < 0 ? -1 : p;
    }
    return -1;
}

/* Last match starting in [0, hi], or -1: with *resume the highest
 * candidate not ruled out when the charge ran over, else unchanged. */
static ptrdiff_t fm_skip_reverse(const fm_skip *t, const fm_u8 *y, const fm_u8 *x,
                                 ptrdiff_t k, ptrdiff_t hi, ptrdiff_t *resume)
{
    const ptrdiff_t s = t->stride, ahead = fm_skip_ahead(s);
    const ptrdiff_t allow = FM_WARMUP_BASE + FM_WARMUP_PER_BYTE * k;
    ptrdiff_t b, p, work = 0, above;
    fm_gram g, up;
    memset(&up, 0, sizeof(up));
    /* The top checkpoint is the last candidate itself; the next ones sit
     * on Q-byte boundaries, the first of them at most S below it. */
    b = hi;
    above = -1;
    /* SAFETY: a checkpoint b in [0, hi] reads y[b, b + Q), with b + Q <=
     * hi + k = n; with t->two, the candidates' second gram y[b + S, b + S +
     * Q): the checkpoint above, read before, or read here (the top one and
     * the first aligned one, at most Q - 1 past the top one + S), inside
     * since S + 2 Q - 1 <= k there. */
    while (b >= 0) {
        g = fm_gram_at(y + b);
        if (t->two && above != b + s)
            up = fm_gram_at(y + b + s);
        fm_prefetch_at(y + b, -ahead);
        p = fm_skip_at(t, y, x, k, b, &g, &up, t->two, 0, hi, &work, (hi - b) + allow);
        if (p >= 0)
            return p;
        work += FM_COST_SKIP_STEP;
        if (p == -2 || work > (hi - b) + allow) {
            /* Candidates above b are done. */
            *resume = b;
            return -1;
        }
        above = b;
        up = g;
        if (b == hi)
            b += (ptrdiff_t)((FM_SKIP_Q - (uintptr_t)(y + b) % FM_SKIP_Q) % FM_SKIP_Q) - s;
        else
            b -= s;
    }
    return -1;
}

/* Each in a frame of its own: the table (12 KiB) is on the stack only
 * while a skip search runs. */
ptrdiff_t fm_skip_find(const fm_u8 *y, ptrdiff_t n, const fm_u8 *x,
                       ptrdiff_t k, ptrdiff_t *resume)
{
    fm_skip t;
    *resume = n - k + 1;
    fm_skip_init(&t, x, k, 0);
    return fm_skip_forward(&t, y, n, x, k, resume);
}

ptrdiff_t fm_skip_rfind(const fm_u8 *y, ptrdiff_t n, const fm_u8 *x,
                        ptrdiff_t k, ptrdiff_t *resume)
{
    fm_skip t;
    *resume = -1;
    fm_skip_init(&t, x, k, 1);
    return fm_skip_reverse(&t, y, x, k, n - k, resume);
}
