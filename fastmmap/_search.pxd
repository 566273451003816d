# The search engine's interface, declared once for Cython: the C engine
# (csrc/search/search.h, reached through the "fastmmap" include directory
# every extension has) and the thin kernels _search.pyx builds on it, which
# _mmap and _scan cimport.
#
# Contract for every kernel:
#   * noexcept nogil, no Python objects, no allocation visible to the caller;
#   * arguments are already normalised by the caller: hay points at n >= 0
#     readable bytes, needle at k >= 0 readable bytes (either pointer may be
#     anything when its length is 0);
#   * results are offsets relative to `hay`;
#   * worst-case time is linear in n + k.

cdef extern from "csrc/search/search.h" nogil:
    ctypedef struct fm_config:
        pass
    fm_config fm_default
    int fm_init(const char *isa)
    const char *fm_isa_name(const fm_config *cfg)
    const char *fm_isa_available()
    Py_ssize_t fm_find(const fm_config *cfg, const unsigned char *y,
                       Py_ssize_t n, const unsigned char *x, Py_ssize_t k)
    Py_ssize_t fm_rfind(const fm_config *cfg, const unsigned char *y,
                        Py_ssize_t n, const unsigned char *x, Py_ssize_t k)
    Py_ssize_t fm_count(const fm_config *cfg, const unsigned char *y,
                        Py_ssize_t n, const unsigned char *x, Py_ssize_t k)
    Py_ssize_t fm_find_all(const fm_config *cfg, const unsigned char *y,
                           Py_ssize_t n, const unsigned char *x, Py_ssize_t k,
                           Py_ssize_t *out, Py_ssize_t cap,
                           Py_ssize_t *resume)
    Py_ssize_t fm_copy_find_all_byte(const fm_config *cfg, unsigned char *dst,
                                     const unsigned char *y, Py_ssize_t n,
                                     unsigned char c, Py_ssize_t *out,
                                     Py_ssize_t cap, Py_ssize_t *resume)
    # Any of several needles, optionally ignoring ASCII case (search.h):
    # a set is made once (allocates; NULL with errno on failure), then
    # read-only, searched by any number of threads at once.
    ctypedef struct fm_set:
        pass
    enum: FM_SET_FOLD
    fm_set *fm_set_new(const fm_config *cfg, const unsigned char * const *x,
                       const Py_ssize_t *k, Py_ssize_t count, int flags)
    void fm_set_free(fm_set *s)
    Py_ssize_t fm_set_find(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                           Py_ssize_t *len, Py_ssize_t *which)
    Py_ssize_t fm_set_rfind(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                            Py_ssize_t *len, Py_ssize_t *which)
    Py_ssize_t fm_set_count(const fm_set *s, const unsigned char *y, Py_ssize_t n)
    Py_ssize_t fm_set_find_all(const fm_set *s, const unsigned char *y,
                               Py_ssize_t n, Py_ssize_t *out, Py_ssize_t *which,
                               Py_ssize_t cap, Py_ssize_t *resume)
    int fm_set_match_at(const fm_set *s, Py_ssize_t i, const unsigned char *y,
                        Py_ssize_t n)
    Py_ssize_t fm_set_size(const fm_set *s)
    Py_ssize_t fm_set_len(const fm_set *s, Py_ssize_t i)

# Offset of the first occurrence of needle in hay[0:n], or -1.
# k == 0 returns 0 (like bytes.find with an empty needle).
cdef Py_ssize_t find(const char *hay, Py_ssize_t n,
                     const char *needle, Py_ssize_t k) noexcept nogil

# Offset of the last occurrence of needle in hay[0:n], or -1.
# k == 0 returns n (like bytes.rfind with an empty needle).
cdef Py_ssize_t rfind(const char *hay, Py_ssize_t n,
                      const char *needle, Py_ssize_t k) noexcept nogil

# Number of non-overlapping occurrences, scanning left to right (bytes.count).
# k == 0 returns n + 1.
cdef Py_ssize_t count(const char *hay, Py_ssize_t n,
                      const char *needle, Py_ssize_t k) noexcept nogil

# Offsets of non-overlapping occurrences (left to right) written to out[0:cap].
# Returns how many were written (<= cap) and stores in *resume the offset at
# which a following call must continue (n when the haystack is exhausted).
# Requires k >= 1: the caller answers an empty needle itself.
cdef Py_ssize_t find_all(const char *hay, Py_ssize_t n,
                         const char *needle, Py_ssize_t k,
                         Py_ssize_t *out, Py_ssize_t cap,
                         Py_ssize_t *resume) noexcept nogil

# memcpy(dst, hay, n), then find_all(dst, n, &c, 1, out, cap, resume): the
# offsets of byte c in the copy, found in the same pass over hay where the
# CPU has the vector kernels.  dst holds n bytes and does not overlap hay.
cdef Py_ssize_t copy_find_all_byte(char *dst, const char *hay, Py_ssize_t n,
                                   char c, Py_ssize_t *out, Py_ssize_t cap,
                                   Py_ssize_t *resume) noexcept nogil

# A set of `count` needles x[i][0:k[i]] (k[i] >= 1) for the fm_set_*
# searches above, with the product's configuration (fm_default); flags 0 or
# FM_SET_FOLD (ASCII letters match either case).  NULL with errno set
# (ENOMEM, EINVAL); free with fm_set_free.
cdef fm_set *set_new(const unsigned char * const *x, const Py_ssize_t *k,
                     Py_ssize_t count, int flags) noexcept nogil

# The set searches above, as functions another extension can call (their
# C symbols are not visible outside this one): the same contracts.
cdef void set_free(fm_set *s) noexcept nogil
cdef Py_ssize_t set_find(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                         Py_ssize_t *len, Py_ssize_t *which) noexcept nogil
cdef Py_ssize_t set_rfind(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                          Py_ssize_t *len, Py_ssize_t *which) noexcept nogil
cdef Py_ssize_t set_count(const fm_set *s, const unsigned char *y,
                          Py_ssize_t n) noexcept nogil
cdef Py_ssize_t set_find_all(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                             Py_ssize_t *out, Py_ssize_t *which, Py_ssize_t cap,
                             Py_ssize_t *resume) noexcept nogil
cdef int set_match_at(const fm_set *s, Py_ssize_t i, const unsigned char *y,
                      Py_ssize_t n) noexcept nogil
