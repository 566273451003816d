# Declarations of the SIGBUS guard (see _fault.h for how and why).

# Cimported by _guard.pyx only: see there for why.
cdef extern from "_fault.h" nogil:
    # Installs the process-wide SIGBUS handler once; 0 or -1 (errno set).
    int fastmmap_fault_install()
    # Before each GIL-free region: puts the handler back if other code took
    # it out and left SIG_DFL or SIG_IGN (not over another handler, which
    # may chain to ours); 0 or -1 (errno set).
    int fastmmap_fault_check()
    # Runs fn(arg); 0, or -1 when fn touched memory that raised SIGBUS.
    int fastmmap_guard_run(void (*fn)(void *) noexcept nogil, void *arg)
