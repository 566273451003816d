# The search kernels' binding (the engine's interface and these kernels'
# declarations: _search.pxd).
#
# The engine is C, in fastmmap/csrc/search/: one search state, one cost
# model, the algorithms written once over a small vector layer with SSE2,
# AVX2, NEON and portable implementations (see search.h and engine.c
# there).  This module only passes arguments through, and picks the
# instruction set once, at import: the best this CPU runs, or the one
# FASTMMAP_ISA names (docs/performance.rst; the list is FM_ISAS in
# csrc/search/internal.h).

cdef extern from "<stdlib.h>" nogil:
    char *getenv(const char *name)

ctypedef const unsigned char *bytes_p


cdef Py_ssize_t find(const char *hay, Py_ssize_t n,
                     const char *needle, Py_ssize_t k) noexcept nogil:
    return fm_find(&fm_default, <bytes_p>hay, n, <bytes_p>needle, k)


cdef Py_ssize_t rfind(const char *hay, Py_ssize_t n,
                      const char *needle, Py_ssize_t k) noexcept nogil:
    return fm_rfind(&fm_default, <bytes_p>hay, n, <bytes_p>needle, k)


cdef Py_ssize_t count(const char *hay, Py_ssize_t n,
                      const char *needle, Py_ssize_t k) noexcept nogil:
    return fm_count(&fm_default, <bytes_p>hay, n, <bytes_p>needle, k)


cdef Py_ssize_t find_all(const char *hay, Py_ssize_t n,
                         const char *needle, Py_ssize_t k,
                         Py_ssize_t *out, Py_ssize_t cap,
                         Py_ssize_t *resume) noexcept nogil:
    return fm_find_all(&fm_default, <bytes_p>hay, n, <bytes_p>needle, k,
                       out, cap, resume)


cdef Py_ssize_t copy_find_all_byte(char *dst, const char *hay, Py_ssize_t n,
                                   char c, Py_ssize_t *out, Py_ssize_t cap,
                                   Py_ssize_t *resume) noexcept nogil:
    return fm_copy_find_all_byte(&fm_default, <unsigned char *>dst,
                                 <bytes_p>hay, n, <unsigned char>c, out, cap,
                                 resume)


cdef fm_set *set_new(const unsigned char * const *x, const Py_ssize_t *k,
                     Py_ssize_t count, int flags) noexcept nogil:
    return fm_set_new(&fm_default, x, k, count, flags)


cdef void set_free(fm_set *s) noexcept nogil:
    fm_set_free(s)


cdef Py_ssize_t set_find(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                         Py_ssize_t *len, Py_ssize_t *which) noexcept nogil:
    return fm_set_find(s, y, n, len, which)


cdef Py_ssize_t set_rfind(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                          Py_ssize_t *len, Py_ssize_t *which) noexcept nogil:
    return fm_set_rfind(s, y, n, len, which)


cdef Py_ssize_t set_count(const fm_set *s, const unsigned char *y,
                          Py_ssize_t n) noexcept nogil:
    return fm_set_count(s, y, n)


cdef Py_ssize_t set_find_all(const fm_set *s, const unsigned char *y, Py_ssize_t n,
                             Py_ssize_t *out, Py_ssize_t *which, Py_ssize_t cap,
                             Py_ssize_t *resume) noexcept nogil:
    return fm_set_find_all(s, y, n, out, which, cap, resume)


cdef int set_match_at(const fm_set *s, Py_ssize_t i, const unsigned char *y,
                      Py_ssize_t n) noexcept nogil:
    return fm_set_match_at(s, i, y, n)


def _choose_isa():
    cdef const char *wanted = getenv(b"FASTMMAP_ISA")
    cdef int rc = fm_init(wanted)
    if rc:
        name = wanted.decode("ascii", "replace")
        raise ImportError(
            f"FASTMMAP_ISA={name!r}: "
            + ("unknown instruction set" if rc == -1
               else "not in this build or not run by this CPU")
            + f" (available here: {fm_isa_available().decode()})")
    return fm_isa_name(&fm_default).decode()


# The instruction set the kernels use (a diagnostic, like NumPy's
# __cpu_features__): "avx2", "sse2", "neon" or "scalar".
isa = _choose_isa()
del _choose_isa
