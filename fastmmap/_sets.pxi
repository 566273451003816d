# What count(), find_all() and search() look for (included by _mmap.pyx):
# one needle, or -- for a tuple or list of needles, or one needle with
# ignore_case -- any needle of a set the search engine prepares (fm_set:
# leftmost-longest, as grep -F takes several needles).

cdef struct _Searcher:
    const char *needle          # one needle (set is NULL) ...
    Py_ssize_t k
    const _search.fm_set *set   # ... or any needle of this set
    Py_ssize_t shortest         # bounds how many occurrences fit in a range
    Py_ssize_t longest          # bounds what may straddle a cut


cdef inline bint _several(object sub):
    return isinstance(sub, (tuple, list))


@cython.final
@cython.auto_pickle(False)
cdef class _NeedleSet:
    """A set of needles made for one call, freed with it."""
    cdef _search.fm_set *set
    cdef tuple needles          # keeps the needles' bytes alive
    cdef const unsigned char **xs
    cdef Py_ssize_t *ks
    cdef Py_ssize_t shortest, longest

    def __dealloc__(self):
        if self.set != NULL:
            _search.set_free(self.set)
        PyMem_Free(self.xs)
        PyMem_Free(self.ks)


cdef _NeedleSet _needle_set(object sub, bint ignore_case):
    """The set for ``sub``: a tuple or list of bytes-like needles, or one
    needle (ignoring case).  ValueError for no needle, or an empty one
    among several or ignoring case (it would match everywhere: ask for it
    alone)."""
    cdef _NeedleSet s = _NeedleSet.__new__(_NeedleSet)
    cdef Py_ssize_t i, n
    cdef bytes x
    s.needles = tuple(bytes(memoryview(x)) for x in (sub if _several(sub) else (sub,)))
    n = len(s.needles)
    if n == 0:
        raise ValueError("no needle given")
    if any(len(x) == 0 for x in s.needles):
        raise ValueError("an empty needle among several, or ignoring case, "
                         "matches everywhere: search for it alone")
    s.xs = <const unsigned char **>PyMem_Malloc(n * sizeof(void *))
    s.ks = <Py_ssize_t *>PyMem_Malloc(n * sizeof(Py_ssize_t))
    if s.xs == NULL or s.ks == NULL:
        raise MemoryError()
    for i in range(n):
        x = s.needles[i]
        s.xs[i] = <const unsigned char *>PyBytes_AS_STRING(x)
        s.ks[i] = len(x)
    s.shortest = min(s.ks[i] for i in range(n))
    s.longest = max(s.ks[i] for i in range(n))
    s.set = _search.set_new(s.xs, s.ks, n, _search.FM_SET_FOLD if ignore_case else 0)
    if s.set == NULL:
        raise MemoryError("cannot prepare the search for these needles")
    return s


cdef inline void _one_needle(_Searcher *s, const char *needle, Py_ssize_t k) noexcept:
    s.needle = needle
    s.k = s.shortest = s.longest = k
    s.set = NULL


cdef inline void _set_of(_Searcher *s, _NeedleSet needles) noexcept:
    s.needle = NULL
    s.k = 0
    s.set = needles.set
    s.shortest = needles.shortest
    s.longest = needles.longest


cdef Py_ssize_t _count_in(mmap m, _Searcher *s, Py_ssize_t start,
                          Py_ssize_t end) except -1:
    """Occurrences in [start, end) (bounds checked), in this thread."""
    cdef _SearchArgs a
    a.hay = m._data + start
    a.n = end - start
    a.needle = s.needle
    a.k = s.k
    a.set = s.set
    m._run(_COUNT, &a, a.n >= GIL_FREE_MIN)
    return a.result


cdef tuple _span_in(mmap m, _Searcher *s, Py_ssize_t start, Py_ssize_t end,
                    bint reverse):
    """search(): the (start, end) of the first (last) occurrence of a set's
    needle in [start, end), or (-1, -1)."""
    cdef _SearchArgs a
    a.hay = m._data + start
    a.n = end - start
    a.needle = NULL
    a.k = 0
    a.set = s.set
    m._run(_RFIND if reverse else _FIND, &a, a.n >= 2 * GIL_FREE_MIN)
    if a.result < 0:
        return (-1, -1)
    return (start + a.result, start + a.result + a.length)


cdef object _search_span(mmap m, object sub, object start, object end,
                         bint ignore_case, bint reverse):
    """mmap.search()."""
    cdef _Needle needle
    cdef _NeedleSet needles
    cdef _Searcher s
    cdef Py_ssize_t c_start, c_end, at
    if _several(sub) or ignore_case:
        needles = _needle_set(sub, ignore_case)
        if not _find_range(m, start, end, &c_start, &c_end):
            return (-1, -1)
        _set_of(&s, needles)
        return _span_in(m, &s, c_start, c_end, reverse)
    _take_needle(sub, &needle)
    try:
        if not _find_range(m, start, end, &c_start, &c_end):
            return (-1, -1)
        if reverse:
            at = m._rfind(c_start, c_end, needle.data, needle.len)
        else:
            at = m._find(c_start, c_end, needle.data, needle.len)
        if at < 0:
            return (-1, -1)
        return (at, at + needle.len)
    finally:
        _release_needle(&needle)
