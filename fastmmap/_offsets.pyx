# cython: language_level=3
"""Owned memory for find_all's offsets.

find_all cannot know how many matches it will find, and a counting pass
first would read the whole range twice.  Instead it reserves room for the
most there can be (one per needle length), fills it in one pass and hands
back what was not used.  Large reservations are anonymous private mappings
with MAP_NORESERVE: address space only, so reserving 8 bytes per byte of a
1 GiB range costs nothing until the pages are written, and those pages are
asked to be transparent huge pages (a 4 KiB page fault per 512 offsets costs
more here than writing them).  Small ones come from the raw allocator.
"""

cimport cython
from cpython.buffer cimport PyBuffer_FillInfo
from cpython.mem cimport PyMem_RawMalloc, PyMem_RawFree

from fastmmap cimport _os
from fastmmap cimport _posix as posix

# Up to this size a reservation is malloc'ed: cheaper than mmap + munmap.
cdef size_t SMALL_RESERVATION = 1 << 20

# THP covers 2 MiB pages; advise only when a few of them fit.
cdef size_t HUGEPAGE_MIN = 4 << 20


@cython.final
cdef class OffsetBuffer:
    """Py_ssize_t slots find_all writes into; the base of the returned array
    (a writable buffer of ``count`` native integers)."""

    def __dealloc__(self):
        if self.data == NULL:
            return
        if self._mapped:
            try:
                _os.unmap_memory(<char *>self.data, self._mapped)
            except OSError:
                pass  # cannot fail for a range we mapped; nothing to do
        else:
            PyMem_RawFree(self.data)
        self.data = NULL

    cdef int trim(self) except -1:
        """Give back the mapped pages past the slots in use (before any
        export: the array is made afterwards)."""
        cdef size_t page, keep
        if not self._mapped or self._exports:
            return 0
        page = <size_t>_os.page_size()
        keep = (<size_t>self.count * sizeof(Py_ssize_t) + page - 1) // page * page
        if keep == 0:
            keep = page  # a zero-length buffer still needs a valid pointer
        if keep < self._mapped:
            # SAFETY: [keep, _mapped) is the unused tail of our own mapping;
            # no slot in use and no export lies in it.
            _os.unmap_memory(<char *>self.data + keep, self._mapped - keep)
            self._mapped = keep
            self.capacity = <Py_ssize_t>(keep // sizeof(Py_ssize_t))
        return 0

    def __getbuffer__(self, Py_buffer *view, int flags):
        PyBuffer_FillInfo(view, self, self.data,
                          self.count * <Py_ssize_t>sizeof(Py_ssize_t), 0, flags)
        self._exports += 1

    def __releasebuffer__(self, Py_buffer *view):
        self._exports -= 1


cdef OffsetBuffer reserve_offsets(Py_ssize_t capacity):
    """An empty buffer with room for ``capacity`` (>= 1) offsets; MemoryError
    when there is no room for that much."""
    cdef OffsetBuffer buf = OffsetBuffer.__new__(OffsetBuffer)
    cdef size_t nbytes, page
    if capacity < 1 or <size_t>capacity > (<size_t>-1) // sizeof(Py_ssize_t) // 2:
        raise MemoryError()
    nbytes = <size_t>capacity * sizeof(Py_ssize_t)
    if nbytes <= SMALL_RESERVATION:
        buf.data = <Py_ssize_t *>PyMem_RawMalloc(nbytes)
        if buf.data == NULL:
            raise MemoryError()
        buf.capacity = capacity
        return buf
    page = <size_t>_os.page_size()
    nbytes = (nbytes + page - 1) // page * page
    try:
        buf.data = <Py_ssize_t *>_os.map_memory(
            nbytes, posix.PROT_READ | posix.PROT_WRITE,
            posix.MAP_PRIVATE | posix.MAP_ANONYMOUS | posix.MAP_NORESERVE, -1, 0)
    except OSError:
        raise MemoryError() from None
    buf._mapped = nbytes
    buf.capacity = <Py_ssize_t>(nbytes // sizeof(Py_ssize_t))
    if posix.FASTMMAP_HAVE_MADV_HUGEPAGE and nbytes >= HUGEPAGE_MIN:
        try:
            _os.advise_memory(<char *>buf.data, nbytes, posix.MADV_HUGEPAGE)
        except OSError:
            pass  # advice only (e.g. THP compiled out)
    return buf
