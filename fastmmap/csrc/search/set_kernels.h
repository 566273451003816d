/*
 * The set search's candidate kernels, written once over the vector layer:
 * included by each isa_*.c after kernels.h (same vec_*.h, same FM_NAME),
 * defining FM_NAME(fm_set_ops).
 *
 * A kernel only finds candidates (set_internal.h's fm_scan says what it
 * compares): it hands back blocks of 64 candidate bits and the driver
 * (set.c) verifies them, chooses the leftmost-longest needle and keeps the
 * budget.  Beyond what kernels.h uses, the layer supplies fm_vnz (lanes
 * true where a byte is nonzero), fm_vnonzero (whether any bit is set) and fm_vlut / fm_vlut_load / fm_vlut_apply
 * (a byte table built from two nibble tables: PSHUFB, VPSHUFB, TBL, or a
 * whole-table lookup where there is no byte shuffle).
 *
 * SAFETY (for every kernel below): candidate j reads y[j, j + span) and
 * nothing else, and the callers pass candidates with j + span <= n only;
 * blocks near the ends are placed flush with the last (or first)
 * candidate with the bits outside masked off, and ranges shorter than a
 * vector go byte by byte.  So a kernel never reads a byte outside the
 * haystack it was given (tests/csrc checks it at PROT_NONE pages).
 */

#define FM_PER64 (64 / FM_VW)

/* The main test's comparands, loaded into registers once per call (the
 * extra bytes are the driver's: a cheap scalar test before verifying). */
typedef struct {
    fm_v v[3], m[3];
    fm_vlut t[4];
} FM_NAME(fm_setk);

FM_INLINE void FM_NAME(setk_load)(FM_NAME(fm_setk) *k, const fm_scan *sc, int kind)
{
    int w;
    if (kind == FM_SCAN_PAIR) {
        for (w = 0; w < 3; w++) {
            k->v[w] = fm_vsplat(sc->val[w]);
            k->m[w] = fm_vsplat(sc->orm[w]);
        }
    } else {
        for (w = 0; w < FM_SCAN_WIDTH(kind); w++)
            k->t[w] = fm_vlut_load(sc->lo[w], sc->hi[w], sc->full[w]);
    }
}

/* Pair: lanes true where byte w of the candidate matches. */
FM_INLINE fm_v FM_NAME(pair_eq)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                const fm_u8 *p, int w)
{
    return fm_veq(fm_vor(fm_vload(p + sc->off[w]), k->m[w]), k->v[w]);
}

/* The main test of candidates [j, j + FM_VW): pair as a compare vector;
 * Teddy as bucket bits (nonzero lanes are candidates). */
FM_INLINE fm_v FM_NAME(set_raw)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                const fm_u8 *y, ptrdiff_t j, int kind)
{
    if (kind == FM_SCAN_PAIR) {
        const fm_u8 *p = y + j;
        return fm_vand(fm_vand(FM_NAME(pair_eq)(k, sc, p, 0), FM_NAME(pair_eq)(k, sc, p, 1)),
                       FM_NAME(pair_eq)(k, sc, p, 2));
    } else {
        const fm_u8 *p = y + j + sc->at;
        fm_v r;
        int w;
        if (kind > FM_SCAN_ASCII) {
            r = fm_vlut_apply7(k->t[0], fm_vload(p));
            for (w = 1; w < FM_SCAN_WIDTH(kind); w++)
                r = fm_vand(r, fm_vlut_apply7(k->t[w], fm_vload(p + w)));
        } else {
            r = fm_vlut_apply(k->t[0], fm_vload(p));
            for (w = 1; w < kind; w++)
                r = fm_vand(r, fm_vlut_apply(k->t[w], fm_vload(p + w)));
        }
        return r;
    }
}

/* The main test as a compare vector. */
FM_INLINE fm_v FM_NAME(set_cmp)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                const fm_u8 *y, ptrdiff_t j, int kind)
{
    const fm_v r = FM_NAME(set_raw)(k, sc, y, j, kind);
    return kind == FM_SCAN_PAIR ? r : fm_vnz(r);
}

/* Candidates [j, j + 64) as compare vectors in e[], and whether any is
 * one: the raw results ORed, one test (the usual step has no candidates),
 * no mask formed without one. */
FM_INLINE int FM_NAME(set_step)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                const fm_u8 *y, ptrdiff_t j, fm_v *e, int kind)
{
    fm_v any;
    int q;
    for (q = 0; q < FM_PER64; q++)
        e[q] = FM_NAME(set_raw)(k, sc, y, j + (ptrdiff_t)q * FM_VW, kind);
    any = e[0];
    for (q = 1; q < FM_PER64; q++)
        any = fm_vor(any, e[q]);
    if (!(kind == FM_SCAN_PAIR ? fm_vany(any) : fm_vnonzero(any)))
        return 0;
    for (q = 0; q < FM_PER64 && kind != FM_SCAN_PAIR; q++)
        e[q] = fm_vnz(e[q]);
    return 1;
}

/* Candidates [j, j + 64) as a bit mask, without the test. */
FM_INLINE uint64_t FM_NAME(set_mask64)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                       const fm_u8 *y, ptrdiff_t j, int kind)
{
    fm_v e[FM_PER64];
    int q;
    for (q = 0; q < FM_PER64; q++)
        e[q] = FM_NAME(set_cmp)(k, sc, y, j + (ptrdiff_t)q * FM_VW, kind);
    return fm_vmask64(e);
}

/* Candidates [j, end), fewer than a vector's worth, byte by byte. */
FM_INLINE uint64_t FM_NAME(set_bytes)(const fm_scan *sc, const fm_u8 *y,
                                      ptrdiff_t j, ptrdiff_t end, int kind)
{
    uint64_t m = 0;
    ptrdiff_t b;
    for (b = 0; j + b < end; b++) {
        const fm_u8 *p = y + j + b;
        int hit = 1, w;
        if (kind == FM_SCAN_PAIR) {
            for (w = 0; w < 3; w++)
                hit &= (p[sc->off[w]] | sc->orm[w]) == sc->val[w];
        } else {
            fm_u8 r = 0xff;
            for (w = 0; w < FM_SCAN_WIDTH(kind); w++)
                r &= sc->full[w][p[sc->at + w]];
            hit = r != 0;
        }
        m |= (uint64_t)hit << b;
    }
    return m;
}

/* Steps per density check: candidates found in that many 64-candidate
 * steps decide whether the next ones test before forming masks (sparse:
 * one branch per step, rarely taken) or form and store every mask without
 * a branch (dense: a taken-or-not branch per step would mispredict). */
#define FM_SET_CHUNK 16
#ifndef FM_SET_DENSE
#  define FM_SET_DENSE 2
#endif

#define FM_SET_PUT(b, mk) \
    do { if (mk) { out[c].base = (b); out[c].mask = (mk); c++; } } while (0)

FM_INLINE size_t FM_NAME(set_fwd)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t j,
                                  ptrdiff_t end, fm_cand *out, size_t max,
                                  ptrdiff_t *next, int kind)
{
    FM_NAME(fm_setk) k;
    size_t c = 0;
    uint64_t m;
    int dense = 0;
    FM_NAME(setk_load)(&k, sc, kind);
    /* SAFETY: a step at j reads candidates [j, j + 64) with j + 64 <= end,
     * i.e. bytes below end - 1 + span <= n; the narrower steps keep the
     * same bound and the flush block ends at candidate end - 1. */
    while (j + 64 <= end && c < max) {
        const ptrdiff_t stop = end - j >= 64 * FM_SET_CHUNK ? j + 64 * FM_SET_CHUNK : end;
        const size_t c0 = c;
        if (dense) {
            for (; j + 64 <= stop && c < max; j += 64) {
                m = FM_NAME(set_mask64)(&k, sc, y, j, kind);
                out[c].base = j;
                out[c].mask = m;
                c += m != 0;
            }
            dense = c - c0 >= 2;
        } else {
            fm_v e[FM_PER64];
            for (; j + 64 <= stop && c < max; j += 64) {
                if (FM_NAME(set_step)(&k, sc, y, j, e, kind)) {
                    out[c].base = j;
                    out[c].mask = fm_vmask64(e);
                    c++;
                }
            }
            dense = c - c0 >= FM_SET_DENSE;
        }
    }
    if (j + 64 > end && j < end && c + 1 <= max) {
        /* Under 64 candidates left: vectors, then one flush block. */
        const ptrdiff_t j0 = j;
        m = 0;
        for (; j + FM_VW <= end; j += FM_VW)
            m |= fm_vmask(FM_NAME(set_cmp)(&k, sc, y, j, kind)) << (j - j0);
        if (j < end) {
            if (end >= FM_VW) {
                /* Flush with the end (candidates below j0 are masked off;
                 * every candidate below end is readable). */
                const ptrdiff_t s = end - FM_VW;
                m |= (fm_vmask(FM_NAME(set_cmp)(&k, sc, y, s, kind))
                      >> (j - s)) << (j - j0);
            } else {
                m |= FM_NAME(set_bytes)(sc, y, j, end, kind) << (j - j0);
            }
            j = end;
        }
        FM_SET_PUT(j0, m);
    }
    *next = j;
    return c;
}

FM_INLINE size_t FM_NAME(set_rev)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t hi,
                                  fm_cand *out, size_t max, ptrdiff_t *next, int kind)
{
    FM_NAME(fm_setk) k;
    size_t c = 0;
    uint64_t m;
    ptrdiff_t top = hi;       /* candidates [0, top] are left */
    FM_NAME(setk_load)(&k, sc, kind);
    /* SAFETY: a step reads candidates [top - 63, top] with top <= hi and
     * hi + span <= n, and top - 63 >= 0; the flush block starts at 0.
     * Reverse searches stop at their first match: sparse steps only. */
    while (top >= 63 && c < max) {
        fm_v e[FM_PER64];
        if (FM_NAME(set_step)(&k, sc, y, top - 63, e, kind)) {
            out[c].base = top - 63;
            out[c].mask = fm_vmask64(e);
            c++;
        }
        top -= 64;
    }
    if (top < 63 && top >= 0 && c + 1 <= max) {
        /* Candidates [0, top], under 64: vectors from the top, then one
         * flush block at 0. */
        ptrdiff_t e = top + 1;    /* [0, e) left */
        m = 0;
        for (; e >= FM_VW; e -= FM_VW)
            m |= fm_vmask(FM_NAME(set_cmp)(&k, sc, y, e - FM_VW, kind)) << (e - FM_VW);
        if (e > 0) {
            if (hi >= FM_VW - 1)
                m |= fm_vmask(FM_NAME(set_cmp)(&k, sc, y, 0, kind))
                     & (((uint64_t)1 << e) - 1);
            else
                m |= FM_NAME(set_bytes)(sc, y, 0, e, kind);
        }
        FM_SET_PUT(0, m);
        top = -1;
    }
    *next = top;
    return c;
}

#undef FM_SET_PUT

/* One function per direction: the kind is a constant in each call below,
 * so every kind gets its own loop. */
static size_t FM_NAME(set_forward)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t lo,
                                   ptrdiff_t end, fm_cand *out, size_t max,
                                   ptrdiff_t *next)
{
    switch (sc->kind) {
    case FM_SCAN_PAIR:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_PAIR);
    case FM_SCAN_TEDDY1:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY1);
    case FM_SCAN_TEDDY2:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY2);
    case FM_SCAN_TEDDY3:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY3);
    case FM_SCAN_TEDDY4:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY4);
    case FM_SCAN_TEDDY1 + FM_SCAN_ASCII:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY1 + FM_SCAN_ASCII);
    case FM_SCAN_TEDDY2 + FM_SCAN_ASCII:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY2 + FM_SCAN_ASCII);
    case FM_SCAN_TEDDY3 + FM_SCAN_ASCII:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY3 + FM_SCAN_ASCII);
    default:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY4 + FM_SCAN_ASCII);
    }
}

static size_t FM_NAME(set_reverse)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t hi,
                                   fm_cand *out, size_t max, ptrdiff_t *next)
{
    switch (sc->kind) {
    case FM_SCAN_PAIR:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_PAIR);
    case FM_SCAN_TEDDY1:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY1);
    case FM_SCAN_TEDDY2:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY2);
    case FM_SCAN_TEDDY3:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY3);
    case FM_SCAN_TEDDY4:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY4);
    case FM_SCAN_TEDDY1 + FM_SCAN_ASCII:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY1 + FM_SCAN_ASCII);
    case FM_SCAN_TEDDY2 + FM_SCAN_ASCII:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY2 + FM_SCAN_ASCII);
    case FM_SCAN_TEDDY3 + FM_SCAN_ASCII:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY3 + FM_SCAN_ASCII);
    default:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY4 + FM_SCAN_ASCII);
    }
}

/* Candidates of a pair scan on all 3 + nx of its bytes (nx a constant in
 * each instantiation below), counted without masks or branches: compare
 * vectors tallied into 8-bit lanes, folded before they can overflow (a
 * step adds up to FM_PER64 to a lane).  For needles whose candidates on
 * all bytes are all matches, once they prove frequent. */
FM_INLINE ptrdiff_t FM_NAME(set_tally)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t j,
                                       ptrdiff_t end, int nx)
{
    fm_v v[FM_SCAN_MAX], m[FM_SCAN_MAX];
    size_t total = 0;
    int w;
    for (w = 0; w < 3 + nx; w++) {
        v[w] = fm_vsplat(sc->val[w]);
        m[w] = fm_vsplat(sc->orm[w]);
    }
    /* SAFETY: a step reads candidates [j, j + 64) with j + 64 <= end, i.e.
     * bytes below end - 1 + span <= n; the tail goes byte by byte. */
    while (j + 64 <= end) {
        ptrdiff_t steps = (end - j) / 64;
        fm_v acc = fm_vzero();
        int q;
        if (steps > 255 / FM_PER64)
            steps = 255 / FM_PER64;
        for (; steps > 0; steps--, j += 64) {
            for (q = 0; q < FM_PER64; q++) {
                const fm_u8 *p = y + j + (ptrdiff_t)q * FM_VW;
                fm_v e = fm_veq(fm_vor(fm_vload(p + sc->off[0]), m[0]), v[0]);
                for (w = 1; w < 3 + nx; w++)
                    e = fm_vand(e, fm_veq(fm_vor(fm_vload(p + sc->off[w]), m[w]), v[w]));
                acc = fm_vtally(acc, e);
            }
        }
        total += fm_vsum(acc);
    }
    for (; j < end; j++) {
        int hit = 1;
        for (w = 0; w < 3 + nx; w++)
            hit &= (y[j + sc->off[w]] | sc->orm[w]) == sc->val[w];
        total += (size_t)hit;
    }
    return (ptrdiff_t)total;
}

static ptrdiff_t FM_NAME(set_count)(const fm_scan *sc, const fm_u8 *y, ptrdiff_t lo,
                                    ptrdiff_t end)
{
    switch (sc->nx) {
    case 0:
        return FM_NAME(set_tally)(sc, y, lo, end, 0);
    case 1:
        return FM_NAME(set_tally)(sc, y, lo, end, 1);
    case 2:
        return FM_NAME(set_tally)(sc, y, lo, end, 2);
    default:
        return FM_NAME(set_tally)(sc, y, lo, end, 3);
    }
}

FM_HIDDEN const fm_set_ops FM_NAME(fm_set_ops) = {
    FM_NAME(set_forward),
    FM_NAME(set_reverse),
    FM_NAME(set_count),
};

#undef FM_PER64
