/*
 * The linear fallbacks: a word compare per window for needles of up to
 * FM_SHORT_NEEDLE bytes, and Crochemore-Perrin two-way in both directions
 * (reverse is the forward algorithm on the reversed strings), with a
 * Horspool-style skip taken only while the matcher holds no memory, which
 * keeps the linear bound.
 */
#include "internal.h"

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

ptrdiff_t fm_short_find(const fm_u8 *y, size_t n, const fm_u8 *x,
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
size_t fm_short_count(const fm_u8 *y, size_t n, const fm_u8 *x,
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
ptrdiff_t fm_short_rfind(const fm_u8 *y, size_t n, const fm_u8 *x,
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

void fm_tw_init(fm_twoway *tw, const fm_u8 *x, ptrdiff_t k, int rev)
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
ptrdiff_t fm_tw_forward(const fm_twoway *tw, const fm_u8 *y,
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
ptrdiff_t fm_tw_reverse(const fm_twoway *tw, const fm_u8 *y,
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
