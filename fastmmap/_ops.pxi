# The guarded operations on mapped bytes, included by _mmap.pyx.
#
# Each operation is a small `noexcept nogil` function taking a pointer to its
# own argument struct, so that mmap._run() can hand it to the fault guard
# (_guard.pxd) with or without the GIL.  An operation never raises,
# allocates or looks at Python objects: it reads and writes the pointers its
# caller put in the struct and leaves its results there.
#
# mmap._run() takes an _Operation: the function and whether it stores into
# mapped bytes.  _run() counts every such store (mmap._writes), which is
# how lines() learns that its copied window went stale; a write that is not
# declared here as one would go unseen.
#
# SAFETY (every function here): the caller has re-checked, with the GIL held
# and after its last call into Python code, that each pointer is valid for
# the length it gives; it keeps any buffer outside the map alive, and _run
# keeps the map itself mapped (the GIL, or the scan guard when released).
# The fault guard turns a SIGBUS from a truncated file into an error return.

cdef struct _Operation:
    Guarded run             # the access
    bint writes             # it stores into mapped bytes


cdef struct _SearchArgs:
    const char *hay         # the map range searched
    Py_ssize_t n
    const char *needle      # one needle ...
    Py_ssize_t k
    const _search.fm_set *set   # ... or, when not NULL, any of a set's
    Py_ssize_t result       # the kernel's answer, relative to hay
    Py_ssize_t length       # find/rfind: the occurrence's length


cdef void _do_find(void *args) noexcept nogil:
    cdef _SearchArgs *a = <_SearchArgs *>args
    if a.set != NULL:
        a.result = _search.set_find(a.set, <const unsigned char *>a.hay, a.n,
                                    &a.length, NULL)
    else:
        a.result = _search.find(a.hay, a.n, a.needle, a.k)
        a.length = a.k


cdef void _do_rfind(void *args) noexcept nogil:
    cdef _SearchArgs *a = <_SearchArgs *>args
    if a.set != NULL:
        a.result = _search.set_rfind(a.set, <const unsigned char *>a.hay, a.n,
                                     &a.length, NULL)
    else:
        a.result = _search.rfind(a.hay, a.n, a.needle, a.k)
        a.length = a.k


cdef void _do_count(void *args) noexcept nogil:
    cdef _SearchArgs *a = <_SearchArgs *>args
    if a.set != NULL:
        a.result = _search.set_count(a.set, <const unsigned char *>a.hay, a.n)
    else:
        a.result = _search.count(a.hay, a.n, a.needle, a.k)


# find_all asks the kernel for this many offsets at a time, so that adding
# the map offset to them touches slots still in cache.
cdef Py_ssize_t FIND_ALL_BATCH = 1 << 15


cdef struct _FindAllArgs:
    const char *hay         # the map range searched
    Py_ssize_t n
    const char *needle
    Py_ssize_t k            # >= 1
    const _search.fm_set *set   # when not NULL: any of a set's needles
    Py_ssize_t origin       # map offset of hay[0]
    Py_ssize_t *out         # where the map offsets go, room for cap
    Py_ssize_t cap
    Py_ssize_t found        # offsets written to out
    Py_ssize_t resume       # hay offset to continue from when out filled up


cdef void _do_find_all(void *args) noexcept nogil:
    """Map offsets of the matches in hay[0:n] into out[0:cap]."""
    cdef _FindAllArgs *a = <_FindAllArgs *>args
    cdef Py_ssize_t pos = 0, done = 0, want, found, i, step
    cdef Py_ssize_t *slot
    while True:
        want = min(FIND_ALL_BATCH, a.cap - done)
        if want <= 0:
            break
        slot = a.out + done
        if a.set != NULL:
            found = _search.set_find_all(
                a.set, <const unsigned char *>a.hay + pos, a.n - pos, slot,
                NULL, want, &step)
        else:
            found = _search.find_all(a.hay + pos, a.n - pos, a.needle, a.k,
                                     slot, want, &step)
        for i in range(found):
            slot[i] += a.origin + pos
        done += found
        pos += step
        if found < want:
            break
    a.resume = pos
    a.found = done


cdef struct _CopyArgs:
    char *dst
    const char *src         # may overlap dst (a view of the same map)
    Py_ssize_t n


cdef void _do_copy(void *args) noexcept nogil:
    cdef _CopyArgs *a = <_CopyArgs *>args
    posix.memmove(a.dst, a.src, <size_t>a.n)


cdef struct _StridedArgs:
    char *dst
    const char *src
    Py_ssize_t n            # items copied
    Py_ssize_t step         # stride on the map side (src for a gather)


cdef void _do_gather(void *args) noexcept nogil:
    """dst[j] = src[j * step]: a slice with a step, read from the map."""
    cdef _StridedArgs *a = <_StridedArgs *>args
    cdef Py_ssize_t j
    for j in range(a.n):
        a.dst[j] = a.src[j * a.step]


cdef void _do_scatter(void *args) noexcept nogil:
    """dst[j * step] = src[j]: a slice with a step, written to the map."""
    cdef _StridedArgs *a = <_StridedArgs *>args
    cdef Py_ssize_t j
    for j in range(a.n):
        a.dst[j * a.step] = a.src[j]


cdef struct _ByteArgs:
    char *addr              # the mapped byte
    int value               # 0..255: read into, or written from


cdef void _do_load(void *args) noexcept nogil:
    cdef _ByteArgs *a = <_ByteArgs *>args
    a.value = <unsigned char>a.addr[0]


cdef void _do_store(void *args) noexcept nogil:
    cdef _ByteArgs *a = <_ByteArgs *>args
    a.addr[0] = <char>a.value


cdef struct _WindowArgs:
    char *dst               # the window's own n bytes
    const char *src         # the map range copied
    Py_ssize_t n
    Py_ssize_t *ends        # newline offsets of dst, room for cap
    Py_ssize_t cap
    Py_ssize_t found        # offsets written to ends
    Py_ssize_t resume       # dst offset up to which newlines are known


cdef void _do_copy_window(void *args) noexcept nogil:
    """src[0:n] copied to dst and the offsets of its newlines found, in one
    pass over the map (lines())."""
    cdef _WindowArgs *a = <_WindowArgs *>args
    a.found = _search.copy_find_all_byte(a.dst, a.src, a.n, 10, a.ends,
                                         a.cap, &a.resume)


cdef struct _PeekLineArgs:
    char *dst               # room for n bytes
    const char *src         # the map from the position on
    Py_ssize_t n
    Py_ssize_t length       # bytes of the line up to its newline, or -1


cdef void _do_peek_line(void *args) noexcept nogil:
    """src[0:n] up to and including its first newline copied to dst; length
    is what was copied if a newline was found, else -1 (and all n bytes were
    copied): readline()'s short lines in one guarded step."""
    cdef _PeekLineArgs *a = <_PeekLineArgs *>args
    cdef Py_ssize_t nl = _search.find(a.src, a.n, b"\n", 1)
    cdef Py_ssize_t j = a.n if nl < 0 else nl + 1
    posix.memcpy(a.dst, a.src, <size_t>j)
    a.length = -1 if nl < 0 else j


# The operations mmap._run() accepts.  The same function appears twice where
# it both reads the map (into a caller's buffer) and writes it.
cdef _Operation _FIND = _Operation(run=_do_find, writes=False)
cdef _Operation _RFIND = _Operation(run=_do_rfind, writes=False)
cdef _Operation _COUNT = _Operation(run=_do_count, writes=False)
cdef _Operation _FIND_ALL = _Operation(run=_do_find_all, writes=False)
cdef _Operation _READ = _Operation(run=_do_copy, writes=False)
cdef _Operation _WRITE = _Operation(run=_do_copy, writes=True)
cdef _Operation _GATHER = _Operation(run=_do_gather, writes=False)
cdef _Operation _SCATTER = _Operation(run=_do_scatter, writes=True)
cdef _Operation _LOAD = _Operation(run=_do_load, writes=False)
cdef _Operation _STORE = _Operation(run=_do_store, writes=True)
cdef _Operation _COPY_WINDOW = _Operation(run=_do_copy_window, writes=False)
cdef _Operation _PEEK_LINE = _Operation(run=_do_peek_line, writes=False)
