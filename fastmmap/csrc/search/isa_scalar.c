/* The kernels over the portable SWAR layer: every build has them, the
 * portable build (FASTMMAP_PORTABLE=1) has only them. */
#include "internal.h"
#include "set_internal.h"
#include "vec_scalar.h"

#define FM_NAME(f) f##_scalar
/* Slower than libc's memchr as a prefilter: the default policy keeps to
 * memchr here (the pair is still reachable by a forced configuration). */
#define FM_ISA_VECTOR 0
#define FM_ISA_BYTE_SCAN 0   /* libc's memchr beats the SWAR layer */
#include "kernels.h"
#include "set_kernels.h"

FM_ISA_DEFINE(scalar, &fm_ops_scalar, NULL);
FM_SET_ISA_DEFINE(scalar, &fm_set_ops_scalar);
