/*
 * Needle analysis: which needle bytes the prefilters test (the anchors),
 * from how common each byte value is.
 */
#include "internal.h"

/* How common each byte value is in typical files, 0 = rarest, 255 = most
 * common.  Hand-written estimates: NUL and space lead, then lowercase letters
 * in English frequency order, newline, prose punctuation, uppercase letters,
 * code punctuation, digits (rare in prose), then uncommon symbols such as
 * '#', '~', '^', control bytes and non-ASCII bytes.  Only the order matters:
 * the prefilters anchor on the needle bytes ranked lowest. */
#ifndef FM_TESTING
FM_HIDDEN
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

/* How rare byte c is for this search: lower is rarer.  With a sample of
 * the haystack (cnt != NULL), its count there decides, the static rank
 * breaking ties (a byte the sample lacks ranks by the table alone); a
 * function of the byte value, as the choice below relies on. */
static inline uint32_t fm_key(const uint32_t *cnt, fm_u8 c)
{
    return cnt == NULL ? fm_byte_rank[c] : (cnt[c] << 8) | fm_byte_rank[c];
}

/* Choose, in one pass over the needle:
 * - i1: the rarest byte (first offset of the lowest key);
 * - i2: the rarest byte of another value (same rule): the same value at
 *   another offset filters much less where that byte comes in runs;
 * - i3: the rarest byte at an offset other than i1 and i2 (i2 itself when
 *   k == 2), which the packed pair compares too: it cuts candidates
 *   sharply when the two rarest bytes form a common pair (b"th" in
 *   b" the ").
 * i3 comes from the three lowest keys overall (t1 <= t2 <= t3, first
 * offset on ties): t1 is i1, and t2 or t3 is the best offset that is
 * neither i1 nor i2. */
static void fm_choose(fm_finder *f, const uint32_t *cnt)
{
    const fm_u8 *x = f->x;
    const ptrdiff_t k = f->k;
    ptrdiff_t i, t1 = 0, t2 = -1, t3 = -1, ib = -1, i2, i3;
    const uint32_t none = UINT32_MAX;
    uint32_t r, r1 = fm_key(cnt, x[0]), r2 = none, r3 = none, rb = none;
    for (i = 1; i < k; i++) {
        r = fm_key(cnt, x[i]);
        if (r < r3) {
            if (r < r2) {
                r3 = r2;
                t3 = t2;
                if (r < r1) {
                    /* A strictly lower key means another value: every
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

/* Counts of each byte value in s[0:len] (len < 2^32).  Four tables, so
 * that a run of one byte value does not chain every increment on the
 * last. */
static void fm_count_bytes(const fm_u8 *s, size_t len, uint32_t cnt[256])
{
    uint32_t c[4][256];
    size_t i;
    memset(c, 0, sizeof(c));
    /* SAFETY: the caller passes len readable bytes at s. */
    for (i = 0; i + 4 <= len; i += 4) {
        c[0][s[i]]++;
        c[1][s[i + 1]]++;
        c[2][s[i + 2]]++;
        c[3][s[i + 3]]++;
    }
    for (; i < len; i++)
        c[0][s[i]]++;
    for (i = 0; i < 256; i++)
        cnt[i] = c[0][i] + c[1][i] + c[2][i] + c[3][i];
}

void fm_pick_anchors(fm_finder *f, const fm_u8 *sample, size_t len)
{
    uint32_t cnt[256];
    if (sample == NULL || len == 0) {
        fm_choose(f, NULL);
        f->sampled = 0;
        return;
    }
    fm_count_bytes(sample, len, cnt);
    fm_choose(f, cnt);
    f->sampled = 1;
    f->anchor_seen = cnt[f->c1];
}

/* Positions p of the window w[0:len] (with p + every offset inside it)
 * where x matches at the offsets o[0..2]: the candidates those probes
 * would have sent to verification there. */
static size_t fm_window_hits(const fm_u8 *w, size_t len, const fm_u8 *x,
                             const ptrdiff_t o[3])
{
    const ptrdiff_t hi = o[0] > o[1] ? (o[0] > o[2] ? o[0] : o[2]) : (o[1] > o[2] ? o[1] : o[2]);
    const fm_u8 c0 = x[o[0]], c1 = x[o[1]], c2 = x[o[2]];
    const fm_u8 *w0 = w + o[0], *w1 = w + o[1], *w2 = w + o[2];
    ptrdiff_t p;
    size_t hits = 0;
    /* SAFETY: p + o[i] <= (len - 1 - hi) + hi < len. */
    for (p = 0; p < (ptrdiff_t)len - hi; p++)
        hits += (w0[p] == c0) & (w1[p] == c1) & (w2[p] == c2);
    return hits;
}

/* Of the offset triples t[0:nt], make f's probes the one that would have
 * passed the fewest positions of w[0:len]; a triple too far apart for the
 * window to judge counts only when it holds the offset m, where failed
 * candidates differed (they vouch for it).  Nonzero when the probes
 * changed. */
static int fm_best_probes(fm_finder *f, const fm_u8 *w, size_t len,
                          ptrdiff_t t[][3], size_t nt, ptrdiff_t m)
{
    ptrdiff_t best[3];
    size_t i, hits, least = (size_t)-1;
    memcpy(best, t[0], sizeof(best));
    for (i = 0; i < nt; i++) {
        const ptrdiff_t *o = t[i];
        const ptrdiff_t span = (o[0] > o[1] ? o[0] : o[1]) > o[2] ? (o[0] > o[1] ? o[0] : o[1]) : o[2];
        if (span < (ptrdiff_t)len / 2)
            hits = fm_window_hits(w, len, f->x, o);
        else if (o[0] == m || o[1] == m || o[2] == m)
            hits = 0;
        else
            continue;
        if (hits < least) {
            least = hits;
            memcpy(best, o, sizeof(best));
        }
    }
    if (best[0] == f->i1 && best[1] == f->i2 && best[2] == f->i3)
        return 0;
    f->i1 = best[0], f->i2 = best[1], f->i3 = best[2];
    f->c1 = f->x[best[0]], f->c2 = f->x[best[1]], f->c3 = f->x[best[2]];
    return 1;
}

/* Probes spread over the needle, where the rarest bytes sit together and
 * the text ties them (b"45." in CSV prices): the rarest byte with two
 * offsets a third of the needle away in turn, and the first, middle and
 * last bytes.  Appended to t; returns how many. */
static size_t fm_spread(const fm_finder *f, ptrdiff_t a, ptrdiff_t t[][3])
{
    const ptrdiff_t k = f->k;
    t[0][0] = a, t[0][1] = (a + k / 3) % k, t[0][2] = (a + 2 * (k / 3)) % k;
    t[1][0] = 0, t[1][1] = k / 2, t[1][2] = k - 1;
    return 2;
}

void fm_spread_probes(fm_finder *f, const fm_u8 *w, size_t len)
{
    ptrdiff_t t[3][3];
    size_t nt = 1;
    if (f->k < 4)
        return;
    t[0][0] = f->i1, t[0][1] = f->i2, t[0][2] = f->i3;
    nt += fm_spread(f, f->i1, t + 1);
    fm_best_probes(f, w, len, t, nt, -1);
}

int fm_repick_probes(fm_finder *f, const fm_u8 *w, size_t len)
{
    const ptrdiff_t k = f->k, m = f->miss;
    ptrdiff_t t[9][3];
    size_t nt = 0, i;
    fm_finder fresh;
    t[nt][0] = f->i1, t[nt][1] = f->i2, t[nt][2] = f->i3, nt++;
    /* The offset where the last candidates failed, in place of each probe
     * (failed candidates matched every probe: it tells them apart). */
    if (m >= 0 && m < k && m != f->i1 && m != f->i2 && m != f->i3) {
        for (i = 0; i < 3; i++) {
            memcpy(t[nt], t[0], sizeof(t[0]));
            t[nt++][i] = m;
        }
    }
    /* The choice a sample of these bytes makes, alone, with the offset,
     * and spread. */
    fresh.x = f->x;
    fresh.k = k;
    fm_pick_anchors(&fresh, w, len);
    t[nt][0] = fresh.i1, t[nt][1] = fresh.i2, t[nt][2] = fresh.i3, nt++;
    if (m >= 0 && m < k && m != fresh.i1 && m != fresh.i2) {
        t[nt][0] = fresh.i1, t[nt][1] = fresh.i2, t[nt][2] = m, nt++;
    }
    if (k >= 4)
        nt += fm_spread(f, fresh.i1, t + nt);
    return fm_best_probes(f, w, len, t, nt, m);
}

#ifdef FM_TESTING
void fm_anchors(const unsigned char *x, ptrdiff_t k, const unsigned char *sample,
                ptrdiff_t len, ptrdiff_t out[3])
{
    fm_finder f;
    f.x = x;
    f.k = k;
    fm_pick_anchors(&f, sample, (size_t)len);
    out[0] = f.i1;
    out[1] = f.i2;
    out[2] = f.i3;
}
#endif
