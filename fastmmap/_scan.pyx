"""The command line's scanning engines: counting a needle, listing its
offsets, and printing the lines it occurs in.

Each engine is fed a byte buffer one block at a time -- a whole map at once,
or blocks read from a pipe -- and keeps its position between blocks, so a
match that straddles two blocks is found exactly once.  ``feed`` returns
how many leading bytes of the buffer are no longer needed; the caller keeps
the rest and appends the next block to it.

The work runs without the GIL, through the search kernels of _search.pxd,
and writes its output into one large buffer handed to a ``write`` callable
when full: no Python object per match or per line.
"""
from cpython.buffer cimport (PyBUF_READ, PyBUF_SIMPLE, PyBuffer_Release,
                             PyObject_GetBuffer)
from cpython.memoryview cimport PyMemoryView_FromMemory
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memcpy

from fastmmap cimport _guard, _search

# Output is handed to ``write`` in pieces of about this size: few system
# calls, and little memory held.
cdef Py_ssize_t _OUT_SIZE = 1 << 22

# Offsets collected per find_all() call.
cdef enum:
    _BATCH = 4096
    _HITS = 256


cdef enum _Status:
    _DONE = 0        # the block is used up (or the engine needs no more)
    _FLUSH = 1       # the output buffer is full: write it, then call again
    _GROW = 2        # one item is larger than the whole output buffer


# ----------------------------------------------------------------------
# Output buffer

cdef class _Out:
    cdef char *data
    cdef Py_ssize_t length
    cdef Py_ssize_t capacity

    def __cinit__(self):
        self.data = <char *>malloc(_OUT_SIZE)
        if self.data == NULL:
            raise MemoryError()
        self.capacity = _OUT_SIZE
        self.length = 0

    def __dealloc__(self):
        free(self.data)

    cdef int grow(self, Py_ssize_t need) except -1:
        cdef char *bigger
        if need <= self.capacity:
            return 0
        bigger = <char *>realloc(self.data, need)
        if bigger == NULL:
            raise MemoryError()
        self.data = bigger
        self.capacity = need
        return 0

    cdef int flush(self, write) except -1:
        cdef object view
        if self.length:
            view = PyMemoryView_FromMemory(self.data, self.length, PyBUF_READ)
            try:
                write(view)
            finally:
                view.release()
                self.length = 0
        return 0


cdef inline Py_ssize_t _put_number(char *dst, Py_ssize_t value) noexcept nogil:
    """Write ``value`` (>= 0) in decimal at dst; returns the digits written."""
    cdef char digits[24]
    cdef Py_ssize_t i = 0, j
    while True:
        digits[i] = <char>(48 + value % 10)
        value //= 10
        i += 1
        if value == 0:
            break
    for j in range(i):
        dst[j] = digits[i - 1 - j]
    return i


cdef inline Py_ssize_t _line_start(const char *hay, Py_ssize_t lo,
                                   Py_ssize_t pos) noexcept nogil:
    """Start of the line holding hay[pos], not before lo (a line start)."""
    cdef Py_ssize_t nl
    if pos <= lo:
        return lo
    nl = _search.rfind(hay + lo, pos - lo, b"\n", 1)
    return lo if nl < 0 else lo + nl + 1


cdef inline int _guarded(_guard.Guarded fn, void *arg) except -1:
    """Run fn(arg) without the GIL, turning SIGBUS into OSError.

    SAFETY: every caller holds a buffer export (PyObject_GetBuffer) of the
    memory fn reads -- a map, whose close() and resize() then raise
    BufferError, or a bytearray, which then cannot be resized -- so nobody
    can unmap or free it meanwhile; the fault guard turns the SIGBUS of a
    file truncated under a map into OSError.  fn only reads that memory and
    writes buffers the engine owns (allocated before, never inside, so a
    jump out of fn leaks nothing)."""
    return _guard.run(fn, arg, True)


# ----------------------------------------------------------------------
# Counting: non-overlapping occurrences, left to right (bytes.count).

cdef struct _CountRun:
    const char *hay
    Py_ssize_t n
    bint final
    const char *needle
    Py_ssize_t k
    Py_ssize_t pos       # where the scan goes on
    Py_ssize_t total
    Py_ssize_t keep      # result: bytes before this are not needed


cdef void _count_step(void *arg) noexcept nogil:
    cdef _CountRun *r = <_CountRun *>arg
    cdef Py_ssize_t offsets[_BATCH]
    cdef Py_ssize_t got, resume, end, nxt
    if r.k == 1:
        r.total += _search.count(r.hay + r.pos, r.n - r.pos, r.needle, 1)
        r.pos = r.n
        r.keep = r.n
        return
    end = r.pos   # end of the last occurrence counted
    while r.pos < r.n:
        got = _search.find_all(r.hay + r.pos, r.n - r.pos, r.needle, r.k,
                               offsets, _BATCH, &resume)
        if got:
            r.total += got
            end = r.pos + offsets[got - 1] + r.k
        if got < _BATCH:
            break
        r.pos += resume
    # An occurrence not wholly inside the buffer starts at n - k + 1 or
    # later, and not before the end of the last one counted.
    nxt = r.n - r.k + 1
    r.pos = end if end > nxt else nxt
    if r.pos < 0:
        r.pos = 0
    r.keep = r.n if r.final else r.pos


cdef class Counter:
    """Non-overlapping occurrences of a non-empty needle in a stream."""
    cdef bytes needle
    cdef Py_ssize_t pos
    cdef readonly Py_ssize_t total

    def __init__(self, bytes needle):
        if not needle:
            raise ValueError("empty needle")
        self.needle = needle
        self.pos = 0
        self.total = 0

    def feed(self, buf, bint final):
        """Count the occurrences wholly inside buf; returns the bytes of buf
        the next block does not need."""
        cdef Py_buffer view
        PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
        try:
            return self._feed(<const char *>view.buf, view.len, final)
        finally:
            PyBuffer_Release(&view)

    cdef Py_ssize_t _feed(self, const char *hay, Py_ssize_t n,
                          bint final) except -1:
        cdef _CountRun r
        r.n = n
        r.hay = hay
        r.final = final
        r.needle = self.needle
        r.k = len(self.needle)
        r.pos = self.pos
        r.total = self.total
        if r.pos < r.n:
            _guarded(_count_step, &r)
        else:
            r.keep = r.n if final else r.pos
        self.total = r.total
        self.pos = r.pos - r.keep
        return r.keep


# ----------------------------------------------------------------------
# Offsets: "PREFIX" + decimal offset + "\n" per non-overlapping occurrence.

cdef struct _OffsetsRun:
    const char *hay
    Py_ssize_t n
    bint final
    const char *needle
    Py_ssize_t k
    long long base       # stream offset of hay[0]
    Py_ssize_t pos
    Py_ssize_t found
    const char *prefix
    Py_ssize_t prefix_len
    char *out
    Py_ssize_t out_len
    Py_ssize_t out_cap
    Py_ssize_t keep
    int status


cdef void _offsets_step(void *arg) noexcept nogil:
    cdef _OffsetsRun *r = <_OffsetsRun *>arg
    cdef Py_ssize_t offsets[_BATCH]
    cdef Py_ssize_t got, resume, i, room, end, nxt
    cdef char *dst
    end = r.pos
    r.status = _DONE
    while r.pos < r.n:
        # Each offset takes at most prefix + 20 digits + newline.
        room = (r.out_cap - r.out_len) // (r.prefix_len + 22)
        if room <= 0:
            r.status = _FLUSH
            r.keep = 0
            return
        if room > _BATCH:
            room = _BATCH
        got = _search.find_all(r.hay + r.pos, r.n - r.pos, r.needle, r.k,
                               offsets, room, &resume)
        dst = r.out + r.out_len
        for i in range(got):
            memcpy(dst, r.prefix, r.prefix_len)
            dst += r.prefix_len
            dst += _put_number(dst, r.base + r.pos + offsets[i])
            dst[0] = 10
            dst += 1
        r.out_len = dst - r.out
        r.found += got
        if got:
            end = r.pos + offsets[got - 1] + r.k
        if got < room:
            break
        r.pos += resume
        end = r.pos if end < r.pos else end
    nxt = r.n - r.k + 1
    r.pos = end if end > nxt else nxt
    if r.pos < 0:
        r.pos = 0
    r.keep = r.n if r.final else r.pos


cdef class _Writer:
    """What the engines that write output share: feed() holds the block's
    buffer export while _feed() scans it and writes through ``write``."""
    cdef _Out out

    def feed(self, buf, bint final, write):
        """Scan buf, the next block of the stream (the last when final),
        writing what it finds; returns the bytes of buf the next block does
        not need (they are fed again at its start)."""
        cdef Py_buffer view
        PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
        try:
            return self._feed(<const char *>view.buf, view.len, final, write)
        finally:
            PyBuffer_Release(&view)

    cdef Py_ssize_t _feed(self, const char *hay, Py_ssize_t n, bint final,
                          write) except -1:
        raise NotImplementedError


cdef class Offsets(_Writer):
    """Offsets of the non-overlapping occurrences of a non-empty needle
    (feed: the offsets of the occurrences wholly inside the block)."""
    cdef bytes needle
    cdef bytes prefix
    cdef long long base
    cdef Py_ssize_t pos
    cdef readonly Py_ssize_t found

    def __init__(self, bytes needle, bytes prefix=b""):
        if not needle:
            raise ValueError("empty needle")
        self.needle = needle
        self.prefix = prefix
        self.base = 0
        self.pos = 0
        self.found = 0
        self.out = _Out()

    cdef Py_ssize_t _feed(self, const char *hay, Py_ssize_t n, bint final,
                          write) except -1:
        cdef _OffsetsRun r
        r.n = n
        r.hay = hay
        r.final = final
        r.needle = self.needle
        r.k = len(self.needle)
        r.base = self.base
        r.pos = self.pos
        r.found = self.found
        r.prefix = self.prefix
        r.prefix_len = len(self.prefix)
        r.keep = r.n if final else r.pos
        r.status = _DONE
        while r.pos < r.n:
            r.out = self.out.data
            r.out_cap = self.out.capacity
            r.out_len = self.out.length
            _guarded(_offsets_step, &r)
            self.out.length = r.out_len
            self.found = r.found
            if r.status == _DONE:
                break
            self.out.flush(write)
        if final:
            self.out.flush(write)
        self.pos = r.pos - r.keep
        self.base += r.keep
        return r.keep

    def finish(self, write):
        self.out.flush(write)


# ----------------------------------------------------------------------
# Matching lines, as ripgrep prints them (rg -F; rg -U -F for a needle
# holding a newline): every line an occurrence touches, occurrences taken
# left to right without overlapping, each line printed once.

cdef struct _GrepRun:
    const char *hay
    Py_ssize_t n
    bint final
    const char *needle
    Py_ssize_t k
    bint multiline       # the needle holds a newline
    bint numbers         # prefix each line with its number and ":"
    bint quiet           # stop at the first matching line, print nothing
    const char *prefix
    Py_ssize_t prefix_len
    Py_ssize_t search_from   # where the next occurrence may start
    Py_ssize_t printed_end   # end of the last line printed (a line start)
    Py_ssize_t counted       # a line start; lineno is its line's number
    long long lineno
    Py_ssize_t matched       # lines printed (or found, when quiet)
    char *out
    Py_ssize_t out_len
    Py_ssize_t out_cap
    Py_ssize_t need          # with _GROW: the output room one item needs
    Py_ssize_t keep
    int status
    # Occurrences found ahead by one find_all() call (needles of 2 bytes or
    # more: one kernel call per batch, not one per matching line).
    Py_ssize_t hits[_HITS]
    Py_ssize_t nhits
    Py_ssize_t ihit
    bint hits_done           # no occurrence after the last of hits


cdef inline void _grep_count_to(_GrepRun *r, Py_ssize_t pos) noexcept nogil:
    if r.numbers and pos > r.counted:
        r.lineno += _search.count(r.hay + r.counted, pos - r.counted, b"\n", 1)
    if pos > r.counted:
        r.counted = pos


cdef Py_ssize_t _next_hit(_GrepRun *r) noexcept nogil:
    """The first occurrence at or after search_from, or -1.

    The batch holds the non-overlapping occurrences from where it was
    found; those at or after search_from are the ones find(search_from)
    gives, because search_from is always a line start after a needle
    without a newline, or the end of the last occurrence used."""
    cdef Py_ssize_t hit, got, resume, i
    if r.k == 0:
        return r.search_from if r.search_from < r.n else -1
    if r.k == 1:
        hit = _search.find(r.hay + r.search_from, r.n - r.search_from,
                           r.needle, 1)
        return hit + r.search_from if hit >= 0 else -1
    while True:
        while r.ihit < r.nhits:
            if r.hits[r.ihit] >= r.search_from:
                return r.hits[r.ihit]
            r.ihit += 1
        if r.hits_done:
            return -1
        got = _search.find_all(r.hay + r.search_from, r.n - r.search_from,
                               r.needle, r.k, r.hits, _HITS, &resume)
        for i in range(got):
            r.hits[i] += r.search_from
        r.nhits = got
        r.ihit = 0
        r.hits_done = got < _HITS


cdef void _emit_lines(_GrepRun *r, Py_ssize_t ls,
                      Py_ssize_t line_end) noexcept nogil:
    """Copy the lines of hay[ls:line_end] to the output, each after the
    prefix (and its number); the caller made room for them."""
    cdef Py_ssize_t le, nl
    cdef char *dst = r.out + r.out_len
    _grep_count_to(r, ls)
    while ls < line_end:
        nl = _search.find(r.hay + ls, line_end - ls, b"\n", 1)
        le = line_end if nl < 0 else ls + nl + 1
        memcpy(dst, r.prefix, r.prefix_len)
        dst += r.prefix_len
        if r.numbers:
            dst += _put_number(dst, r.lineno)
            dst[0] = 58
            dst += 1
        memcpy(dst, r.hay + ls, le - ls)
        dst += le - ls
        if nl < 0:
            dst[0] = 10       # the last line, without its newline
            dst += 1
        else:
            r.lineno += 1
        r.matched += 1
        ls = le
    r.counted = line_end
    r.printed_end = line_end
    r.out_len = dst - r.out


cdef void _grep_step(void *arg) noexcept nogil:
    cdef _GrepRun *r = <_GrepRun *>arg
    cdef Py_ssize_t hit, last, ls, nlines, need, line_end, nl
    r.status = _DONE
    while True:
        hit = _next_hit(r)
        if hit < 0:
            if r.final:
                r.keep = r.n
            else:
                # A later occurrence starts at n - k + 1 or after: keep
                # its line.  (The buffer starts on a line start.)
                hit = r.n - r.k + 1
                if hit < r.search_from:
                    hit = r.search_from
                if hit > r.n:
                    hit = r.n
                r.search_from = hit
                r.keep = _line_start(r.hay, 0, hit)
            break
        last = hit + r.k - 1 if r.k else hit
        nl = _search.find(r.hay + last, r.n - last, b"\n", 1)
        if nl < 0:
            if not r.final:
                r.search_from = hit
                r.keep = _line_start(r.hay, 0, hit)
                break
            line_end = r.n
        else:
            line_end = last + nl + 1
        ls = _line_start(r.hay, r.printed_end, hit)
        r.search_from = hit + r.k if r.multiline else line_end
        if ls >= line_end:
            continue            # its lines are printed already
        if r.quiet:
            r.matched += 1
            r.keep = r.n
            r.printed_end = line_end
            r.status = _DONE
            return
        nlines = 1
        if r.multiline:
            nlines = _search.count(r.hay + ls, line_end - ls, b"\n", 1) + 1
        need = (line_end - ls) + nlines * (r.prefix_len + 22) + 1
        if need > r.out_cap - r.out_len:
            # Leave the state as it was: the next call finds this hit again.
            r.search_from = hit
            r.status = _FLUSH if r.out_len else _GROW
            r.need = need
            r.keep = 0
            return
        _emit_lines(r, ls, line_end)
    # What is dropped is counted first, so line numbers go on right; no
    # line before the bytes kept can be printed any more.
    if r.keep > r.counted:
        _grep_count_to(r, r.keep)
    if r.keep > r.printed_end:
        r.printed_end = r.keep


cdef class Grep(_Writer):
    """Print the lines of a stream that an occurrence of needle touches
    (feed: the matching lines that end inside the block, all of them when
    final; with quiet, it stops at the first, see ``matched``)."""
    cdef bytes needle
    cdef bytes prefix
    cdef bint numbers
    cdef bint quiet
    cdef Py_ssize_t search_from
    cdef Py_ssize_t printed_end
    cdef Py_ssize_t counted
    cdef long long lineno
    cdef readonly Py_ssize_t matched

    def __init__(self, bytes needle, bytes prefix=b"", bint numbers=False,
                 bint quiet=False):
        self.needle = needle
        self.prefix = prefix
        self.numbers = numbers
        self.quiet = quiet
        self.search_from = 0
        self.printed_end = 0
        self.counted = 0
        self.lineno = 1
        self.matched = 0
        self.out = _Out()

    cdef Py_ssize_t _feed(self, const char *hay, Py_ssize_t n, bint final,
                          write) except -1:
        cdef _GrepRun r
        r.n = n
        r.hay = hay
        r.final = final
        r.needle = self.needle
        r.k = len(self.needle)
        r.multiline = b"\n" in self.needle
        r.numbers = self.numbers
        r.quiet = self.quiet
        r.prefix = self.prefix
        r.prefix_len = len(self.prefix)
        r.search_from = self.search_from
        r.printed_end = self.printed_end
        r.counted = self.counted
        r.lineno = self.lineno
        r.matched = self.matched
        r.keep = 0
        r.nhits = r.ihit = 0
        r.hits_done = False
        while True:
            r.out = self.out.data
            r.out_cap = self.out.capacity
            r.out_len = self.out.length
            if r.n:
                _guarded(_grep_step, &r)
            else:
                r.status = _DONE
                r.keep = 0
            self.out.length = r.out_len
            if r.status == _DONE:
                break
            if r.status == _GROW:
                self.out.grow(r.need)
            else:
                self.out.flush(write)
        if final:
            self.out.flush(write)
        self.search_from = r.search_from - r.keep
        self.printed_end = r.printed_end - r.keep
        self.counted = r.counted - r.keep
        self.lineno = r.lineno
        self.matched = r.matched
        return r.keep


def has_nul(buf, Py_ssize_t limit):
    """Whether a NUL byte is among the first ``limit`` bytes of buf (the
    test grep and ripgrep use for binary files)."""
    cdef Py_buffer view
    PyObject_GetBuffer(buf, &view, PyBUF_SIMPLE)
    try:
        if min(limit, view.len) <= 0:
            return False
        return _has_nul(<const unsigned char *>view.buf, min(limit, view.len)) == 1
    finally:
        PyBuffer_Release(&view)


cdef struct _NulRun:
    const unsigned char *hay
    Py_ssize_t n
    bint found


cdef void _nul_step(void *arg) noexcept nogil:
    cdef _NulRun *r = <_NulRun *>arg
    r.found = _search.find(<const char *>r.hay, r.n, b"\0", 1) >= 0


cdef int _has_nul(const unsigned char *hay, Py_ssize_t n) except -1:
    cdef _NulRun r
    r.hay = hay
    r.n = n
    r.found = False
    _guarded(_nul_step, &r)
    return 1 if r.found else 0
