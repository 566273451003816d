/*
 * The set search's candidate kernels, written once over the vector layer:
 * included by each isa_*.c after kernels.h (same vec_*.h, same FM_NAME),
 * defining FM_NAME(fm_set_ops).
 *
 * A kernel only finds candidates (set_internal.h's fm_scan says what it
 * compares): it hands back blocks of 64 candidate bits and the driver
 * (set.c) verifies them, chooses the leftmost-longest needle and keeps the
 * budget.  Beyond what kernels.h uses, the layer supplies fm_vnz (lanes
 * true where a byte is nonzero) and fm_vlut / fm_vlut_load / fm_vlut_apply
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

/* The comparands of one scan, loaded into registers once per call. */
typedef struct {
    fm_v v[3], m[3];
    fm_vlut t[3];
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
        for (w = 0; w < kind; w++)
            k->t[w] = fm_vlut_load(sc->lo[w], sc->hi[w], sc->full[w]);
    }
}

/* Candidates [j, j + FM_VW): pair as a compare vector; Teddy as bucket
 * bits (nonzero lanes are candidates). */
FM_INLINE fm_v FM_NAME(set_raw)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                const fm_u8 *y, ptrdiff_t j, int kind)
{
    if (kind == FM_SCAN_PAIR) {
        const fm_u8 *p = y + j;
        return fm_vand(fm_vand(fm_veq(fm_vor(fm_vload(p + sc->off[0]), k->m[0]), k->v[0]),
                               fm_veq(fm_vor(fm_vload(p + sc->off[1]), k->m[1]), k->v[1])),
                       fm_veq(fm_vor(fm_vload(p + sc->off[2]), k->m[2]), k->v[2]));
    } else {
        const fm_u8 *p = y + j + sc->at;
        fm_v r = fm_vlut_apply(k->t[0], fm_vload(p));
        if (kind >= FM_SCAN_TEDDY2)
            r = fm_vand(r, fm_vlut_apply(k->t[1], fm_vload(p + 1)));
        if (kind >= FM_SCAN_TEDDY3)
            r = fm_vand(r, fm_vlut_apply(k->t[2], fm_vload(p + 2)));
        return r;
    }
}

/* As a compare vector either way. */
FM_INLINE fm_v FM_NAME(set_cmp)(const FM_NAME(fm_setk) *k, const fm_scan *sc,
                                const fm_u8 *y, ptrdiff_t j, int kind)
{
    const fm_v r = FM_NAME(set_raw)(k, sc, y, j, kind);
    return kind == FM_SCAN_PAIR ? r : fm_vnz(r);
}

/* Candidates [j, j + 64) as compare vectors in e[], and whether any is
 * one (the raw results ORed, one test: no mask is formed for the usual
 * step without candidates). */
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
    if (kind == FM_SCAN_PAIR)
        return fm_vany(any);
    if (!fm_vany(fm_vnz(any)))
        return 0;
    for (q = 0; q < FM_PER64; q++)
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
        int hit;
        if (kind == FM_SCAN_PAIR) {
            hit = ((p[sc->off[0]] | sc->orm[0]) == sc->val[0])
                  & ((p[sc->off[1]] | sc->orm[1]) == sc->val[1])
                  & ((p[sc->off[2]] | sc->orm[2]) == sc->val[2]);
        } else {
            fm_u8 r = sc->full[0][p[sc->at]];
            if (kind >= FM_SCAN_TEDDY2)
                r &= sc->full[1][p[sc->at + 1]];
            if (kind >= FM_SCAN_TEDDY3)
                r &= sc->full[2][p[sc->at + 2]];
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
                    c += out[c].mask != 0;
                }
            }
            dense = c - c0 >= 4;
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
            c += out[c].mask != 0;
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
    default:
        return FM_NAME(set_fwd)(sc, y, lo, end, out, max, next, FM_SCAN_TEDDY3);
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
    default:
        return FM_NAME(set_rev)(sc, y, hi, out, max, next, FM_SCAN_TEDDY3);
    }
}

const fm_set_ops FM_NAME(fm_set_ops) = {
    FM_NAME(set_forward),
    FM_NAME(set_reverse),
};

#undef FM_PER64
