# Search kernels: pure functions on (pointer, length).
#
# Contract for every kernel:
#   * noexcept nogil, no Python objects, no allocation visible to the caller;
#   * arguments are already normalised by the caller: hay points at n >= 0
#     readable bytes, needle at k >= 0 readable bytes (either pointer may be
#     anything when its length is 0);
#   * results are offsets relative to `hay`;
#   * worst-case time is linear in n + k.

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
