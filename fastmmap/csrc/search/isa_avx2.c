/* The kernels over AVX2 (x86-64 only), compiled for AVX2 in this file
 * alone, so the rest of the extension keeps the baseline and one binary
 * serves every CPU; fm_avx2_runs() below says whether this CPU may run
 * them. */
#include "internal.h"
#include "set_internal.h"

#if !defined(FM_PORTABLE) && (defined(__x86_64__) || defined(__amd64__)) \
    && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>

#if defined(__clang__)
#  pragma clang attribute push(__attribute__((target("avx2,bmi,popcnt"))), apply_to = function)
#else
#  pragma GCC push_options
#  pragma GCC target("avx2,bmi,popcnt")
#endif
#include "vec_avx2.h"

#define FM_NAME(f) f##_avx2
#define FM_ISA_VECTOR 1
/* As for SSE2: the block byte scan beats glibc's memchr. */
#define FM_ISA_BYTE_SCAN 1
#include "kernels.h"
#include "set_kernels.h"

#if defined(__clang__)
#  pragma clang attribute pop
#else
#  pragma GCC pop_options
#endif

/* AVX2 with the BMI1 and POPCNT that its kernels are compiled for, and the
 * OS saving the YMM registers.  Outside the target region: it runs on CPUs
 * without AVX2. */
static int fm_cpu_has_avx2(void)
{
    unsigned int a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid(1, a, b, c, d);
    /* POPCNT, OSXSAVE, AVX. */
    if (!(c & (1u << 23)) || !(c & (1u << 27)) || !(c & (1u << 28)))
        return 0;
    /* XCR0: SSE and AVX state enabled.  The _xgetbv intrinsic would need
     * the XSAVE target in this file; the encoded instruction needs none. */
    {
        unsigned int lo, hi;
        __asm__ __volatile__(".byte 0x0f, 0x01, 0xd0" : "=a"(lo), "=d"(hi) : "c"(0));
        (void)hi;
        if ((lo & 6u) != 6u)
            return 0;
    }
    __cpuid_count(7, 0, a, b, c, d);
    return (b & (1u << 5)) && (b & (1u << 3));
}

static int fm_avx2_runs(void)
{
    /* CPUID once; a racing first call computes the same answer. */
    static int avx2 = -1;
    if (avx2 < 0)
        avx2 = fm_cpu_has_avx2();
    return avx2;
}

FM_ISA_DEFINE(avx2, &fm_ops_avx2, fm_avx2_runs);
FM_SET_ISA_DEFINE(avx2, &fm_set_ops_avx2);
#else
FM_ISA_DEFINE(avx2, NULL, NULL);
FM_SET_ISA_DEFINE(avx2, NULL);
#endif
