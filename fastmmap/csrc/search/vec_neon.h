/* Vector layer: NEON (Advanced SIMD), 16-byte vectors, the aarch64
 * baseline.  NEON has no movemask: a compare result is narrowed to bits by
 * weighting each lane with its bit and adding neighbouring lanes. */
#include <arm_neon.h>

#define FM_VW 16
typedef uint8x16_t fm_v;

FM_INLINE fm_v fm_vload(const fm_u8 *p) { return vld1q_u8(p); }
FM_INLINE void fm_vstore(fm_u8 *p, fm_v v) { vst1q_u8(p, v); }
FM_INLINE fm_v fm_vsplat(fm_u8 c) { return vdupq_n_u8(c); }
FM_INLINE fm_v fm_vzero(void) { return vdupq_n_u8(0); }
FM_INLINE fm_v fm_veq(fm_v a, fm_v b) { return vceqq_u8(a, b); }
FM_INLINE fm_v fm_vand(fm_v a, fm_v b) { return vandq_u8(a, b); }
FM_INLINE fm_v fm_vor(fm_v a, fm_v b) { return vorrq_u8(a, b); }
FM_INLINE int fm_vany(fm_v e) { return vmaxvq_u8(e) != 0; }

/* Lane i's bit within its half: 1, 2, 4, ... 128, twice. */
FM_INLINE fm_v fm_vbits(void)
{
    static const fm_u8 w[16] = {1, 2, 4, 8, 16, 32, 64, 128,
                                1, 2, 4, 8, 16, 32, 64, 128};
    return vld1q_u8(w);
}
FM_INLINE uint64_t fm_vmask(fm_v e)
{
    /* Three pairwise adds fold each half's eight weighted lanes into one
     * byte: lanes 0 and 1 of the result are the mask's two bytes. */
    fm_v t = vandq_u8(e, fm_vbits());
    t = vpaddq_u8(t, t);
    t = vpaddq_u8(t, t);
    t = vpaddq_u8(t, t);
    return (uint64_t)vgetq_lane_u16(vreinterpretq_u16_u8(t), 0);
}
FM_INLINE uint64_t fm_vmask64(const fm_v *e)
{
    const fm_v b = fm_vbits();
    fm_v t01 = vpaddq_u8(vandq_u8(e[0], b), vandq_u8(e[1], b));
    fm_v t23 = vpaddq_u8(vandq_u8(e[2], b), vandq_u8(e[3], b));
    fm_v t = vpaddq_u8(t01, t23);
    t = vpaddq_u8(t, t);
    return vgetq_lane_u64(vreinterpretq_u64_u8(t), 0);
}
FM_INLINE fm_v fm_vtally(fm_v acc, fm_v e) { return vsubq_u8(acc, e); }
FM_INLINE size_t fm_vsum(fm_v acc) { return (size_t)vaddlvq_u8(acc); }
#define fm_popcount(m) ((size_t)__builtin_popcountll(m))

/* ---- For the set kernels (set_kernels.h) ---- */
/* Whether any bit of v is set. */
FM_INLINE int fm_vnonzero(fm_v v) { return vmaxvq_u8(v) != 0; }
/* Lanes true where v is nonzero. */
FM_INLINE fm_v fm_vnz(fm_v v) { return vtstq_u8(v, v); }
/* A 256-entry byte table t[b] = lo[b & 15] & hi[b >> 4], kept as its two
 * nibble tables for TBL. */
typedef struct { fm_v lo, hi; } fm_vlut;
FM_INLINE fm_vlut fm_vlut_load(const fm_u8 *lo, const fm_u8 *hi, const fm_u8 *full)
{
    fm_vlut t;
    (void)full;
    t.lo = vld1q_u8(lo);
    t.hi = vld1q_u8(hi);
    return t;
}
FM_INLINE fm_v fm_vlut_apply(fm_vlut t, fm_v v)
{
    return vandq_u8(vqtbl1q_u8(t.lo, vandq_u8(v, vdupq_n_u8(0x0f))),
                    vqtbl1q_u8(t.hi, vshrq_n_u8(v, 4)));
}
/* For tables zero for bytes >= 0x80 (TBL zeroes indexes of 16 and more: no saving). */
#define fm_vlut_apply7 fm_vlut_apply
