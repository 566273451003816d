/* Vector layer: portable C, an 8-byte word as eight lanes (SWAR).  Compare
 * results hold 1 in a true lane and 0 elsewhere; the lanes are in memory
 * order on either byte order. */

#define FM_VW 8
typedef uint64_t fm_v;

#define FM_LO7 0x7f7f7f7f7f7f7f7full
#define FM_ONES 0x0101010101010101ull

FM_INLINE fm_v fm_vload(const fm_u8 *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}
FM_INLINE void fm_vstore(fm_u8 *p, fm_v v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    memcpy(p, &v, 8);
}
FM_INLINE fm_v fm_vsplat(fm_u8 c) { return FM_ONES * c; }
FM_INLINE fm_v fm_vzero(void) { return 0; }
FM_INLINE fm_v fm_veq(fm_v a, fm_v b)
{
    /* Exact zero-byte test of a ^ b: a lane's top bit survives only if
     * neither its low seven bits (plus 0x7f) nor the lane itself carried
     * one; no borrow crosses lanes, so no false positives. */
    const uint64_t d = a ^ b;
    return (~(((d & FM_LO7) + FM_LO7) | d) >> 7) & FM_ONES;
}
FM_INLINE fm_v fm_vand(fm_v a, fm_v b) { return a & b; }
FM_INLINE fm_v fm_vor(fm_v a, fm_v b) { return a | b; }
FM_INLINE int fm_vany(fm_v e) { return e != 0; }
FM_INLINE uint64_t fm_vmask(fm_v e)
{
    /* Multiplying 0/1 lanes by this constant gathers lane i's bit into bit
     * 56 + i without carries (the partial products land on distinct bits). */
    return (e * 0x0102040810204080ull) >> 56;
}
FM_INLINE uint64_t fm_vmask64(const fm_v *e)
{
    uint64_t m = 0;
    int q;
    for (q = 0; q < 8; q++)
        m |= fm_vmask(e[q]) << (8 * q);
    return m;
}
FM_INLINE fm_v fm_vtally(fm_v acc, fm_v e) { return acc + e; }
FM_INLINE size_t fm_vsum(fm_v acc)
{
    uint64_t s = (acc & 0x00ff00ff00ff00ffull) + ((acc >> 8) & 0x00ff00ff00ff00ffull);
    return (size_t)((s * 0x0001000100010001ull) >> 48);
}
#define fm_popcount(m) ((size_t)fm_popcount_swar(m))

/* ---- For the set kernels (set_kernels.h) ---- */
/* Whether any bit of v is set. */
FM_INLINE int fm_vnonzero(fm_v v) { return v != 0; }
/* Lanes 1 where v's byte is nonzero: a lane's top bit is set by its own
 * top bit or by the carry out of its low seven (no carry crosses lanes). */
FM_INLINE fm_v fm_vnz(fm_v v)
{
    return ((((v & FM_LO7) + FM_LO7) | v) >> 7) & FM_ONES;
}
/* A 256-entry byte table t[b] = lo[b & 15] & hi[b >> 4], looked up lane by
 * lane in the whole table. */
typedef const fm_u8 *fm_vlut;
/* The nibble tables go unused: the whole table is looked up. */
#define fm_vlut_load(lo, hi, full) ((void)(lo), (void)(hi), (fm_vlut)(full))
FM_INLINE fm_v fm_vlut_apply(fm_vlut t, fm_v v)
{
    fm_v r = 0;
    int i;
    for (i = 0; i < 64; i += 8)
        r |= (fm_v)t[(v >> i) & 0xff] << i;
    return r;
}
/* For tables zero for bytes >= 0x80 (the whole table is looked up anyway). */
#define fm_vlut_apply7 fm_vlut_apply
