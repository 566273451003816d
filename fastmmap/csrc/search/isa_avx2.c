/* The kernels over AVX2 (x86-64 only), compiled for AVX2 in this file
 * alone, so the rest of the extension keeps the baseline and one binary
 * serves every CPU; dispatch.c runs them only where CPUID allows. */
#include "internal.h"

#ifdef FM_HAVE_AVX2
#if defined(__clang__)
#  pragma clang attribute push(__attribute__((target("avx2,bmi,popcnt"))), apply_to = function)
#else
#  pragma GCC push_options
#  pragma GCC target("avx2,bmi,popcnt")
#endif
#include "vec_avx2.h"

#define FM_NAME(f) f##_avx2
#define FM_ISA_NAME "avx2"
#define FM_ISA_VECTOR 1
#define FM_ISA_BYTE_SCAN 1   /* measured ahead of glibc memchr (kernels.h) */
#include "kernels.h"

#if defined(__clang__)
#  pragma clang attribute pop
#else
#  pragma GCC pop_options
#endif
#else
typedef int fm_no_avx2;
#endif
