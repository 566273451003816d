/*
 * The search drivers: needle analysis, the memchr prefilter, the linear
 * fallbacks (word compare, two-way, libc memmem), and find / rfind / count
 * / find_all / copy_find_all_byte, each written once on top of the ISA's
 * block kernels (kernels.h, through cfg->ops).
 *
 * Strategy for needles of two bytes or more:
 *
 * - Memchr prefilter: anchor on the needle byte fm_byte_rank says is
 *   rarest, let the ISA's byte scan (ops->byte_find / byte_rfind: the
 *   block kernel on x86-64, libc's memchr/memrchr elsewhere) skip to its
 *   next occurrence, test a second rare byte, then confirm.  On real data
 *   the anchor is usually absent or sparse.
 * - Packed pair (ISAs with vector blocks): compare a block of candidates
 *   at three needle offsets at once and verify only the survivors; a
 *   needle of common bytes (b" the ") still rarely matches at all three,
 *   so the scan runs at memory bandwidth.  With a rare anchor the memchr
 *   prefilter runs first and hands over when the anchor proves dense.
 * - Budget (internal.h's cost model): prefilters that stop paying hand
 *   over -- memchr to the packed pair, or, without one, to its swapped
 *   anchors once, then to the fallback; the packed pair to the fallback.
 * - Fallback: a word compare per window for needles of up to 8 bytes;
 *   longer ones Crochemore-Perrin two-way in both directions (reverse is
 *   the forward algorithm on the reversed strings), with a Horspool-style
 *   skip taken only while the matcher holds no memory, which keeps the
 *   linear bound.  A one-shot find hands over to glibc's memmem instead
 *   (two-way based and tuned); other libcs make no linearity promise.
 *   count and find_all keep one matcher across matches.
 */
#include "internal.h"

/* glibc's memmem is linear in the worst case (two-way based); other libcs
 * do not promise it (older BSD and macOS ones are quadratic). */
#if defined(__GLIBC__)
#  define FM_MEMMEM_IS_LINEAR 1
#else
#  define FM_MEMMEM_IS_LINEAR 0
#endif

/* How common each byte value is in typical files, 0 = rarest, 255 = most
 * common.  Hand-written estimates: NUL and space lead, then lowercase letters
 * in English frequency order, newline, prose punctuation, uppercase letters,
 * code punctuation, digits (rare in prose), then uncommon symbols such as
 * '#', '~', '^', control bytes and non-ASCII bytes.  Only the order matters:
 * the prefilters anchor on the needle bytes ranked lowest. */
#ifndef FM_TESTING
static
#endif
const unsigned char fm_byte_rank[256] = {
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

/* ---- Needle analysis ---- */

/* Choose, in one pass over the needle:
 * - i1: the rarest byte (first offset of the lowest rank);
 * - i2: the rarest byte of another value (same rule): the same value at
 *   another offset filters much less where that byte comes in runs;
 * - i3: the rarest byte at an offset other than i1 and i2 (i2 itself when
 *   k == 2), which the packed pair compares too: it cuts candidates
 *   sharply when the two rarest bytes form a common pair (b"th" in
 *   b" the ").
 * i3 comes from the three lowest ranks overall (t1 <= t2 <= t3, first
 * offset on ties): t1 is i1, and t2 or t3 is the best offset that is
 * neither i1 nor i2. */
static void fm_pick_anchors(fm_finder *f)
{
    const fm_u8 *x = f->x;
    const ptrdiff_t k = f->k;
    ptrdiff_t i, t1 = 0, t2 = -1, t3 = -1, ib = -1, i2, i3;
    int r, r1 = fm_byte_rank[x[0]], r2 = 256, r3 = 256, rb = 256;
    for (i = 1; i < k; i++) {
        r = fm_byte_rank[x[i]];
        if (r < r3) {
            if (r < r2) {
                r3 = r2;
                t3 = t2;
                if (r < r1) {
                    /* A strictly lower rank means another value: every
                     * byte seen so far differs from it, and the old best
                     * was the rarest of them. */
                    r2 = r1;
                    t2 = t1;
                    r1 = r;
                    t1 = i;
                    rb = r2;
                    ib = t2;
                    continue;
                }
                r2 = r;
                t2 = i;
            } else {
                r3 = r;
                t3 = i;
            }
        }
        if (r < rb && x[i] != x[t1]) {
            rb = r;
            ib = i;
        }
    }
    i2 = ib;
    if (i2 < 0)
        i2 = t1 != k - 1 ? k - 1 : 0;
    i3 = t2 != i2 ? t2 : t3;
    if (i3 < 0)
        i3 = i2;
    f->i1 = t1;
    f->i2 = i2;
    f->i3 = i3;
    f->c1 = x[t1];
    f->c2 = x[i2];
    f->c3 = x[i3];
}

#ifdef FM_TESTING
void fm_anchors(const unsigned char *x, ptrdiff_t k, ptrdiff_t out[3])
{
    fm_finder f;
    f.x = x;
    f.k = k;
    fm_pick_anchors(&f);
    out[0] = f.i1;
    out[1] = f.i2;
    out[2] = f.i3;
}
#endif

/* The state for one search of x (k >= 2) whose scan begins at `origin`
 * (the end, for a reverse one), with the configuration's policy. */
static void fm_finder_init(fm_finder *f, const fm_config *cfg,
                           const fm_u8 *x, ptrdiff_t k, ptrdiff_t origin)
{
    const int vector = cfg->ops->vector;
    f->cfg = cfg;
    f->ops = cfg->ops;
    f->x = x;
    f->k = k;
    f->origin = origin;
    f->work = 0;
    f->allow = FM_WARMUP_BASE + FM_WARMUP_PER_BYTE * k;
    f->cands = 0;
    f->pass2 = 0;
    f->reanchored = 0;
    f->fallback = cfg->prefilter == FM_PREFILTER_NONE;
    f->switched = 0;
    f->stop = 0;
    f->paired = 0;
    f->tw_ready = 0;
    f->use_short = cfg->fallback != FM_FALLBACK_TWOWAY;
    f->use_memmem = cfg->fallback == FM_FALLBACK_AUTO;
    f->out = NULL;
    f->cap = 0;
    f->found = 0;
    f->resume = 0;
    fm_pick_anchors(f);
    f->pair = cfg->prefilter == FM_PREFILTER_PAIR
              || (cfg->prefilter == FM_PREFILTER_AUTO && vector);
    f->memchr_first = cfg->prefilter == FM_PREFILTER_PAIR ? 0
                      : !f->pair || fm_byte_rank[f->c1] <= FM_MEMCHR_RANK;
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

/* The memchr prefilter's charge exceeded the distance scanned: decide
 * what follows.  Where the packed pair may run, hand over to it.
 * Otherwise, if the anchor proved dense while the second byte rarely
 * matched, the static ranks guessed wrong for this haystack: swap the two
 * (once) with a fresh budget, which at most doubles the work.  Otherwise
 * give up on prefiltering. */
static void fm_over_budget(fm_finder *f, ptrdiff_t scanned)
{
    if (f->pair) {
        f->switched = 1;
        return;
    }
    if (!f->reanchored && f->c1 != f->c2 && f->pass2 * 8 <= f->cands) {
        const ptrdiff_t t = f->i1;
        const fm_u8 c = f->c1;
        f->i1 = f->i2;
        f->i2 = t;
        f->c1 = f->c2;
        f->c2 = c;
        f->reanchored = 1;
        f->work = scanned;
        f->cands = 0;
        f->pass2 = 0;
        return;
    }
    f->fallback = 1;
}

/* ---- Word-compare helpers ---- */

/* Little-endian GCC/Clang compare eight bytes per step; elsewhere bytes. */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#  define FM_WORD_COMPARE 1
#else
#  define FM_WORD_COMPARE 0
#endif

/* Length of the longest common prefix of a[0:n] and b[0:n]. */
static inline size_t fm_common_prefix(const fm_u8 *a, const fm_u8 *b,
                                      size_t n)
{
    size_t i = 0;
#if FM_WORD_COMPARE
    while (i + 8 <= n) {
        uint64_t wa, wb;
        memcpy(&wa, a + i, 8);
        memcpy(&wb, b + i, 8);
        if (wa != wb)
            return i + fm_first_diff(wa ^ wb);
        i += 8;
    }
#endif
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Length of the longest common suffix of a_end[-n:0] and b_end[-n:0]. */
static inline size_t fm_common_suffix(const fm_u8 *a_end, const fm_u8 *b_end,
                                      size_t n)
{
    size_t i = 0;
#if FM_WORD_COMPARE
    while (i + 8 <= n) {
        uint64_t wa, wb;
        memcpy(&wa, a_end - i - 8, 8);
        memcpy(&wb, b_end - i - 8, 8);
        if (wa != wb)
            return i + ((size_t)(63u - fm_top64(wa ^ wb)) >> 3);
        i += 8;
    }
#endif
    while (i < n && a_end[-1 - (ptrdiff_t)i] == b_end[-1 - (ptrdiff_t)i])
        i++;
    return i;
}

/* Needles of 2..8 bytes: one word compare per window, O(1) per position
 * whatever the data: the linear fallback for short needles (cheaper per
 * window than two-way, which matters when matches are dense).  Windows are
 * y[j, j + k) with j in [lo, hi], hi <= n - k. */
static inline uint64_t fm_load_tail(const fm_u8 *p, size_t k)
{
    uint64_t w = 0;
    memcpy(&w, p, k);
    return w;
}

static ptrdiff_t fm_short_find(const fm_u8 *y, size_t n, const fm_u8 *x,
                               size_t k, ptrdiff_t lo, ptrdiff_t hi)
{
    ptrdiff_t j = lo;
#if FM_WORD_COMPARE
    const uint64_t mask = k >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * k)) - 1);
    const uint64_t nw = fm_load_tail(x, k);
    /* Full 8-byte loads stay inside y while j + 8 <= n. */
    const ptrdiff_t wide_hi = (ptrdiff_t)n - 8;
    for (; j <= hi && j <= wide_hi; j++) {
        uint64_t w;
        memcpy(&w, y + j, 8);
        if (((w ^ nw) & mask) == 0)
            return j;
    }
    for (; j <= hi; j++) {
        if (fm_load_tail(y + j, k) == nw)
            return j;
    }
#else
    (void)n;
    for (; j <= hi; j++) {
        if (y[j] == x[0] && memcmp(y + j, x, k) == 0)
            return j;
    }
#endif
    return -1;
}

/* Non-overlapping matches among windows starting in [lo, n - k], left to
 * right: the rest of a count once matches proved dense, with no call per
 * match. */
static size_t fm_short_count(const fm_u8 *y, size_t n, const fm_u8 *x,
                             size_t k, ptrdiff_t lo)
{
    const ptrdiff_t hi = (ptrdiff_t)n - (ptrdiff_t)k;
    size_t c = 0;
    ptrdiff_t j = lo;
#if FM_WORD_COMPARE
    const uint64_t mask = k >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * k)) - 1);
    const uint64_t nw = fm_load_tail(x, k);
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
        if (fm_load_tail(y + j, k) == nw) {
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

/* As fm_short_find, scanning j from hi down to lo. */
static ptrdiff_t fm_short_rfind(const fm_u8 *y, size_t n, const fm_u8 *x,
                                size_t k, ptrdiff_t lo, ptrdiff_t hi)
{
    ptrdiff_t j = hi;
#if FM_WORD_COMPARE
    const uint64_t mask = k >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * k)) - 1);
    const uint64_t nw = fm_load_tail(x, k);
    const ptrdiff_t wide_hi = (ptrdiff_t)n - 8;
    for (; j >= lo && j > wide_hi; j--) {
        if (fm_load_tail(y + j, k) == nw)
            return j;
    }
    for (; j >= lo; j--) {
        uint64_t w;
        memcpy(&w, y + j, 8);
        if (((w ^ nw) & mask) == 0)
            return j;
    }
#else
    (void)n;
    for (; j >= lo; j--) {
        if (y[j] == x[0] && memcmp(y + j, x, k) == 0)
            return j;
    }
#endif
    return -1;
}

/* ---- Two-way ---- */

static inline fm_u8 fm_nb(const fm_u8 *x, ptrdiff_t k, ptrdiff_t i, int rev)
{
    /* SAFETY: 0 <= i < k, so x[i] and x[k - 1 - i] are needle bytes. */
    return rev ? x[k - 1 - i] : x[i];
}

/* Maximal suffix of the (possibly reversed) needle for the byte order
 * (flip 0) or its reverse (flip 1), with that suffix's period.  `m` is the
 * start of the best suffix so far minus one, `j + q` the byte compared
 * against its counterpart `m + q`. */
static void fm_max_suffix(const fm_u8 *x, ptrdiff_t k, int rev, int flip,
                          ptrdiff_t *ell, ptrdiff_t *per)
{
    ptrdiff_t m = -1, j = 0, q = 1, p = 1;
    while (j + q < k) {
        const fm_u8 a = fm_nb(x, k, j + q, rev), b = fm_nb(x, k, m + q, rev);
        if (flip ? a > b : a < b) {
            /* The suffix at j + 1 loses: skip it, the period grows. */
            j += q;
            q = 1;
            p = j - m;
        } else if (a == b) {
            if (q != p) {
                q++;
            } else {
                j += p;
                q = 1;
            }
        } else {
            /* The suffix at j + 1 wins: restart from it. */
            m = j;
            j = m + 1;
            q = 1;
            p = 1;
        }
    }
    *ell = m;
    *per = p;
}

static void fm_tw_init(fm_twoway *tw, const fm_u8 *x, ptrdiff_t k, int rev)
{
    ptrdiff_t ell1, per1, ell2, per2, ell, per, i;
    int periodic;
    fm_max_suffix(x, k, rev, 0, &ell1, &per1);
    fm_max_suffix(x, k, rev, 1, &ell2, &per2);
    if (ell1 > ell2) {
        ell = ell1;
        per = per1;
    } else {
        ell = ell2;
        per = per2;
    }
    /* Periodic iff the left part reappears one period later. */
    periodic = per + ell + 1 <= k;
    for (i = 0; periodic && i <= ell; i++) {
        if (fm_nb(x, k, i, rev) != fm_nb(x, k, i + per, rev))
            periodic = 0;
    }
    if (!periodic)
        per = (ell + 1 > k - ell - 1 ? ell + 1 : k - ell - 1) + 1;
    tw->ell = ell;
    tw->per = per;
    tw->periodic = periodic;
    /* Edge-byte skip: distance from the last needle position to the
     * nearest earlier occurrence (in search direction) of that byte, k when
     * absent, 0 for the needle's own last byte. */
    for (i = 0; i < 256; i++)
        tw->skip[i] = k;
    for (i = 0; i < k - 1; i++)
        tw->skip[fm_nb(x, k, i, rev)] = k - 1 - i;
    tw->skip[fm_nb(x, k, k - 1, rev)] = 0;
}

/* First match starting in [j, n - k], or -1.  Requires 2 <= k <= n.  With
 * `nmatch`, counts every non-overlapping match from j on into *nmatch
 * instead (and returns -1): no call per match when they are dense. */
static ptrdiff_t fm_tw_forward(const fm_twoway *tw, const fm_u8 *y,
                               ptrdiff_t n, const fm_u8 *x, ptrdiff_t k,
                               ptrdiff_t j, ptrdiff_t *nmatch)
{
    const ptrdiff_t last = n - k, ell = tw->ell, per = tw->per;
    const int periodic = tw->periodic;
    ptrdiff_t i, r, s, mem = -1;
    /* SAFETY: every window is y[j, j + k) with 0 <= j <= last = n - k; the
     * right-part scan reads x/y[r, k) and the left-part scan reads
     * x/y[mem + 1, ell + 1) of that window, both inside it. */
    while (j <= last) {
        fm_prefetch_at(y + j, k + FM_TWOWAY_PREFETCH);
        if (mem < 0) {
            /* Skips only while no memory is held: skipping with memory
             * would discard verified bytes and break the linear bound. */
            s = tw->skip[y[j + k - 1]];
            if (s == 1) {
                /* Runs of 1-byte skips: step by a constant, so the next
                 * load does not wait on a table lookup. */
                j++;
                while (j <= last && tw->skip[y[j + k - 1]] == 1)
                    j++;
                continue;
            }
            if (s) {
                j += s;
                continue;
            }
        }
        r = (ell > mem ? ell : mem) + 1;
        i = r + (ptrdiff_t)fm_common_prefix(x + r, y + j + r, (size_t)(k - r));
        if (i < k) {
            j += i - ell;
            mem = -1;
            continue;
        }
        /* Right part matched: check the left part, top down, above mem. */
        if (ell > mem && (ptrdiff_t)fm_common_suffix(
                x + ell + 1, y + j + ell + 1, (size_t)(ell - mem)) < ell - mem) {
            j += per;
            mem = periodic ? k - per - 1 : -1;
            continue;
        }
        if (nmatch == NULL)
            return j;
        /* Non-overlapping: resume after the match, nothing remembered. */
        (*nmatch)++;
        j += k;
        mem = -1;
    }
    return -1;
}

/* Last match starting in [0, s], or -1.  Requires 2 <= k <= n, s <= n - k,
 * and `tw` from fm_tw_init(rev = 1): the forward algorithm on reversed
 * strings, where needle index i (from the needle's end) meets haystack
 * byte s + k - 1 - i and advancing the window moves s down. */
static ptrdiff_t fm_tw_reverse(const fm_twoway *tw, const fm_u8 *y,
                               const fm_u8 *x, ptrdiff_t k, ptrdiff_t s)
{
    const ptrdiff_t ell = tw->ell, per = tw->per;
    const int periodic = tw->periodic;
    ptrdiff_t i, r, d, mem = -1;
    const fm_u8 *w;
    /* SAFETY: every window is w = y + s, w[0:k) with 0 <= s <= n - k.
     * Reverse index i maps to forward offset k - 1 - i, so the right-part
     * scan (i in [r, k)) reads offsets [0, k - r) and the left-part scan
     * (i in (mem, ell]) reads [k - 1 - ell, k - 1 - mem), inside it. */
    while (s >= 0) {
        fm_prefetch_at(y + s, -FM_TWOWAY_PREFETCH);
        if (mem < 0) {
            d = tw->skip[y[s]];
            if (d == 1) {
                s--;
                while (s >= 0 && tw->skip[y[s]] == 1)
                    s--;
                continue;
            }
            if (d) {
                s -= d;
                continue;
            }
        }
        w = y + s;
        r = (ell > mem ? ell : mem) + 1;
        i = r + (ptrdiff_t)fm_common_suffix(x + k - r, w + k - r, (size_t)(k - r));
        if (i < k) {
            s -= i - ell;
            mem = -1;
            continue;
        }
        if (ell > mem && (ptrdiff_t)fm_common_prefix(
                x + k - 1 - ell, w + k - 1 - ell, (size_t)(ell - mem)) < ell - mem) {
            s -= per;
            mem = periodic ? k - per - 1 : -1;
            continue;
        }
        return s;
    }
    return -1;
}

/* ---- The memchr prefilter, then the fallback ---- */

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
 * over from f->stop.  `oneshot` (find) may hand the rest to libc memmem;
 * repeated callers (count, find_all) keep the two-way tables instead. */
static ptrdiff_t fm_next_forward(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                                 ptrdiff_t pos, int oneshot)
{
    const fm_u8 *x = f->x;
    const ptrdiff_t k = f->k, last = n - k;
    /* Matches return before the budget test below, so a caller that keeps
     * coming back (count, find_all) through dense true matches settles its
     * account here. */
    if (!f->fallback && f->work > (pos - f->origin) + f->allow)
        fm_over_budget(f, pos - f->origin);
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
            f->work += FM_COST_VERIFY + FM_COST_RESTART;
            f->cands++;
            /* SAFETY: p <= last, so y[p, p + k) is inside the haystack. */
            if (y[p + i2] == c2) {
                f->pass2++;
                eq = fm_confirm(y + p, x, k);
                if (eq == k)
                    return p;
                f->work += eq;
            }
            pos = p + 1;
            if (f->work > (pos - f->origin) + f->allow) {
                /* Re-anchored (go round with the new bytes), handed over
                 * or fallen back. */
                fm_over_budget(f, pos - f->origin);
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
    if (oneshot && FM_MEMMEM_IS_LINEAR && f->use_memmem) {
        /* SAFETY: pos <= last: y[pos, n) is inside and at least k long. */
        const void *r = memmem(y + pos, (size_t)(n - pos), x, (size_t)k);
        return r == NULL ? -1 : (const fm_u8 *)r - y;
    }
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
            f->work += FM_COST_VERIFY + FM_COST_RESTART;
            f->cands++;
            /* SAFETY: 0 <= p <= hi <= n - k. */
            if (y[p + i2] == c2) {
                f->pass2++;
                eq = fm_confirm(y + p, x, k);
                if (eq == k)
                    return p;
                f->work += eq;
            }
            hi = p - 1;
            if (f->work > (f->origin - hi) + f->allow) {
                fm_over_budget(f, f->origin - hi);
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
 * (out NULL: count only); on BUDGET the fallback takes over at f->resume. */
static int fm_pair_forward(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                           ptrdiff_t pos, ptrdiff_t *out, size_t cap)
{
    int st;
    f->origin = pos;
    f->work = 0;
    f->out = out;
    f->cap = cap;
    f->found = 0;
    f->paired = 1;
    st = f->ops->pair_forward(f, y, n, pos);
    if (st == FM_PAIR_BUDGET)
        f->fallback = 1;
    return st;
}

static int fm_pair_reverse(fm_finder *f, const fm_u8 *y, ptrdiff_t hi)
{
    int st;
    f->origin = hi;
    f->work = 0;
    f->paired = 1;
    st = f->ops->pair_reverse(f, y, hi);
    if (st == FM_PAIR_BUDGET)
        f->fallback = 1;
    return st;
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
    fm_finder_init(&f, cfg, x, k, 0);
    if (!f.fallback && f.memchr_first) {
        p = fm_next_forward(&f, y, n, 0, 1);
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
    p = fm_next_forward(&f, y, n, pos, 1);
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
    fm_finder_init(&f, cfg, x, k, hi);
    if (!f.fallback && f.memchr_first) {
        p = fm_next_reverse(&f, y, n, hi);
        if (p != -2) {
            fm_report(&f);
            return p;
        }
        hi = f.stop;
    }
    if (!f.fallback && f.pair) {
        const int st = fm_pair_reverse(&f, y, hi);
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
    fm_finder_init(&f, cfg, x, k, 0);
    if (!f.fallback && f.memchr_first) {
        /* One call per match; ends at the end of the haystack, in the
         * fallback or by handing over to the packed pair. */
        for (;;) {
            p = fm_next_forward(&f, y, n, pos, 0);
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
    return cfg->prefilter == FM_PREFILTER_PAIR
           || (cfg->prefilter == FM_PREFILTER_AUTO && cfg->ops->vector);
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
    fm_finder_init(&f, cfg, x, k, 0);
    if (!f.fallback && f.memchr_first) {
        while (w < cap) {
            p = fm_next_forward(&f, y, n, pos, 0);
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
        p = fm_next_forward(&f, y, n, pos, 0);
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
