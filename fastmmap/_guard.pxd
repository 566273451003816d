# The process's one SIGBUS guard (_guard.pyx; the mechanism is _fault.h).
#
# Every extension that touches mapped memory cimports these and nothing
# else of the guard: _fault.h is compiled into _guard alone, so one handler,
# one saved previous disposition and one per-thread scope exist per process.

# An access to mapped bytes: reads and writes only the pointers its argument
# struct holds, allocates nothing, takes no lock (see _fault.h for why).
ctypedef void (*Guarded)(void *args) noexcept nogil

# With the GIL held, before a region that runs guarded accesses without it:
# puts the handler back if other code took it out (faulthandler.disable()
# restoring SIG_DFL); OSError if sigaction fails.
cdef int prepare() except -1

# fn(args) under the guard; OSError(EFAULT) if it touched a page the file
# no longer backs.  With release_gil, prepare() first and fn runs without
# the GIL: the caller must keep the memory mapped meanwhile (a scan guard or
# a buffer export).
cdef int run(Guarded fn, void *args, bint release_gil) except -1

# fn(args) under the guard from a thread that may not hold the GIL (a
# worker); 0, or -1 if it faulted.  Someone called prepare() before the
# region began.
cdef int run_nogil(Guarded fn, void *args) noexcept nogil
