/* The kernels over NEON (aarch64, where NEON is the baseline). */
#include "internal.h"

#ifdef FM_HAVE_NEON
#include "vec_neon.h"

#define FM_NAME(f) f##_neon
#define FM_ISA_NAME "neon"
#define FM_ISA_VECTOR 1
/* libc's memchr: the block kernel's speed on Arm is unmeasured. */
#define FM_ISA_BYTE_SCAN 0
#include "kernels.h"
#else
typedef int fm_no_neon;
#endif
