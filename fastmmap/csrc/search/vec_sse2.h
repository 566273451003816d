/* Vector layer: SSE2, 16-byte vectors (part of the x86-64 baseline). */
#include <emmintrin.h>

#define FM_VW 16
typedef __m128i fm_v;

FM_INLINE fm_v fm_vload(const fm_u8 *p)
{
    return _mm_loadu_si128((const __m128i *)(const void *)p);
}
FM_INLINE void fm_vstore(fm_u8 *p, fm_v v)
{
    _mm_storeu_si128((__m128i *)(void *)p, v);
}
FM_INLINE fm_v fm_vsplat(fm_u8 c) { return _mm_set1_epi8((char)c); }
FM_INLINE fm_v fm_vzero(void) { return _mm_setzero_si128(); }
FM_INLINE fm_v fm_veq(fm_v a, fm_v b) { return _mm_cmpeq_epi8(a, b); }
FM_INLINE fm_v fm_vand(fm_v a, fm_v b) { return _mm_and_si128(a, b); }
FM_INLINE fm_v fm_vor(fm_v a, fm_v b) { return _mm_or_si128(a, b); }
FM_INLINE int fm_vany(fm_v e) { return _mm_movemask_epi8(e) != 0; }
FM_INLINE uint64_t fm_vmask(fm_v e)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(e);
}
FM_INLINE uint64_t fm_vmask64(const fm_v *e)
{
    return fm_vmask(e[0]) | fm_vmask(e[1]) << 16 | fm_vmask(e[2]) << 32
           | fm_vmask(e[3]) << 48;
}
/* A true lane is all ones (-1): subtracting it counts it. */
FM_INLINE fm_v fm_vtally(fm_v acc, fm_v e) { return _mm_sub_epi8(acc, e); }
FM_INLINE size_t fm_vsum(fm_v acc)
{
    const fm_v s = _mm_sad_epu8(acc, _mm_setzero_si128());
    return (size_t)_mm_cvtsi128_si64(s)
           + (size_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s));
}
/* No POPCNT in the baseline. */
#define fm_popcount(m) ((size_t)fm_popcount_swar(m))

/* ---- For the set kernels (set_kernels.h) ---- */
/* Whether any bit of v is set. */
FM_INLINE int fm_vnonzero(fm_v v)
{
    return _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) != 0xffff;
}
/* Lanes true where v is nonzero. */
FM_INLINE fm_v fm_vnz(fm_v v)
{
    return _mm_xor_si128(_mm_cmpeq_epi8(v, _mm_setzero_si128()), _mm_set1_epi8(-1));
}
/* A 256-entry byte table t[b] = lo[b & 15] & hi[b >> 4].  SSE2 has no byte
 * shuffle (PSHUFB is SSSE3): lanes are looked up one by one in the whole
 * table, from the vector's two halves in general registers (storing the
 * lanes and reloading the vector stalls store forwarding: 2x slower). */
typedef const fm_u8 *fm_vlut;
/* The nibble tables go unused: the whole table is looked up. */
#define fm_vlut_load(lo, hi, full) ((void)(lo), (void)(hi), (fm_vlut)(full))
FM_INLINE fm_v fm_vlut_apply(fm_vlut t, fm_v v)
{
    const uint64_t a = (uint64_t)_mm_cvtsi128_si64(v);
    const uint64_t b = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
    uint64_t ra = 0, rb = 0;
    int i;
    for (i = 0; i < 64; i += 8) {
        ra |= (uint64_t)t[(a >> i) & 0xff] << i;
        rb |= (uint64_t)t[(b >> i) & 0xff] << i;
    }
    return _mm_set_epi64x((long long)rb, (long long)ra);
}
/* For tables zero for bytes >= 0x80 (the whole table is looked up anyway). */
#define fm_vlut_apply7 fm_vlut_apply
