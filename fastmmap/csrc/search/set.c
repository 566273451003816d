/*
 * Searching for any of several needles, optionally ignoring ASCII case
 * (search.h states the interface): needle analysis, the verification of
 * candidates, leftmost-longest selection, the budget, and the drivers of
 * find / rfind / count / find_all, on top of the ISA's candidate kernels
 * (set_kernels.h) and the automaton (set_ac.c).
 *
 * Strategy, chosen once per set (fm_set_new):
 *
 * - one distinct needle, case-sensitive: the single-needle engine
 *   (fm_find & co.), whose prefilters and fallbacks already fit it;
 * - one distinct needle ignoring case: a packed pair on three needle bytes,
 *   each compared after an OR with 0x20 when it is a letter (exact for
 *   letters, since only 'A' and 'a' OR to 'a'); needles of up to three
 *   bytes that cannot overlap themselves are then matched by the
 *   candidates alone;
 * - up to FM_SET_TEDDY_MAX distinct needles: Teddy-style bucket masks on up
 *   to three consecutive needle bytes (at the offset where the needles'
 *   bytes are rarest), eight buckets of needles with similar bytes there,
 *   each byte classified by two nibble lookups;
 * - more: the automaton from the start.
 *
 * Budget (internal.h's cost model, in this file's own units): work is
 * charged in what the automaton takes per byte (about 1.3 ns on the
 * bench machine, some 30 times what the candidate kernels take), against
 * the distance scanned.  A failed verification costs FM_SET_COST_VERIFY
 * plus a unit per word its compare found equal, a candidate the extra
 * bytes reject FM_SET_COST_QUICK; true matches are free.  When the charge
 * passes the distance plus FM_SET_WARMUP, the prefilter has stopped
 * paying and the automaton finishes the call: linear in n plus the
 * longest needle, whatever the data (set_ac.c says why it reads
 * backwards).
 */
#include <errno.h>
#include <stdlib.h>

#include "set_internal.h"

/* Distinct needles the Teddy prefilter takes (eight buckets of up to
 * eight): past that the buckets hold so many bytes that candidates
 * are everywhere. */
#define FM_SET_TEDDY_MAX 64
/* The budget's charges, in bytes of the automaton's work (about 1.3 ns
 * each): a failed verification takes about 10 ns, a rejection by the
 * extra bytes about 2.  Set apart from the single-needle engine's
 * FM_COST_* (whose unit is a byte of the packed pair's scan), since the
 * fallbacks differ: the automaton is far slower than two-way. */
#define FM_SET_COST_VERIFY 8
#define FM_SET_COST_QUICK 2
#define FM_SET_WARMUP 2048
/* Candidate blocks handed over per kernel call. */
#define FM_SET_BATCH 64
/* Start positions per backward pass of the automaton (a longer needle
 * gets a window of its length, so that a pass never costs more than twice
 * what it settles). */
#define FM_SET_WINDOW 4096

/* Candidates are frequent when the first FM_FREQUENT_AFTER bytes held one
 * per FM_FREQUENT bytes or more.  Then Teddy widens its main test by a
 * byte (a fifth more work a step, several times fewer candidates on
 * text), and a count of a needle whose candidates on all the pair's bytes
 * are all matches tallies them (twice the compares, no branch per match):
 * the cheaper tests pay while candidates are rarer than that. */
#define FM_FREQUENT 1024
#define FM_FREQUENT_AFTER 32768

enum { FM_SET_ONE, FM_SET_PAIR, FM_SET_TEDDY, FM_SET_AC };

struct fm_set {
    fm_config cfg;
    const fm_set_ops *kern;
    int mode;
    int fold;                  /* ASCII case ignored (some needle has a letter) */
    int exact;                 /* pair: every candidate is a match */
    int exact_all;             /* ... of the test on all 3 + nx bytes */
    ptrdiff_t count;
    ptrdiff_t *len;            /* [count] */
    fm_u8 **x;                 /* [count]: the needles, folded when `fold` */
    /* Distinct needles (after folding), u = 0..nu-1. */
    ptrdiff_t nu, minlen, maxlen;
    ptrdiff_t *ulen, *uwhich;  /* length, lowest index among equal ones */
    const fm_u8 **ux;
    fm_scan scan;
    /* Teddy: the same with one more byte in the main test (wide.kind 0:
     * none), for when the first proves to find candidates often. */
    fm_scan wide;
    /* Teddy: bucket b holds bids[bstart[b], bstart[b + 1]), longest first. */
    int32_t bstart[FM_TEDDY_BUCKETS + 1];
    int32_t *bids;
    fm_ac *ac;
    fm_u8 foldmap[256];        /* identity, or ASCII lowercase */
};

/* ---- Needle analysis ---- */

/* How common a byte is in text (higher: more common), for choosing the
 * bytes a prefilter compares.  Only the order matters. */
static int fm_set_rank(fm_u8 c)
{
    static const char freq[] = "etaoinshrdlucmwfgypbvkjxqz";
    const char *q;
    if (c == ' ' || c == 0)
        return 255;
    if (c == '\n')
        return 200;
    if (c >= 'a' && c <= 'z') {
        q = memchr(freq, c, 26);
        return 250 - 4 * (int)(q - freq);
    }
    if (c >= 'A' && c <= 'Z') {
        q = memchr(freq, c | 0x20, 26);
        return 140 - 2 * (int)(q - freq);
    }
    if (c == ',' || c == '.' || c == '-' || c == '\'' || c == '"' || c == '\t')
        return 130;
    if (c >= 0x20 && c < 0x7f)
        return c >= '0' && c <= '9' ? 80 : 90;
    return 50;
}

/* The lookup the kernels use; the configuration holds the ISA's fm_ops. */
static const fm_set_ops *fm_set_kernels(const fm_ops *ops)
{
#define FM_SET_LOOKUP(isa)                                        \
    if (fm_isa_##isa.ops == ops && fm_set_ops_for_##isa != NULL)  \
        return fm_set_ops_for_##isa;
    FM_ISAS(FM_SET_LOOKUP)
#undef FM_SET_LOOKUP
    return fm_set_ops_for_scalar;
}

/* Whether x[0:k] has a border (a proper prefix that is also a suffix):
 * then two of its matches can overlap. */
static int fm_set_border(const fm_u8 *x, ptrdiff_t k)
{
    ptrdiff_t p;
    for (p = 1; p < k; p++)
        if (memcmp(x, x + p, (size_t)(k - p)) == 0)
            return 1;
    return 0;
}

/* One needle, ignoring case: anchor on its rarest byte, a second one of
 * another value, and a third offset (as the single-needle engine picks
 * them, with this file's ranks), then up to three more offsets, rarest
 * first, for the steps where those three match. */
static void fm_set_plan_pair(fm_set *s)
{
    const fm_u8 *x = s->ux[0];
    const ptrdiff_t k = s->ulen[0];
    fm_scan *sc = &s->scan;
    ptrdiff_t i, i1 = 0, i2 = -1, i3 = -1, w, distinct;
    for (i = 1; i < k; i++)
        if (fm_set_rank(x[i]) < fm_set_rank(x[i1]))
            i1 = i;
    for (i = 0; i < k; i++)
        if (x[i] != x[i1] && (i2 < 0 || fm_set_rank(x[i]) < fm_set_rank(x[i2])))
            i2 = i;
    if (i2 < 0)
        i2 = k == 1 ? 0 : i1 != k - 1 ? k - 1 : 0;
    for (i = 0; i < k; i++)
        if (i != i1 && i != i2 && (i3 < 0 || fm_set_rank(x[i]) < fm_set_rank(x[i3])))
            i3 = i;
    if (i3 < 0)
        i3 = i2;
    sc->kind = FM_SCAN_PAIR;
    sc->off[0] = i1;
    sc->off[1] = i2;
    sc->off[2] = i3;
    distinct = 1 + (i2 != i1) + (i3 != i1 && i3 != i2);
    sc->nx = 0;
    while (sc->nx < FM_SCAN_MAX - 3 && distinct + sc->nx < k) {
        ptrdiff_t best = -1;
        for (i = 0; i < k; i++) {
            int used = i == i1 || i == i2 || i == i3;
            for (w = 3; w < 3 + sc->nx && !used; w++)
                used = sc->off[w] == i;
            if (!used && (best < 0 || fm_set_rank(x[i]) < fm_set_rank(x[best])))
                best = i;
        }
        sc->off[3 + sc->nx++] = best;
    }
    sc->span = 0;
    for (w = 0; w < 3 + sc->nx; w++) {
        const fm_u8 c = x[sc->off[w]];
        sc->val[w] = c;
        sc->orm[w] = (fm_u8)(s->fold && fm_is_alpha(c) ? 0x20 : 0);
        if (sc->off[w] + 1 > sc->span)
            sc->span = sc->off[w] + 1;
    }
    /* The main test's three bytes cover the needle (the extra bytes are
     * skipped where candidates are dense), and no two matches can
     * overlap: every candidate is a match. */
    s->exact = distinct == k && !fm_set_border(x, k);
    s->exact_all = distinct + sc->nx == k && !fm_set_border(x, k);
}

typedef struct {
    const fm_u8 *x;            /* the window's bytes */
    ptrdiff_t w;
    int32_t u;
} fm_set_key;

static int fm_set_key_cmp(const void *pa, const void *pb)
{
    const fm_set_key *a = (const fm_set_key *)pa, *b = (const fm_set_key *)pb;
    const int c = memcmp(a->x, b->x, (size_t)a->w);
    return c ? c : (a->u > b->u) - (a->u < b->u);
}

/* Within a bucket: longest first, so that the first needle verified is the
 * bucket's answer. */
static int fm_set_len_cmp(const void *pa, const void *pb)
{
    const fm_set_key *a = (const fm_set_key *)pa, *b = (const fm_set_key *)pb;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    return (a->u > b->u) - (a->u < b->u);
}

/* Bytes of the main Teddy test (the rest of the six are compared by the
 * driver before verifying; one more joins the test when candidates prove
 * frequent: FM_FREQUENT). */
#ifndef FM_TEDDY_WIDTH
#  define FM_TEDDY_WIDTH 3
#endif

/* Several needles: Teddy on `width` bytes at offset `at`. */
static int fm_set_plan_teddy(fm_set *s)
{
    fm_scan *sc = &s->scan;
    const ptrdiff_t nu = s->nu;
    const ptrdiff_t width = s->minlen < FM_SCAN_MAX ? s->minlen : FM_SCAN_MAX;
    const ptrdiff_t lead = width < FM_TEDDY_WIDTH ? width : FM_TEDDY_WIDTH;
    ptrdiff_t at, best_at = 0, u, w, b, i;
    long best_score = -1;
    fm_set_key *keys = malloc(sizeof(*keys) * (size_t)nu);
    if (keys == NULL)
        return 0;
    s->bids = malloc(sizeof(int32_t) * (size_t)nu);
    if (s->bids == NULL) {
        free(keys);
        return 0;
    }
    /* The offset whose bytes are rarest over all needles (every needle has
     * bytes [at, at + width) since at + width <= minlen). */
    for (at = 0; at + width <= s->minlen && at <= 32; at++) {
        long score = 0;
        for (u = 0; u < nu; u++)
            for (w = 0; w < width; w++)
                score += fm_set_rank(s->ux[u][at + w]);
        if (best_score < 0 || score < best_score) {
            best_score = score;
            best_at = at;
        }
    }
    /* Buckets: needles sorted by their window, cut into eight runs, so a
     * bucket's needles share bytes and its nibble masks stay narrow. */
    for (u = 0; u < nu; u++) {
        keys[u].x = s->ux[u] + best_at;
        keys[u].w = width;
        keys[u].u = (int32_t)u;
    }
    qsort(keys, (size_t)nu, sizeof(*keys), fm_set_key_cmp);
    memset(sc, 0, sizeof(*sc));
    for (b = 0, i = 0; b < FM_TEDDY_BUCKETS; b++) {
        const ptrdiff_t stop = nu * (b + 1) / FM_TEDDY_BUCKETS;
        s->bstart[b] = (int32_t)i;
        for (; i < stop; i++) {
            const fm_u8 *x = s->ux[keys[i].u] + best_at;
            for (w = 0; w < width; w++) {
                const fm_u8 c = x[w];
                const int cases = s->fold && fm_is_alpha(c) ? 2 : 1;
                int v;
                for (v = 0; v < cases; v++) {
                    const fm_u8 cc = (fm_u8)(v ? c ^ 0x20 : c);
                    sc->lo[w][cc & 15] |= (fm_u8)(1u << b);
                    sc->hi[w][cc >> 4] |= (fm_u8)(1u << b);
                }
            }
        }
    }
    s->bstart[FM_TEDDY_BUCKETS] = (int32_t)nu;
    for (b = 0; b < FM_TEDDY_BUCKETS; b++) {
        const ptrdiff_t lo = s->bstart[b], hi = s->bstart[b + 1];
        for (i = lo; i < hi; i++)
            keys[i].w = s->ulen[keys[i].u];
        qsort(keys + lo, (size_t)(hi - lo), sizeof(*keys), fm_set_len_cmp);
        for (i = lo; i < hi; i++)
            s->bids[i] = keys[i].u;
    }
    free(keys);
    for (w = 0; w < width; w++)
        for (i = 0; i < 256; i++)
            sc->full[w][i] = sc->lo[w][i & 15] & sc->hi[w][i >> 4];
    sc->width = (int)lead;
    sc->nx = (int)(width - lead);
    sc->kind = (int)(FM_SCAN_TEDDY1 + (lead - 1));
    {
        int ascii = 1;
        for (w = 0; w < lead; w++)
            for (i = 8; i < 16; i++)
                ascii &= sc->hi[w][i] == 0;
        if (ascii)
            sc->kind += FM_SCAN_ASCII;
    }
    sc->at = best_at;
    sc->span = best_at + width;
    /* Its wider form (same tables, same span). */
    if (sc->width == 3 && sc->nx >= 1) {
        int ascii = 1;
        s->wide = *sc;
        s->wide.width = 4;
        s->wide.nx = sc->nx - 1;
        for (i = 8; i < 16; i++)
            ascii &= sc->hi[3][i] == 0;
        s->wide.kind = FM_SCAN_TEDDY4 + (ascii && sc->kind > FM_SCAN_ASCII ? FM_SCAN_ASCII : 0);
    }
    return 1;
}

typedef struct {
    fm_u8 *x;
    ptrdiff_t k, i;
} fm_set_entry;

static int fm_set_entry_cmp(const void *pa, const void *pb)
{
    const fm_set_entry *a = (const fm_set_entry *)pa, *b = (const fm_set_entry *)pb;
    const ptrdiff_t m = a->k < b->k ? a->k : b->k;
    const int c = memcmp(a->x, b->x, (size_t)m);
    if (c)
        return c;
    if (a->k != b->k)
        return a->k < b->k ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

void fm_set_free(fm_set *s)
{
    if (s == NULL)
        return;
    fm_ac_free(s->ac);
    if (s->x != NULL)
        free(s->x[0]);
    free(s->x);
    free(s->len);
    free(s->ulen);
    free(s->uwhich);
    free(s->ux);
    free(s->bids);
    free(s);
}

fm_set *fm_set_new(const fm_config *cfg, const unsigned char *const *x,
                   const ptrdiff_t *k, ptrdiff_t count, int flags)
{
    fm_set *s;
    fm_set_entry *e = NULL;
    fm_u8 *blob;
    ptrdiff_t i, total = 0, at;
    int letters = 0, b;
    if (cfg == NULL || x == NULL || k == NULL || count < 1
        || (flags & ~FM_SET_FOLD) != 0 || count > PTRDIFF_MAX / 64) {
        errno = EINVAL;
        return NULL;
    }
    for (i = 0; i < count; i++) {
        if (x[i] == NULL || k[i] < 1 || k[i] > PTRDIFF_MAX / 4 - total) {
            errno = EINVAL;
            return NULL;
        }
        total += k[i];
    }
    if ((s = calloc(1, sizeof(*s))) == NULL)
        goto nomem;
    s->cfg = *cfg;
    s->kern = fm_set_kernels(cfg->ops);
    s->count = count;
    s->len = malloc(sizeof(ptrdiff_t) * (size_t)count);
    s->x = malloc(sizeof(fm_u8 *) * (size_t)count);
    /* Eight bytes of slack: verification reads needles a word at a time. */
    blob = calloc((size_t)total + 8, 1);
    e = malloc(sizeof(*e) * (size_t)count);
    if (s->x != NULL)
        s->x[0] = blob;
    if (s->len == NULL || s->x == NULL || blob == NULL || e == NULL)
        goto nomem;
    /* Folding matters only if a needle holds a letter. */
    for (i = 0; i < count && (flags & FM_SET_FOLD); i++) {
        ptrdiff_t j;
        for (j = 0; j < k[i] && !letters; j++)
            letters = fm_is_alpha(x[i][j]);
    }
    s->fold = letters;
    for (b = 0; b < 256; b++)
        s->foldmap[b] = s->fold ? fm_lower((fm_u8)b) : (fm_u8)b;
    for (i = 0, at = 0; i < count; i++) {
        ptrdiff_t j;
        s->x[i] = blob + at;
        s->len[i] = k[i];
        for (j = 0; j < k[i]; j++)
            s->x[i][j] = s->foldmap[x[i][j]];
        at += k[i];
        e[i].x = s->x[i];
        e[i].k = k[i];
        e[i].i = i;
    }
    /* Distinct needles: equal ones sort together, lowest index first. */
    qsort(e, (size_t)count, sizeof(*e), fm_set_entry_cmp);
    s->ulen = malloc(sizeof(ptrdiff_t) * (size_t)count);
    s->uwhich = malloc(sizeof(ptrdiff_t) * (size_t)count);
    s->ux = malloc(sizeof(fm_u8 *) * (size_t)count);
    if (s->ulen == NULL || s->uwhich == NULL || s->ux == NULL)
        goto nomem;
    s->minlen = PTRDIFF_MAX;
    for (i = 0; i < count; i++) {
        if (i > 0 && e[i].k == e[i - 1].k && !memcmp(e[i].x, e[i - 1].x, (size_t)e[i].k))
            continue;
        s->ulen[s->nu] = e[i].k;
        s->uwhich[s->nu] = e[i].i;
        s->ux[s->nu++] = e[i].x;
        if (e[i].k < s->minlen)
            s->minlen = e[i].k;
        if (e[i].k > s->maxlen)
            s->maxlen = e[i].k;
    }
    free(e);
    e = NULL;
    if (s->nu == 1 && !s->fold) {
        s->mode = FM_SET_ONE;
        return s;
    }
    s->mode = s->nu == 1 ? FM_SET_PAIR : s->nu <= FM_SET_TEDDY_MAX ? FM_SET_TEDDY
                                                                  : FM_SET_AC;
    if (s->mode == FM_SET_PAIR)
        fm_set_plan_pair(s);
    else if (s->mode == FM_SET_TEDDY && !fm_set_plan_teddy(s))
        goto nomem;
    s->ac = fm_ac_new(s->ux, s->ulen, s->nu, s->foldmap);
    if (s->ac == NULL)
        goto nomem;
    return s;
nomem:
    free(e);
    if (s != NULL && s->x == NULL)
        free(blob);
    fm_set_free(s);
    errno = ENOMEM;
    return NULL;
}

ptrdiff_t fm_set_size(const fm_set *s)
{
    return s->count;
}

ptrdiff_t fm_set_len(const fm_set *s, ptrdiff_t i)
{
    return i >= 0 && i < s->count ? s->len[i] : -1;
}

#ifdef FM_TESTING
const char *fm_set_strategy(const fm_set *s)
{
    static const char *const names[] = {"one", "pair", "teddy", "automaton"};
    if (s->mode == FM_SET_AC || s->mode == FM_SET_ONE)
        return names[s->mode];
    return s->mode == FM_SET_PAIR && s->exact ? "pair-exact" : names[s->mode];
}
#endif

/* ---- Verification ---- */

/* Each byte of w with 'A'..'Z' turned into 'a'..'z': a lane's top bit
 * marks t >= 'A' and t > 'Z' from the two sums (no carry leaves a lane,
 * since t = w & 0x7f), and bytes >= 0x80 are left alone. */
FM_INLINE uint64_t fm_fold8(uint64_t w)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, top = 0x8080808080808080ull;
    const uint64_t t = w & lo7;
    const uint64_t ge_a = t + 0x3f3f3f3f3f3f3f3full;   /* 'A' + 0x3f = 0x80 */
    const uint64_t gt_z = t + 0x2525252525252525ull;   /* 'Z' + 1 + 0x25 = 0x80 */
    return w | ((ge_a & ~gt_z & ~w & top) >> 2);
}

/* Bytes of y[0:k] equal (through the fold) to the folded needle xf[0:k]
 * before the first difference: k on a match.  `avail` bytes are readable
 * at y (avail >= k), and xf has eight bytes of slack (fm_set_new).
 * SAFETY: word loads read y[i, i + 8) with i + 8 <= avail, and xf below
 * k + 8. */
static size_t fm_set_eq(const fm_u8 *y, ptrdiff_t avail, const fm_u8 *xf,
                        size_t k, int fold)
{
    size_t i = 0;
    uint64_t a, b;
    if (k < 8 && avail >= 8) {
        /* A short needle: one word, the bytes past it masked off. */
        const uint64_t keep = ~(uint64_t)0 >> (8 * (8 - k));
        memcpy(&a, y, 8);
        memcpy(&b, xf, 8);
        if (fold)
            a = fm_fold8(a);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        a = __builtin_bswap64(a);
        b = __builtin_bswap64(b);
#endif
        a = (a ^ b) & keep;
        return a ? (size_t)fm_tz64(a) >> 3 : k;
    }
    while (i + 8 <= k) {
        memcpy(&a, y + i, 8);
        memcpy(&b, xf + i, 8);
        if (fold)
            a = fm_fold8(a);
        if (a != b)
            return i + fm_first_diff(a ^ b);
        i += 8;
    }
    if (fold) {
        while (i < k && fm_lower(y[i]) == xf[i])
            i++;
    } else {
        while (i < k && y[i] == xf[i])
            i++;
    }
    return i;
}

/* Teddy: the buckets whose needles hold candidate p's bytes at all the
 * places the scan compares (the kernels skip the extra ones where
 * candidates are dense).  SAFETY: the kernels yield only candidates with
 * p + span <= n. */
FM_INLINE unsigned fm_set_buckets(const fm_scan *sc, const fm_u8 *y, ptrdiff_t p)
{
    const int width = sc->width + sc->nx;
    const fm_u8 *b = y + p + sc->at;
    unsigned bits = 0xff;
    int w;
    for (w = 0; w < width; w++)
        bits &= sc->full[w][b[w]];
    return bits;
}

/* The longest needle at candidate p (a distinct needle u), or -1 with the
 * failed verifications charged to *work. */
static int32_t fm_set_verify(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                             ptrdiff_t p, ptrdiff_t *work)
{
    const fm_scan *sc = &s->scan;
    unsigned bits;
    int32_t best = -1;
    if (s->mode == FM_SET_PAIR) {
        const ptrdiff_t k = s->ulen[0];
        size_t eq;
        if (k > n - p)
            return -1;
        /* SAFETY: p + k <= n. */
        eq = fm_set_eq(y + p, n - p, s->ux[0], (size_t)k, s->fold);
        if ((ptrdiff_t)eq == k)
            return 0;
        *work += FM_SET_COST_VERIFY + (ptrdiff_t)(eq / 8);
        return -1;
    }
    /* Teddy: the buckets the candidate's bytes allow. */
    bits = fm_set_buckets(sc, y, p);
    while (bits) {
        const unsigned b = fm_tz64(bits);
        int32_t i;
        bits &= bits - 1;
        for (i = s->bstart[b]; i < s->bstart[b + 1]; i++) {
            const int32_t u = s->bids[i];
            const ptrdiff_t k = s->ulen[u];
            size_t eq;
            if (best >= 0 && k <= s->ulen[best])
                break;         /* the rest of the bucket is no longer */
            if (k > n - p)
                continue;
            /* SAFETY: p + k <= n. */
            eq = fm_set_eq(y + p, n - p, s->ux[u], (size_t)k, s->fold);
            if ((ptrdiff_t)eq == k) {
                best = u;
                break;
            }
            *work += FM_SET_COST_VERIFY + (ptrdiff_t)(eq / 8);
        }
    }
    return best;
}

/* ---- Where matches go ---- */

typedef struct {
    ptrdiff_t *out, *which;    /* out NULL: count only */
    ptrdiff_t cap, found;
    int32_t last;              /* the distinct needle of the last match */
} fm_sink;

/* Record a match at p; nonzero when the sink is full. */
FM_INLINE int fm_sink_put(const fm_set *s, fm_sink *k, ptrdiff_t p, int32_t u)
{
    if (k->out != NULL) {
        k->out[k->found] = p;
        if (k->which != NULL)
            k->which[k->found] = s->uwhich[u];
    }
    k->last = u;
    return ++k->found >= k->cap;
}

/* ---- Forward: the prefilter, then the automaton ---- */

/* Bits of m for candidates >= lo (m's bit 0 is candidate base). */
FM_INLINE uint64_t fm_from(uint64_t m, ptrdiff_t base, ptrdiff_t lo)
{
    if (lo <= base)
        return m;
    return lo - base >= 64 ? 0 : m & (~(uint64_t)0 << (lo - base));
}

/* Matches from *pos found by the candidate kernels.  Returns 1 when the
 * sink filled (*pos past its last match), 0 when the haystack is done, 2
 * when candidates stopped paying (*pos: where the automaton takes over). */
static int fm_set_pf_forward(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                             ptrdiff_t *pos, fm_sink *k)
{
    fm_cand c[FM_SET_BATCH];
    /* A find wants the first candidates only. */
    const size_t batch = k->cap == 1 ? 2 : FM_SET_BATCH;
    const ptrdiff_t end = n - s->scan.span + 1, origin = *pos;
    const fm_scan *sc = &s->scan;
    ptrdiff_t lo = *pos, next = *pos, work = 0, cands = 0;
    int tally = 0;
    while (next < end) {
        const size_t nb = s->kern->fwd(sc, y, next, end, c, batch, &next);
        size_t i;
        if (cands >= 0 && (s->wide.kind || (s->exact_all && k->out == NULL))) {
            for (i = 0; i < nb; i++)
                cands += (ptrdiff_t)fm_popcount_swar(c[i].mask);
            if (next - origin >= FM_FREQUENT_AFTER
                && cands * FM_FREQUENT >= next - origin) {
                /* Candidates are frequent: Teddy widens its test (same
                 * span: it reads no further); a count whose needle all of
                 * the pair's bytes cover tallies the rest, after the
                 * candidates in hand. */
                cands = -1;
                if (s->wide.kind)
                    sc = &s->wide;
                else
                    tally = 1;
            }
        }
        for (i = 0; i < nb; i++) {
            const ptrdiff_t base = c[i].base;
            uint64_t m = fm_from(c[i].mask, base, lo);
            if (s->exact && k->out == NULL && k->cap - k->found > 64) {
                /* Every candidate is a match and none overlap. */
                if (m) {
                    k->found += (ptrdiff_t)fm_popcount_swar(m);
                    k->last = 0;
                }
                continue;
            }
            while (m) {
                const ptrdiff_t p = base + (ptrdiff_t)fm_tz64(m);
                int32_t u;
                if (s->mode == FM_SET_TEDDY && !fm_set_buckets(&s->scan, y, p)) {
                    /* Rejected by the bytes the kernel skipped: inline and
                     * cheap. */
                    work += FM_SET_COST_QUICK;
                    u = -1;
                } else {
                    u = s->exact ? 0 : fm_set_verify(s, y, n, p, &work);
                }
                if (u >= 0) {
                    lo = p + s->ulen[u];
                    if (fm_sink_put(s, k, p, u)) {
                        *pos = lo;
                        return 1;
                    }
                    m = fm_from(m, base, lo);
                } else {
                    if (work > (p - origin) + FM_SET_WARMUP) {
                        *pos = p + 1;
                        return 2;
                    }
                    m &= m - 1;
                }
            }
        }
        if (next < lo)
            next = lo;
        if (tally) {
            k->found += s->kern->count(sc, y, next, end);
            break;
        }
    }
    *pos = n;
    return 0;
}

/* Matches from *pos found by the automaton, a window of start positions
 * per backward pass.  Returns 1 when the sink filled (*pos past its last
 * match), else 0. */
static int fm_set_ac_forward(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                             ptrdiff_t *pos, fm_sink *k)
{
    int32_t window[FM_SET_WINDOW];
    int32_t *best = window;
    ptrdiff_t w = FM_SET_WINDOW, p = *pos;
    const ptrdiff_t last = n - s->minlen;
    int full = 0;
    if (s->maxlen > FM_SET_WINDOW && last - p >= FM_SET_WINDOW) {
        /* A pass costs its window plus the longest needle: a window that
         * long keeps the total linear.  Without the memory, the stack
         * window still gives the right answers. */
        int32_t *heap = malloc(sizeof(int32_t) * (size_t)s->maxlen);
        if (heap != NULL) {
            best = heap;
            w = s->maxlen;
        }
    }
    while (p <= last && !full) {
        const ptrdiff_t lo = p, hi = last + 1 - p > w ? p + w : last + 1;
        /* SAFETY: starts [lo, hi) with hi <= n - minlen + 1; the pass reads
         * y[lo, min(n, hi + maxlen - 1)) and fills best[0, hi - lo). */
        fm_ac_starts(s->ac, y, n, lo, hi, best);
        while (p < hi) {
            const int32_t u = best[p - lo];
            if (u < 0) {
                p++;
                continue;
            }
            p += s->ulen[u];
            if (fm_sink_put(s, k, p - s->ulen[u], u)) {
                full = 1;
                break;
            }
        }
    }
    if (best != window)
        free(best);
    *pos = full ? p : n;
    return full;
}

#ifdef FM_TESTING
static void fm_set_trace(const fm_set *s, fm_path path)
{
    if (s->cfg.trace != NULL)
        *s->cfg.trace = path;
}
#else
#  define fm_set_trace(s, path) ((void)0)
#endif

/* Whether the candidate kernels lead (else the automaton does it all). */
static int fm_set_prefiltered(const fm_set *s)
{
    return (s->mode == FM_SET_PAIR || s->mode == FM_SET_TEDDY)
           && s->cfg.prefilter != FM_PREFILTER_NONE;
}

/* Leftmost-longest matches from 0, into the sink; *resume as find_all's. */
static void fm_set_scan(const fm_set *s, const fm_u8 *y, ptrdiff_t n,
                        fm_sink *k, ptrdiff_t *resume)
{
    ptrdiff_t pos = 0;
    int r = 2;
    if (n < s->minlen) {
        *resume = n;
        return;
    }
    if (fm_set_prefiltered(s) && s->exact && k->out == NULL) {
        /* Every candidate a match, none overlapping, nothing to write: as
         * cheap as the sparse scan, and no branch per match. */
        k->found = s->kern->count(&s->scan, y, 0, n - s->scan.span + 1);
        k->last = 0;
        r = 0;
        pos = n;
        fm_set_trace(s, FM_PATH_PAIR);
    } else if (fm_set_prefiltered(s)) {
        r = fm_set_pf_forward(s, y, n, &pos, k);
        fm_set_trace(s, FM_PATH_PAIR);
    }
    if (r == 2) {
        r = fm_set_ac_forward(s, y, n, &pos, k);
        fm_set_trace(s, FM_PATH_FALLBACK);
    }
    *resume = pos;
}

/* ---- The searches (search.h states their contracts) ---- */

ptrdiff_t fm_set_find(const fm_set *s, const unsigned char *y, ptrdiff_t n,
                      ptrdiff_t *len, ptrdiff_t *which)
{
    ptrdiff_t p = -1, w = 0, resume;
    fm_sink k;
    if (s->mode == FM_SET_ONE) {
        p = fm_find(&s->cfg, y, n, s->ux[0], s->ulen[0]);
    } else {
        k.out = &p;
        k.which = NULL;
        k.cap = 1;
        k.found = 0;
        k.last = 0;
        fm_set_scan(s, y, n, &k, &resume);
        if (k.found == 0)
            p = -1;
        w = k.last;
    }
    if (p >= 0) {
        if (len != NULL)
            *len = s->ulen[w];
        if (which != NULL)
            *which = s->uwhich[w];
    }
    return p;
}

ptrdiff_t fm_set_count(const fm_set *s, const unsigned char *y, ptrdiff_t n)
{
    ptrdiff_t resume;
    fm_sink k;
    if (s->mode == FM_SET_ONE)
        return fm_count(&s->cfg, y, n, s->ux[0], s->ulen[0]);
    k.out = NULL;
    k.which = NULL;
    k.cap = PTRDIFF_MAX;
    k.found = 0;
    k.last = 0;
    fm_set_scan(s, y, n, &k, &resume);
    return k.found;
}

ptrdiff_t fm_set_find_all(const fm_set *s, const unsigned char *y, ptrdiff_t n,
                          ptrdiff_t *out, ptrdiff_t *which, ptrdiff_t cap,
                          ptrdiff_t *resume)
{
    fm_sink k;
    if (cap <= 0) {
        *resume = 0;
        return 0;
    }
    if (s->mode == FM_SET_ONE) {
        const ptrdiff_t w = fm_find_all(&s->cfg, y, n, s->ux[0], s->ulen[0],
                                        out, cap, resume);
        ptrdiff_t i;
        for (i = 0; which != NULL && i < w; i++)
            which[i] = s->uwhich[0];
        return w;
    }
    k.out = out;
    k.which = which;
    k.cap = cap;
    k.found = 0;
    k.last = 0;
    fm_set_scan(s, y, n, &k, resume);
    return k.found;
}

ptrdiff_t fm_set_rfind(const fm_set *s, const unsigned char *y, ptrdiff_t n,
                       ptrdiff_t *len, ptrdiff_t *which)
{
    ptrdiff_t p = -1, hi = n - s->minlen;
    int32_t u = 0;
    if (s->mode == FM_SET_ONE) {
        p = fm_rfind(&s->cfg, y, n, s->ux[0], s->ulen[0]);
    } else if (hi >= 0) {
        int done = 0;
        if (fm_set_prefiltered(s)) {
            fm_cand c[FM_SET_BATCH];
            ptrdiff_t next = n - s->scan.span, work = 0;
            const ptrdiff_t origin = next;
            fm_set_trace(s, FM_PATH_PAIR);
            done = 1;
            while (next >= 0 && done == 1 && p < 0) {
                const size_t nb = s->kern->rev(&s->scan, y, next, c, 2, &next);
                size_t i;
                for (i = 0; i < nb && p < 0 && done == 1; i++) {
                    uint64_t m = c[i].mask;
                    while (m) {
                        const unsigned b = fm_top64(m);
                        const ptrdiff_t q = c[i].base + (ptrdiff_t)b;
                        u = s->exact ? 0 : fm_set_verify(s, y, n, q, &work);
                        if (u >= 0) {
                            p = q;
                            break;
                        }
                        if (work > (origin - q) + FM_SET_WARMUP) {
                            /* The automaton takes candidates [0, q). */
                            hi = q - 1;
                            done = 0;
                            break;
                        }
                        m &= ~((uint64_t)1 << b);
                    }
                }
            }
        }
        if (!done) {
            fm_set_trace(s, FM_PATH_FALLBACK);
            p = hi >= 0 ? fm_ac_last(s->ac, y, n, hi, &u) : -1;
        }
    }
    if (p >= 0) {
        if (len != NULL)
            *len = s->ulen[u];
        if (which != NULL)
            *which = s->uwhich[u];
    }
    return p;
}

int fm_set_match_at(const fm_set *s, ptrdiff_t i, const unsigned char *y,
                    ptrdiff_t n)
{
    if (i < 0 || i >= s->count || n < s->len[i])
        return 0;
    /* SAFETY: n >= len[i] bytes at y. */
    return (ptrdiff_t)fm_set_eq(y, n, s->x[i], (size_t)s->len[i], s->fold) == s->len[i];
}
