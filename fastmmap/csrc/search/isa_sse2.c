/* The kernels over SSE2 (x86-64 only; SSE2 is its baseline). */
#include "internal.h"
#include "set_internal.h"

#if !defined(FM_PORTABLE) && (defined(__x86_64__) || defined(__amd64__))
#include "vec_sse2.h"

#define FM_NAME(f) f##_sse2
#define FM_ISA_VECTOR 1
/* The block byte scan reads faster than glibc's memchr here
 * (bench/RESULTS.rst, "The block byte scan"). */
#define FM_ISA_BYTE_SCAN 1
#include "kernels.h"
#include "set_kernels.h"

FM_ISA_DEFINE(sse2, &fm_ops_sse2, NULL);
FM_SET_ISA_DEFINE(sse2, &fm_set_ops_sse2);
#else
FM_ISA_DEFINE(sse2, NULL, NULL);
FM_SET_ISA_DEFINE(sse2, NULL);
#endif
