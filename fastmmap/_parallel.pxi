# count() and find_all() with workers= (included by _mmap.pyx): one map's
# range split across threads (_workers.pxd), each scanning its part of the
# same mapping -- nothing is mapped twice.
#
# The parts are cut where no occurrence of the needle straddles the cut.
# There, the left-to-right non-overlapping scan of count() and find_all()
# is in the same state whether it started at the range's start or at the
# cut, so the parts' matches, put together, are exactly the whole range's.

from fastmmap cimport _workers

# A part smaller than this is not worth a thread: starting one costs about
# as much as scanning a megabyte, and a part must dwarf that.
cdef Py_ssize_t PARALLEL_MIN = 16 << 20

# Moves of a cut past straddling occurrences before giving that cut up (a
# needle like b"aa" in a run of b"a"s straddles every position).
cdef int _CUT_TRIES = 64


cdef int _workers_arg(object workers) except -1:
    """workers= of count() and find_all(): None for every CPU this process
    may use, else an int >= 1."""
    cdef Py_ssize_t n
    if workers is None:
        return _workers.default_count()
    n = as_ssize(workers)
    if n < 1:
        raise ValueError("workers must be at least 1 (or None for one per CPU)")
    return <int>min(n, 1 << 10)


cdef Py_ssize_t _clean_cut(mmap m, _Searcher *s, Py_ssize_t pos, Py_ssize_t lo,
                           Py_ssize_t hi) except -2:
    """A position in (lo, hi), at or after ``pos``, that no occurrence
    straddles (starts before it and ends after it); -1 if none is found
    quickly.  Each probe is a search of 2k - 2 bytes (k the longest
    needle) with the GIL held."""
    cdef int tries
    cdef Py_ssize_t k = s.longest, from_, to
    cdef _SearchArgs a
    for tries in range(_CUT_TRIES):
        if not lo < pos < hi:
            return -1
        if k <= 1:
            return pos
        # The occurrences inside [pos - k + 1, pos + k - 1) include every
        # one that starts before pos and ends after it.
        from_ = max(pos - k + 1, lo)
        to = min(pos + k - 1, hi)
        a.hay = m._data + from_
        a.n = to - from_
        a.needle = s.needle
        a.k = s.k
        a.set = s.set
        m._run(_FIND, &a, False)
        if a.result < 0:
            return pos
        pos = from_ + a.result + a.length
    return -1


cdef list _cuts(mmap m, _Searcher *s, Py_ssize_t start, Py_ssize_t end,
                int workers):
    """Bounds start = c0 < c1 < ... < cn = end of at most ``workers`` parts
    of at least PARALLEL_MIN bytes each (a single part: [start, end])."""
    cdef Py_ssize_t size = end - start, cut
    cdef Py_ssize_t parts = min(<Py_ssize_t>workers, size // PARALLEL_MIN)
    cdef Py_ssize_t i
    bounds = [start]
    for i in range(1, parts):
        cut = _clean_cut(m, s, start + size // parts * i, bounds[len(bounds) - 1], end)
        if cut >= 0:
            bounds.append(cut)
    bounds.append(end)
    return bounds


cdef int _run_parts(mmap m, Guarded fn, void *tasks, size_t stride,
                    Py_ssize_t n) except -1:
    """fn over n task structs on n threads, holding the scan guard."""
    cdef int *faulted = <int *>PyMem_Malloc(<size_t>n * sizeof(int))
    cdef Py_ssize_t i
    if faulted == NULL:
        raise MemoryError()
    try:
        # SAFETY: the scan guard makes close() and resize() raise
        # BufferError until every thread is done, so each part the caller
        # cut from the current size stays mapped.
        m._enter_scan()
        try:
            _workers.run_tasks(fn, tasks, stride, n, faulted)
        finally:
            m._leave_scan()
        for i in range(n):
            if faulted[i]:
                _os.raise_truncated()
    finally:
        PyMem_Free(faulted)
    return 0


cdef Py_ssize_t _count_parts(mmap m, _Searcher *s, Py_ssize_t start,
                             Py_ssize_t end, int workers) except -1:
    """count() of [start, end) (bounds checked) across threads."""
    cdef list bounds = _cuts(m, s, start, end, workers)
    cdef Py_ssize_t n = len(bounds) - 1, i, total = 0
    cdef _SearchArgs *tasks
    if n <= 1:
        return _count_in(m, s, start, end)
    tasks = <_SearchArgs *>PyMem_Malloc(<size_t>n * sizeof(_SearchArgs))
    if tasks == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            tasks[i].hay = m._data + <Py_ssize_t>bounds[i]
            tasks[i].n = <Py_ssize_t>bounds[i + 1] - <Py_ssize_t>bounds[i]
            tasks[i].needle = s.needle
            tasks[i].k = s.k
            tasks[i].set = s.set
            tasks[i].result = 0
        _run_parts(m, _do_count, tasks, sizeof(_SearchArgs), n)
        for i in range(n):
            total += tasks[i].result
    finally:
        PyMem_Free(tasks)
    return total


cdef OffsetBuffer _offsets_parts(mmap m, _Searcher *s, Py_ssize_t start,
                                 Py_ssize_t end, int workers):
    """_offsets_of() across threads.  Each part writes into its own stretch
    of one reservation, sized for the most matches that part can hold, and
    the stretches are then moved together.  None when the reservation
    cannot be had (the caller scans in one thread, growing as it goes)."""
    cdef list bounds = _cuts(m, s, start, end, workers)
    cdef Py_ssize_t n = len(bounds) - 1, i, lo, hi, slot = 0
    cdef _FindAllArgs *tasks
    cdef OffsetBuffer buf
    if n <= 1:
        return None
    try:
        buf = reserve_offsets((end - start) // s.shortest)
    except MemoryError:
        return None
    tasks = <_FindAllArgs *>PyMem_Malloc(<size_t>n * sizeof(_FindAllArgs))
    if tasks == NULL:
        raise MemoryError()
    try:
        for i in range(n):
            lo = bounds[i]
            hi = bounds[i + 1]
            tasks[i].hay = m._data + lo
            tasks[i].n = hi - lo
            tasks[i].needle = s.needle
            tasks[i].k = s.k
            tasks[i].set = s.set
            tasks[i].origin = lo
            # A part of hi - lo bytes holds at most (hi - lo) // shortest
            # non-overlapping matches: one pass fills it.
            tasks[i].out = buf.data + slot
            tasks[i].cap = (hi - lo) // s.shortest
            tasks[i].found = 0
            slot += tasks[i].cap
        _run_parts(m, _do_find_all, tasks, sizeof(_FindAllArgs), n)
        for i in range(n):
            # SAFETY: both stretches are inside buf; the destination ends
            # at or before the source's start (memmove for the overlap).
            posix.memmove(buf.data + buf.count, tasks[i].out,
                          <size_t>tasks[i].found * sizeof(Py_ssize_t))
            buf.count += tasks[i].found
    finally:
        PyMem_Free(tasks)
    return buf
