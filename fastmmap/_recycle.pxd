# Declarations of the line-object reuse behind lines() (see _recycle.h).

cdef extern from "_recycle.h":
    ctypedef struct fastmmap_spare:
        pass
    # Drops the kept objects.
    void fastmmap_spare_clear(fastmmap_spare *s)
    # A zeroed heap copy, or NULL (no exception set); free takes NULL.
    fastmmap_spare *fastmmap_spare_new()
    void fastmmap_spare_free(fastmmap_spare *s)
    # A bytes object holding src[0:n]: the kept one when the caller has
    # let go of it and it fits, else a new one, which is then kept.
    object fastmmap_spare_bytes(fastmmap_spare *s, const char *src,
                                Py_ssize_t n)
