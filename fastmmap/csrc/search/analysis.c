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
void fm_pick_anchors(fm_finder *f)
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
