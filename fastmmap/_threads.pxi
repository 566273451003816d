# State shared between threads (included by _mmap.pyx).  The stdlib does every call under the GIL,
# so each call is atomic for other threads using the same map; fastmmap
# releases the GIL inside some calls and keeps them atomic this way:
#
# * A call that knows its range up front (read, write, readinto) claims it:
#   it moves the position *before* releasing the GIL, so a concurrent call
#   starts after it.
# * A call that only learns where it ends by scanning (a long readline, a
#   long line of lines()) takes a _Turn on the position: every other call
#   that moves that position waits until the turn ends.
# * Work running without the GIL counts itself in _scans, which close() and
#   resize() check, so the memory stays mapped under it.
#
# Turns and scan counts belong to threads of this process: a child made by
# fork() has none of them running.  _fork_generation (bumped in the child)
# tells a stale turn or count from a live one.  All of this relies on the
# GIL (each check and update runs with it held); a free-threaded build
# would need a lock per map instead (docs/safety.rst).

cdef unsigned long _fork_generation = 0


def _after_fork_in_child():
    global _fork_generation
    _fork_generation += 1


cdef struct _Turn:
    bint taken
    unsigned long generation


cdef inline bint _turn_taken(_Turn *turn) noexcept:
    return turn.taken and turn.generation == _fork_generation


cdef inline void _take_turn(_Turn *turn) noexcept:
    turn.taken = True
    turn.generation = _fork_generation


cdef inline void _end_turn(_Turn *turn) noexcept:
    turn.taken = False


cdef int _await_turn(_Turn *turn) except -1:
    """Return once no other thread holds ``turn``.  The holder runs without
    the GIL, so this sleeps without it; the caller must keep the object
    that holds ``turn`` alive, and re-check everything afterwards."""
    while _turn_taken(turn):
        with nogil:
            posix.usleep(50)
    return 0


# A forked child has none of the parent's other threads: their scans and
# turns must not hold its maps (see _Turn).
_pyos.register_at_fork(after_in_child=_after_fork_in_child)
