/*
 * The block kernels, written once over the vector layer.
 *
 * Included by each isa_*.c after its vec_*.h, which supplies:
 *   FM_VW                 bytes per vector (8 for the scalar SWAR layer)
 *   fm_v                  the vector type
 *   fm_vload(p) fm_vstore(p, v) fm_vsplat(c) fm_vzero()
 *   fm_veq(a, b)          per-byte equality (true lanes nonzero)
 *   fm_vand fm_vor        lane-wise, on fm_veq results
 *   fm_vany(v)            whether any lane of an fm_veq result is true
 *   fm_vmask(v)           one bit per lane of an fm_veq result (FM_VW bits)
 *   fm_vmask64(e)         the same for the 64 / FM_VW vectors e[0..]
 *   fm_vtally(acc, e)     add one to acc's lanes where e is true
 *   fm_vsum(acc)          the sum of acc's lanes
 *   fm_popcount(m)        set bits of a 64-bit mask
 *   FM_NAME(f)            f with the ISA's suffix
 * and FM_ISA_VECTOR and FM_ISA_BYTE_SCAN (whether the block byte scan
 * replaces libc's memchr/memrchr); it defines the table FM_NAME(fm_ops)
 * from them, which the ISA's descriptor (FM_ISA_DEFINE) points at.
 *
 * The algorithms (the packed pair, the 1-byte find_all, the byte count,
 * the byte scans) live here only; a vector layer never holds search logic.
 *
 * SAFETY (for every kernel below): reads stay inside y[0:n] (the pair's
 * loads cover candidates j in [0, n - k], i.e. bytes up to n - k + (k - 1)),
 * writes inside out[0:cap] and dst[0:n]; near the ends a block is placed
 * flush with the last (or first) candidate and the bits already handled
 * are masked off, and ranges shorter than a block go byte by byte.  A
 * kernel never reads a byte its caller did not pass, which is what keeps a
 * map that ends at a PROT_NONE page safe (tests/csrc checks it).  The
 * caller keeps the range mapped for the whole call (the map's scan guard,
 * which makes close() and resize() refuse while a kernel runs).
 */

#define FM_PER64 (64 / FM_VW)

/* Per-scan state kept in registers: the first offset a further match may
 * start at (forward), charged work, matches so far. */
typedef struct {
    ptrdiff_t lo, work;
    size_t found;
    int exact;
} FM_NAME(fm_run);

/* Candidates [j, j + FM_VW): bit b set when y1, y2, y3 hold c1, c2, c3 at
 * j + b. */
FM_INLINE uint64_t FM_NAME(cand_v)(const fm_u8 *y1, const fm_u8 *y2,
                                   const fm_u8 *y3, ptrdiff_t j, fm_v v1,
                                   fm_v v2, fm_v v3)
{
    return fm_vmask(fm_vand(fm_vand(fm_veq(fm_vload(y1 + j), v1),
                                    fm_veq(fm_vload(y2 + j), v2)),
                            fm_veq(fm_vload(y3 + j), v3)));
}

/* Candidates [j, j + FM_VW) as a compare vector. */
FM_INLINE fm_v FM_NAME(cand_e)(const fm_u8 *y1, const fm_u8 *y2,
                               const fm_u8 *y3, ptrdiff_t j, fm_v v1, fm_v v2,
                               fm_v v3)
{
    return fm_vand(fm_vand(fm_veq(fm_vload(y1 + j), v1),
                           fm_veq(fm_vload(y2 + j), v2)),
                   fm_veq(fm_vload(y3 + j), v3));
}

/* Candidates [j, j + 64). */
FM_INLINE uint64_t FM_NAME(cand_64)(const fm_u8 *y1, const fm_u8 *y2,
                                    const fm_u8 *y3, ptrdiff_t j, fm_v v1,
                                    fm_v v2, fm_v v3)
{
    fm_v e[FM_PER64];
    int q;
    for (q = 0; q < FM_PER64; q++) {
        const ptrdiff_t at = j + (ptrdiff_t)q * FM_VW;
        e[q] = fm_vand(fm_vand(fm_veq(fm_vload(y1 + at), v1),
                               fm_veq(fm_vload(y2 + at), v2)),
                       fm_veq(fm_vload(y3 + at), v3));
    }
    return fm_vmask64(e);
}

/* Candidates [j, end), fewer than a vector's worth, byte by byte. */
FM_INLINE uint64_t FM_NAME(cand_bytes)(const fm_finder *f, const fm_u8 *y,
                                       ptrdiff_t j, ptrdiff_t end)
{
    const fm_u8 *y1 = y + f->i1, *y2 = y + f->i2, *y3 = y + f->i3;
    uint64_t m = 0;
    ptrdiff_t b;
    for (b = 0; j + b < end; b++)
        m |= (uint64_t)((y1[j + b] == f->c1) & (y2[j + b] == f->c2)
                        & (y3[j + b] == f->c3)) << b;
    return m;
}

/* Bytes of a[0:k] equal to b[0:k] before the first difference, k when
 * equal.  k >= 2: up to 16 bytes, two loads flush with either end. */
FM_INLINE size_t FM_NAME(verify)(const fm_u8 *a, const fm_u8 *b, size_t k)
{
    size_t i;
    if (k <= 16) {
        if (k >= 8) {
            uint64_t a0, a1, b0, b1;
            memcpy(&a0, a, 8); memcpy(&a1, a + k - 8, 8);
            memcpy(&b0, b, 8); memcpy(&b1, b + k - 8, 8);
            if (a0 != b0)
                return fm_first_diff(a0 ^ b0);
            return a1 != b1 ? k - 8 + fm_first_diff(a1 ^ b1) : k;
        }
        if (k >= 4) {
            uint32_t a0, a1, b0, b1;
            memcpy(&a0, a, 4); memcpy(&a1, a + k - 4, 4);
            memcpy(&b0, b, 4); memcpy(&b1, b + k - 4, 4);
            if (!((a0 ^ b0) | (a1 ^ b1)))
                return k;
        }
        /* A mismatch (or k < 4): find its byte. */
        for (i = 0; i < k; i++)
            if (a[i] != b[i])
                return i;
        return k;
    }
    for (i = 0;; i += 8) {
        /* The last word is flush with the end (it may recheck bytes). */
        const size_t at = i + 8 <= k ? i : k - 8;
        uint64_t wa, wb;
        memcpy(&wa, a + at, 8);
        memcpy(&wb, b + at, 8);
        if (wa != wb)
            return at + fm_first_diff(wa ^ wb);
        if (at + 8 >= k)
            return k;
    }
}

/* out[i] = base + (index of the i-th lowest set bit of m) for the cnt set
 * bits of m, `group` (a constant 1 to 8) slots at a time without testing
 * bits: up to group - 1 junk slots follow the last one (group when m == 0),
 * so the caller guarantees cnt + group slots of room. */
FM_INLINE void FM_NAME(flatten_by)(ptrdiff_t *out, ptrdiff_t base, uint64_t m,
                                   size_t cnt, int group)
{
    size_t i = 0;
    int g;
    for (;;) {
        for (g = 0; g < group; g++) {
            out[i + (size_t)g] = base + (ptrdiff_t)fm_tz64(m);
            m &= m - 1;
        }
        i += (size_t)group;
        if (i >= cnt)
            break;
    }
}

/* Hand the candidates in m (bit b = candidate base + b, none below
 * run->lo) to verification, lowest first.  Returns 0 to go on, or FULL /
 * BUDGET with f->resume set. */
FM_INLINE int FM_NAME(take)(fm_finder *f, FM_NAME(fm_run) *run,
                            const fm_u8 *y, ptrdiff_t base, uint64_t m)
{
    const fm_u8 *const x = f->x;
    const size_t k = (size_t)f->k;
    ptrdiff_t *const out = f->out;
    const size_t cap = f->cap;
    if (run->exact) {
        /* Every bit is a match, and they cannot overlap: bulk. */
        const size_t room = cap - run->found;
        const size_t cnt = fm_popcount(m);
        size_t i;
        ptrdiff_t p = 0;
        if (cnt < room) {
            if (out) {
                if (room >= 72) {
                    FM_NAME(flatten_by)(out + run->found, base, m, cnt, 8);
                } else {
                    for (i = run->found; m; m &= m - 1)
                        out[i++] = base + (ptrdiff_t)fm_tz64(m);
                }
            }
            run->found += cnt;
            return 0;
        }
        for (i = 0; i < room; i++, m &= m - 1) {
            p = base + (ptrdiff_t)fm_tz64(m);
            if (out)
                out[run->found + i] = p;
        }
        run->found = cap;
        f->resume = p + (ptrdiff_t)k;
        return FM_PAIR_FULL;
    }
    while (m) {
        const ptrdiff_t p = base + (ptrdiff_t)fm_tz64(m);
        const size_t eq = FM_NAME(verify)(y + p, x, k);
        if (eq == k) {
            ptrdiff_t d;
            if (out)
                out[run->found] = p;
            run->found++;
            run->lo = p + (ptrdiff_t)k;
            if (run->found >= cap) {
                f->resume = run->lo;
                return FM_PAIR_FULL;
            }
            /* Non-overlapping: drop the candidates inside the match. */
            d = run->lo - base;
            m = d >= 64 ? 0 : m & (~(uint64_t)0 << d);
        } else {
            run->work += FM_COST_VERIFY + (ptrdiff_t)eq;
            f->miss = (ptrdiff_t)eq;
            if (run->work * f->slack > (p - f->origin) + f->allow) {
                f->resume = p + 1;
                return FM_PAIR_BUDGET;
            }
            if (p - f->origin > FM_BUDGET_SPAN) {
                /* A fresh account: credit from a quiet stretch does not
                 * cover a dense one after it. */
                f->origin = p;
                run->work = 0;
            }
            m &= m - 1;
        }
    }
    return 0;
}

/* Reverse: highest candidate first; a match ends the search. */
FM_INLINE int FM_NAME(take_rev)(fm_finder *f, FM_NAME(fm_run) *run,
                                const fm_u8 *y, ptrdiff_t base, uint64_t m)
{
    const size_t k = (size_t)f->k;
    if (run->exact) {
        f->resume = base + (ptrdiff_t)fm_top64(m);
        return FM_PAIR_FULL;
    }
    while (m) {
        const unsigned b = fm_top64(m);
        const ptrdiff_t p = base + (ptrdiff_t)b;
        const size_t eq = FM_NAME(verify)(y + p, f->x, k);
        if (eq == k) {
            f->resume = p;
            return FM_PAIR_FULL;
        }
        run->work += FM_COST_VERIFY + (ptrdiff_t)eq;
        f->miss = (ptrdiff_t)eq;
        if (run->work * f->slack > (f->origin - p) + f->allow) {
            f->resume = p - 1;
            return FM_PAIR_BUDGET;
        }
        if (f->origin - p > FM_BUDGET_SPAN) {
            f->origin = p;
            run->work = 0;
        }
        m &= ~((uint64_t)1 << b);
    }
    return 0;
}

/* Forward candidates [run->lo, end). */
static int FM_NAME(pair_fwd)(fm_finder *f, FM_NAME(fm_run) *run,
                             const fm_u8 *y, ptrdiff_t end)
{
    const fm_u8 *y1 = y + f->i1, *y2 = y + f->i2, *y3 = y + f->i3;
    const fm_v v1 = fm_vsplat(f->c1), v2 = fm_vsplat(f->c2),
               v3 = fm_vsplat(f->c3);
    ptrdiff_t j = run->lo;
    uint64_t m;
    int r;
    /* SAFETY: a step at j loads yN[j, j + 128) for offsets iN < k, i.e. bytes
     * below j + 128 + k - 1 <= end + k - 1 = n: inside the haystack; the
     * 64- and FM_VW-candidate steps below keep the same bound, and the
     * flush block ends exactly at the last candidate.
     *
     * 128 candidates a step, tested with one OR of their compare vectors:
     * three bytes at fixed distances rarely all match, even frequent ones, and
     * folding every 64 into a bit mask would cost more than the loads. */
    while (j + 128 <= end) {
        fm_v any;
        fm_prefetch_at(y1 + j, FM_SCAN_PREFETCH);
        fm_prefetch_at(y1 + j, FM_SCAN_PREFETCH + 64);
        any = FM_NAME(cand_e)(y1, y2, y3, j, v1, v2, v3);
        int q;
        for (q = 1; q < 2 * FM_PER64; q++)
            any = fm_vor(any, FM_NAME(cand_e)(y1, y2, y3, j + (ptrdiff_t)q * FM_VW,
                                              v1, v2, v3));
        if (fm_vany(any)) {
            /* Rare: compare again for the bit masks (keeping every vector
             * live instead would spill registers on SSE2). */
            uint64_t m2 = FM_NAME(cand_64)(y1, y2, y3, j + 64, v1, v2, v3);
            m = FM_NAME(cand_64)(y1, y2, y3, j, v1, v2, v3);
            if (m && (r = FM_NAME(take)(f, run, y, j, m)) != 0)
                return r;
            /* Past a match that reached into the second half. */
            if (run->lo > j + 64) {
                const ptrdiff_t skip = run->lo - (j + 64);
                m2 = skip >= 64 ? 0 : m2 & (~(uint64_t)0 << skip);
            }
            if (m2 && (r = FM_NAME(take)(f, run, y, j + 64, m2)) != 0)
                return r;
        }
        j += 128;
        if (j < run->lo)
            j = run->lo;
    }
    while (j + 64 <= end) {
        m = FM_NAME(cand_64)(y1, y2, y3, j, v1, v2, v3);
        if (m && (r = FM_NAME(take)(f, run, y, j, m)) != 0)
            return r;
        j += 64;
        if (j < run->lo)
            j = run->lo;
    }
    while (j + FM_VW <= end) {
        m = FM_NAME(cand_v)(y1, y2, y3, j, v1, v2, v3);
        if (m && (r = FM_NAME(take)(f, run, y, j, m)) != 0)
            return r;
        j += FM_VW;
        if (j < run->lo)
            j = run->lo;
    }
    if (j < end) {
        if (end >= FM_VW) {
            /* Flush with the end; bits below j are done. */
            const ptrdiff_t s = end - FM_VW;
            m = FM_NAME(cand_v)(y1, y2, y3, s, v1, v2, v3) & (~(uint64_t)0 << (j - s));
            if (m && (r = FM_NAME(take)(f, run, y, s, m)) != 0)
                return r;
        } else {
            m = FM_NAME(cand_bytes)(f, y, j, end);
            if (m && (r = FM_NAME(take)(f, run, y, j, m)) != 0)
                return r;
        }
    }
    return FM_PAIR_DONE;
}

/* Reverse candidates [0, hi]. */
static int FM_NAME(pair_rev)(fm_finder *f, FM_NAME(fm_run) *run,
                             const fm_u8 *y, ptrdiff_t hi)
{
    const fm_u8 *y1 = y + f->i1, *y2 = y + f->i2, *y3 = y + f->i3;
    const fm_v v1 = fm_vsplat(f->c1), v2 = fm_vsplat(f->c2),
               v3 = fm_vsplat(f->c3);
    ptrdiff_t top = hi;
    uint64_t m;
    int r;
    /* SAFETY: a step covers candidates [top - 127, top] with top <= hi <=
     * n - k, so its loads end below hi + k <= n; top - 127 >= 0 keeps them
     * above y, and the flush block starts at candidate 0. */
    while (top >= 127) {
        /* As in pair_fwd: 128 candidates, one test. */
        const ptrdiff_t s = top - 127;
        fm_v any;
        fm_prefetch_at(y1 + s, -FM_SCAN_PREFETCH);
        fm_prefetch_at(y1 + s, 64 - FM_SCAN_PREFETCH);
        any = FM_NAME(cand_e)(y1, y2, y3, s, v1, v2, v3);
        int q;
        for (q = 1; q < 2 * FM_PER64; q++)
            any = fm_vor(any, FM_NAME(cand_e)(y1, y2, y3, s + (ptrdiff_t)q * FM_VW,
                                              v1, v2, v3));
        if (fm_vany(any)) {
            m = FM_NAME(cand_64)(y1, y2, y3, s + 64, v1, v2, v3);
            if (m && (r = FM_NAME(take_rev)(f, run, y, s + 64, m)) != 0)
                return r;
            m = FM_NAME(cand_64)(y1, y2, y3, s, v1, v2, v3);
            if (m && (r = FM_NAME(take_rev)(f, run, y, s, m)) != 0)
                return r;
        }
        top -= 128;
    }
    while (top >= 63) {
        const ptrdiff_t s = top - 63;
        m = FM_NAME(cand_64)(y1, y2, y3, s, v1, v2, v3);
        if (m && (r = FM_NAME(take_rev)(f, run, y, s, m)) != 0)
            return r;
        top -= 64;
    }
    while (top >= FM_VW - 1) {
        const ptrdiff_t s = top - (FM_VW - 1);
        m = FM_NAME(cand_v)(y1, y2, y3, s, v1, v2, v3);
        if (m && (r = FM_NAME(take_rev)(f, run, y, s, m)) != 0)
            return r;
        top -= FM_VW;
    }
    if (top >= 0) {
        if (hi >= FM_VW - 1)
            /* Flush with 0; bits above top are done. */
            m = FM_NAME(cand_v)(y1, y2, y3, 0, v1, v2, v3) & (((uint64_t)2 << top) - 1);
        else
            m = FM_NAME(cand_bytes)(f, y, 0, top + 1);
        if (m && (r = FM_NAME(take_rev)(f, run, y, 0, m)) != 0)
            return r;
    }
    return FM_PAIR_DONE;
}

static int FM_NAME(pair_forward)(fm_finder *f, const fm_u8 *y, ptrdiff_t n,
                                 ptrdiff_t pos)
{
    const ptrdiff_t end = n - f->k + 1;
    FM_NAME(fm_run) run;
    int r;
    if (pos >= end)
        return FM_PAIR_DONE;
    run.lo = pos;
    run.work = f->work;
    run.found = f->found;
    run.exact = fm_pair_exact(f);
    r = FM_NAME(pair_fwd)(f, &run, y, end);
    f->work = run.work;
    f->found = run.found;
    return r;
}

static int FM_NAME(pair_reverse)(fm_finder *f, const fm_u8 *y, ptrdiff_t hi)
{
    FM_NAME(fm_run) run;
    int r;
    if (hi < 0)
        return FM_PAIR_DONE;
    run.lo = 0;
    run.work = f->work;
    run.found = 0;
    run.exact = fm_pair_exact(f);
    r = FM_NAME(pair_rev)(f, &run, y, hi);
    f->work = run.work;
    return r;
}

/* Bytes y[0, 64) equal to the splat vc: bit b for y[b]. */
FM_INLINE uint64_t FM_NAME(byte_mask64)(const fm_u8 *y, fm_v vc)
{
    fm_v e[FM_PER64];
    int q;
    for (q = 0; q < FM_PER64; q++)
        e[q] = fm_veq(fm_vload(y + (size_t)q * FM_VW), vc);
    return fm_vmask64(e);
}

/* ---- Every offset of one byte value (find_all with k == 1) ---- */

/* Write the offsets of mask m at base; nonzero when out is full (then
 * *resume is one past the last offset written). */
FM_INLINE int FM_NAME(emit)(ptrdiff_t base, uint64_t m, ptrdiff_t *out,
                            size_t cap, size_t *w, size_t *resume)
{
    size_t i = *w;
    if (cap - i > 72) {
        /* Room for the whole mask and the junk slots. */
        const size_t cnt = fm_popcount(m);
        FM_NAME(flatten_by)(out + i, base, m, cnt, 8);
        *w = i + cnt;
        return 0;
    }
    do {
        const ptrdiff_t p = base + (ptrdiff_t)fm_tz64(m);
        out[i++] = p;
        if (i == cap) {
            *w = i;
            *resume = (size_t)p + 1;
            return 1;
        }
        m &= m - 1;
    } while (m);
    *w = i;
    return 0;
}

/* One 256-byte step of the bulk loop at j: the offsets of m[0..3] (counts
 * c[0..3]) written with one branch per step plus one per mask holding more
 * than a group, instead of one per match (a match every few dozen bytes,
 * newlines in text, would mispredict most of them).  Returns the slot
 * after the last offset, or NULL, writing nothing, when the slots up to
 * end cannot take them and the junk slots. */
FM_INLINE ptrdiff_t *FM_NAME(byte_step)(ptrdiff_t *out, const ptrdiff_t *end,
                                        size_t j, const uint64_t *m,
                                        const size_t *c)
{
    const size_t t = c[0] + c[1] + c[2] + c[3];
    int q;
    /* SAFETY: each mask's flatten writes below its first slot + its count
     * + group (group <= 8), so the step writes only out[0, t + 8), and
     * t + 8 <= end - out. */
    if ((size_t)(end - out) < t + 8)
        return NULL;
    /* Groups sized to the usual count per mask: every junk slot costs as
     * much as a real one, and every mask that overflows its group costs a
     * mispredicted loop exit.  Two suit text's newlines (one per 40 to 80
     * bytes); eight suit denser bytes (b"e" in text). */
    if (t > 12) {
        for (q = 0; q < 4; q++) {
            FM_NAME(flatten_by)(out, (ptrdiff_t)(j + 64 * (size_t)q), m[q],
                                c[q], 8);
            out += c[q];
        }
    } else {
        for (q = 0; q < 4; q++) {
            FM_NAME(flatten_by)(out, (ptrdiff_t)(j + 64 * (size_t)q), m[q],
                                c[q], 2);
            out += c[q];
        }
    }
    return out;
}

static size_t FM_NAME(byte_all)(fm_u8 *dst, const fm_u8 *y, size_t n,
                                fm_u8 c, ptrdiff_t *out, size_t cap,
                                size_t *resume)
{
    const fm_v vc = fm_vsplat(c);
    ptrdiff_t *o = out, *next;
    size_t j = 0, w;
    uint64_t mk;
    int q;
    /* SAFETY: a step reads y[j, j + 256) with j + 256 <= n and, copying,
     * writes dst[j, j + 256), inside dst's n bytes. */
    for (; j + 256 <= n; j += 256) {
        fm_v e[4 * FM_PER64], any;
        uint64_t m[4];
        size_t cn[4];
        for (q = 0; q < 4 * FM_PER64; q++) {
            const fm_v v = fm_vload(y + j + (size_t)q * FM_VW);
            if (dst != NULL)
                fm_vstore(dst + j + (size_t)q * FM_VW, v);
            e[q] = fm_veq(v, vc);
        }
        any = e[0];
        for (q = 1; q < 4 * FM_PER64; q++)
            any = fm_vor(any, e[q]);
        if (!fm_vany(any))
            continue;
        for (q = 0; q < 4; q++) {
            m[q] = fm_vmask64(e + q * FM_PER64);
            cn[q] = fm_popcount(m[q]);
            /* Only steps with matches prefetch: writing offsets keeps the
             * core busy enough that the loads then wait for memory. */
            fm_prefetch_at(y + j, FM_BYTE_PREFETCH + 64 * q);
        }
        if ((next = FM_NAME(byte_step)(o, out + cap, j, m, cn)) == NULL)
            break;
        o = next;
    }
    w = (size_t)(o - out);
    if (dst != NULL) {
        /* The rest is copied as it is and searched in the copy, so the
         * offsets always describe dst. */
        memcpy(dst + j, y + j, n - j);
        y = dst;
    }
    while (j + 64 <= n) {
        mk = FM_NAME(byte_mask64)(y + j, vc);
        if (mk && FM_NAME(emit)((ptrdiff_t)(j), mk, out, cap, &w, resume))
            return w;
        j += 64;
    }
    while (j + FM_VW <= n) {
        mk = fm_vmask(fm_veq(fm_vload(y + j), vc));
        if (mk && FM_NAME(emit)((ptrdiff_t)(j), mk, out, cap, &w, resume))
            return w;
        j += FM_VW;
    }
    if (j < n) {
        if (n >= FM_VW) {
            const size_t s = n - FM_VW;
            mk = fm_vmask(fm_veq(fm_vload(y + s), vc)) & (~(uint64_t)0 << (j - s));
            if (mk && FM_NAME(emit)((ptrdiff_t)(s), mk, out, cap, &w, resume))
                return w;
        } else {
            for (; j < n; j++) {
                if (y[j] == c) {
                    out[w++] = (ptrdiff_t)j;
                    if (w == cap) {
                        *resume = j + 1;
                        return w;
                    }
                }
            }
        }
    }
    *resume = n;
    return w;
}

/* Lanes are 8-bit counters: a block runs at most 255 iterations before
 * they are folded into the total. */
static size_t FM_NAME(count_byte)(const fm_u8 *p, size_t n, fm_u8 c)
{
    const fm_v vc = fm_vsplat(c);
    size_t total = 0;
    /* Four independent accumulators: enough loads in flight to saturate
     * the load ports when the data is in cache. */
    while (n >= 4 * FM_VW) {
        size_t iters = n / (4 * FM_VW), i;
        fm_v a0 = fm_vzero(), a1 = fm_vzero(), a2 = fm_vzero(),
             a3 = fm_vzero();
        if (iters > 255)
            iters = 255;
        for (i = 0; i < iters; i++) {
            a0 = fm_vtally(a0, fm_veq(fm_vload(p), vc));
            a1 = fm_vtally(a1, fm_veq(fm_vload(p + FM_VW), vc));
            a2 = fm_vtally(a2, fm_veq(fm_vload(p + 2 * FM_VW), vc));
            a3 = fm_vtally(a3, fm_veq(fm_vload(p + 3 * FM_VW), vc));
            p += 4 * FM_VW;
        }
        n -= iters * 4 * FM_VW;
        total += fm_vsum(a0) + fm_vsum(a1) + fm_vsum(a2) + fm_vsum(a3);
    }
    while (n--)
        total += (*p++ == c);
    return total;
}

/* ---- The first / the last offset of one byte value (memchr, memrchr) ---- */

#if !FM_ISA_BYTE_SCAN
/* libc's memchr (vectorised in every libc that matters). */
static ptrdiff_t FM_NAME(byte_find)(const fm_u8 *y, size_t n, fm_u8 c)
{
    const fm_u8 *r = (const fm_u8 *)memchr(y, c, n);
    return r ? r - y : -1;
}
#else
/* 256 bytes a step, tested with one OR of their compare vectors; the step
 * that holds a match is searched again 64 bytes at a time for its mask.
 * One test per 256 bytes keeps the loop's work below what memory delivers,
 * which a test per vector does not (why an ISA may prefer it to libc's
 * memchr: FM_ISA_BYTE_SCAN). */
static ptrdiff_t FM_NAME(byte_find)(const fm_u8 *y, size_t n, fm_u8 c)
{
    const fm_v vc = fm_vsplat(c);
    size_t j = 0;
    uint64_t m;
    int q;
    /* SAFETY: every load lies in y[j, j + width) with j + width <= n, and
     * the flush block is y[n - FM_VW, n) with n >= FM_VW. */
    if (n >= 64) {
        /* A near match (the memchr prefilter's dense candidates) without
         * reading a whole step. */
        if ((m = FM_NAME(byte_mask64)(y, vc)) != 0)
            return (ptrdiff_t)fm_tz64(m);
        j = 64;
    }
    for (; j + 256 <= n; j += 256) {
        fm_v any;
        for (q = 0; q < 4; q++)
            fm_prefetch_at(y + j, FM_SCAN_PREFETCH + 64 * q);
        any = fm_veq(fm_vload(y + j), vc);
        for (q = 1; q < 4 * FM_PER64; q++)
            any = fm_vor(any, fm_veq(fm_vload(y + j + (size_t)q * FM_VW), vc));
        if (fm_vany(any))
            break;      /* the 64-byte loop finds it inside this step */
    }
    for (; j + 64 <= n; j += 64) {
        if ((m = FM_NAME(byte_mask64)(y + j, vc)) != 0)
            return (ptrdiff_t)(j + fm_tz64(m));
    }
    for (; j + FM_VW <= n; j += FM_VW) {
        m = fm_vmask(fm_veq(fm_vload(y + j), vc));
        if (m)
            return (ptrdiff_t)(j + fm_tz64(m));
    }
    if (j < n) {
        if (n >= FM_VW) {
            /* Flush with the end; bits below j are done. */
            const size_t s = n - FM_VW;
            m = fm_vmask(fm_veq(fm_vload(y + s), vc)) & (~(uint64_t)0 << (j - s));
            if (m)
                return (ptrdiff_t)(s + fm_tz64(m));
        } else {
            for (; j < n; j++)
                if (y[j] == c)
                    return (ptrdiff_t)j;
        }
    }
    return -1;
}

#endif

#if !FM_LIBC_MEMRCHR
/* The same from the end (bytes [0, e) are left to search), for libcs
 * without memrchr, on every ISA (a block of words beats a byte loop even
 * in the scalar layer).  Within a step the loads go from the top down, as
 * the scan does. */
static ptrdiff_t FM_NAME(byte_rfind)(const fm_u8 *y, size_t n, fm_u8 c)
{
    const fm_v vc = fm_vsplat(c);
    size_t e = n;
    uint64_t m;
    int q;
    /* SAFETY: every load lies in y[e - width, e) with width <= e <= n, and
     * the flush block is y[0, FM_VW) with n >= FM_VW. */
    if (n >= 64) {
        if ((m = FM_NAME(byte_mask64)(y + n - 64, vc)) != 0)
            return (ptrdiff_t)(n - 64 + fm_top64(m));
        e = n - 64;
    }
    for (; e >= 256; e -= 256) {
        const fm_u8 *b = y + e - 256;
        for (q = 0; q < 4; q++)
            fm_prefetch_at(b, 64 * q - FM_SCAN_PREFETCH);
        fm_v any = fm_veq(fm_vload(b + (4 * FM_PER64 - 1) * FM_VW), vc);
        for (q = 4 * FM_PER64 - 2; q >= 0; q--)
            any = fm_vor(any, fm_veq(fm_vload(b + (size_t)q * FM_VW), vc));
        if (fm_vany(any))
            break;
    }
    for (; e >= 64; e -= 64) {
        if ((m = FM_NAME(byte_mask64)(y + e - 64, vc)) != 0)
            return (ptrdiff_t)(e - 64 + fm_top64(m));
    }
    for (; e >= FM_VW; e -= FM_VW) {
        m = fm_vmask(fm_veq(fm_vload(y + e - FM_VW), vc));
        if (m)
            return (ptrdiff_t)(e - FM_VW + fm_top64(m));
    }
    if (e > 0) {
        if (n >= FM_VW) {
            /* Flush with 0; bits at e and above are done (e < FM_VW). */
            m = fm_vmask(fm_veq(fm_vload(y), vc)) & (((uint64_t)1 << e) - 1);
            if (m)
                return (ptrdiff_t)fm_top64(m);
        } else {
            while (e-- > 0)
                if (y[e] == c)
                    return (ptrdiff_t)e;
        }
    }
    return -1;
}
#else
/* libc's memrchr. */
static ptrdiff_t FM_NAME(byte_rfind)(const fm_u8 *y, size_t n, fm_u8 c)
{
    const fm_u8 *r = (const fm_u8 *)memrchr(y, c, n);
    return r ? r - y : -1;
}
#endif

FM_HIDDEN const fm_ops FM_NAME(fm_ops) = {
    FM_ISA_VECTOR,
    FM_NAME(pair_forward),
    FM_NAME(pair_reverse),
    FM_NAME(byte_all),
    FM_NAME(count_byte),
    FM_NAME(byte_find),
    FM_NAME(byte_rfind),
};

#undef FM_PER64
