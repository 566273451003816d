/* The kernels over NEON (aarch64, where NEON is the baseline). */
#include "internal.h"
#include "set_internal.h"

#if !defined(FM_PORTABLE) && defined(__aarch64__)
#include "vec_neon.h"

#define FM_NAME(f) f##_neon
#define FM_ISA_VECTOR 1
/* libc's memchr: nobody has timed the block kernel against it on Arm. */
#define FM_ISA_BYTE_SCAN 0
#include "kernels.h"
#include "set_kernels.h"

FM_ISA_DEFINE(neon, &fm_ops_neon, NULL);
FM_SET_ISA_DEFINE(neon, &fm_set_ops_neon);
#else
FM_ISA_DEFINE(neon, NULL, NULL);
FM_SET_ISA_DEFINE(neon, NULL);
#endif
