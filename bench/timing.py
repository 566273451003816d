"""Timing shared by the benchmark modules."""
import time


def interleaved(calls, rounds, expect=None):
    """Best time of each named call over ``rounds`` rounds that run every
    call once, in an order that rotates from round to round: a slow spell
    on this shared machine then hits every side alike, which separate
    benchmarks run one after the other do not ensure.  With ``expect``
    ({name: answer}), every timed call's result is checked too."""
    names = list(calls)
    best = dict.fromkeys(names, float("inf"))
    for r in range(rounds):
        for i in range(len(names)):
            name = names[(r + i) % len(names)]
            t0 = time.perf_counter()
            got = calls[name]()
            best[name] = min(best[name], time.perf_counter() - t0)
            if expect is not None and name in expect:
                assert got == expect[name], (name, got, expect[name])
    return best
