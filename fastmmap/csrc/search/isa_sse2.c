/* The kernels over SSE2 (x86-64 only; SSE2 is its baseline). */
#include "internal.h"

#ifdef FM_HAVE_SSE2
#include "vec_sse2.h"

#define FM_NAME(f) f##_sse2
#define FM_ISA_NAME "sse2"
#define FM_ISA_VECTOR 1
#define FM_ISA_BYTE_SCAN 1   /* measured ahead of glibc memchr (kernels.h) */
#include "kernels.h"
#else
/* ISO C wants a translation unit to declare something. */
typedef int fm_no_sse2;
#endif
