/* Vector layer: AVX2, 32-byte vectors.  Compiled only inside the target
 * region isa_avx2.c opens, and run only when CPUID said yes (dispatch.c). */
#include <immintrin.h>

#define FM_VW 32
typedef __m256i fm_v;

FM_INLINE fm_v fm_vload(const fm_u8 *p)
{
    return _mm256_loadu_si256((const __m256i *)(const void *)p);
}
FM_INLINE void fm_vstore(fm_u8 *p, fm_v v)
{
    _mm256_storeu_si256((__m256i *)(void *)p, v);
}
FM_INLINE fm_v fm_vsplat(fm_u8 c) { return _mm256_set1_epi8((char)c); }
FM_INLINE fm_v fm_vzero(void) { return _mm256_setzero_si256(); }
FM_INLINE fm_v fm_veq(fm_v a, fm_v b) { return _mm256_cmpeq_epi8(a, b); }
FM_INLINE fm_v fm_vand(fm_v a, fm_v b) { return _mm256_and_si256(a, b); }
FM_INLINE fm_v fm_vor(fm_v a, fm_v b) { return _mm256_or_si256(a, b); }
FM_INLINE int fm_vany(fm_v e) { return !_mm256_testz_si256(e, e); }
FM_INLINE uint64_t fm_vmask(fm_v e)
{
    return (uint64_t)(unsigned)_mm256_movemask_epi8(e);
}
FM_INLINE uint64_t fm_vmask64(const fm_v *e)
{
    return fm_vmask(e[0]) | fm_vmask(e[1]) << 32;
}
FM_INLINE fm_v fm_vtally(fm_v acc, fm_v e) { return _mm256_sub_epi8(acc, e); }
FM_INLINE size_t fm_vsum(fm_v acc)
{
    const fm_v s = _mm256_sad_epu8(acc, _mm256_setzero_si256());
    return (size_t)_mm256_extract_epi64(s, 0) + (size_t)_mm256_extract_epi64(s, 1)
           + (size_t)_mm256_extract_epi64(s, 2) + (size_t)_mm256_extract_epi64(s, 3);
}
/* Every AVX2 CPU has POPCNT; dispatch.c checks it with AVX2. */
#define fm_popcount(m) ((size_t)__builtin_popcountll(m))

/* ---- For the set kernels (set_kernels.h) ---- */
/* Whether any bit of v is set. */
FM_INLINE int fm_vnonzero(fm_v v) { return !_mm256_testz_si256(v, v); }
/* Lanes true where v is nonzero. */
FM_INLINE fm_v fm_vnz(fm_v v)
{
    return _mm256_xor_si256(_mm256_cmpeq_epi8(v, _mm256_setzero_si256()),
                            _mm256_set1_epi8(-1));
}
/* A 256-entry byte table t[b] = lo[b & 15] & hi[b >> 4], kept as its two
 * nibble tables (each 128-bit lane of vpshufb looks up its own copy). */
typedef struct { fm_v lo, hi; } fm_vlut;
FM_INLINE fm_vlut fm_vlut_load(const fm_u8 *lo, const fm_u8 *hi, const fm_u8 *full)
{
    fm_vlut t;
    (void)full;
    t.lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)lo));
    t.hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)hi));
    return t;
}
FM_INLINE fm_v fm_vlut_apply(fm_vlut t, fm_v v)
{
    const fm_v nib = _mm256_set1_epi8(0x0f);
    return _mm256_and_si256(
        _mm256_shuffle_epi8(t.lo, _mm256_and_si256(v, nib)),
        _mm256_shuffle_epi8(t.hi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib)));
}
/* As fm_vlut_apply, for tables whose entries for bytes >= 0x80 are zero:
 * VPSHUFB zeroes the lanes with their top bit set by itself, so the low
 * nibble needs no mask. */
FM_INLINE fm_v fm_vlut_apply7(fm_vlut t, fm_v v)
{
    return _mm256_and_si256(
        _mm256_shuffle_epi8(t.lo, v),
        _mm256_shuffle_epi8(t.hi, _mm256_and_si256(_mm256_srli_epi16(v, 4),
                                                   _mm256_set1_epi8(0x0f))));
}
