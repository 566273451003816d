/* The kernels over NEON (aarch64, where NEON is the baseline). */
#include "internal.h"

#ifdef FM_HAVE_NEON
#include "vec_neon.h"

#define FM_NAME(f) f##_neon
#define FM_ISA_NAME "neon"
#define FM_ISA_VECTOR 1
#include "kernels.h"
#else
typedef int fm_no_neon;
#endif
