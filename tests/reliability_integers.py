"""Integers and bounds: every method with extreme and borderline integer
arguments, compared with CPython 3.15.
"""
import mmap as stdlib_mmap
import os

from reliability import (
    MAXSIZE,
    PAGE,
    forked,
    forked_many,
    have_numpy,
    import_fastmmap,
    load_numpy,
    map_state,
    outcome,
    scratch_path,
)
from support import check, fail, finish

INT_SIZE = 2 * PAGE + 10
INT_POS = 5
INT_DATA = (b"abc\nxyz\n" * (INT_SIZE // 8 + 1))[:INT_SIZE]
INT_VALUES = [0, 1, -1, 5, INT_SIZE - 1, INT_SIZE, INT_SIZE + 1, PAGE,
              MAXSIZE, MAXSIZE - 1, -MAXSIZE, -MAXSIZE - 1, MAXSIZE + 1,
              -MAXSIZE - 2, 2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 63, 2 ** 64,
              -2 ** 64]
#: fewer values for the three-argument products
INT_FEW = [0, 1, -1, 5, INT_SIZE - 1, INT_SIZE + 1, MAXSIZE, -MAXSIZE - 1,
           MAXSIZE + 1, 2 ** 64, -2 ** 64]
SSIZE_RANGE = range(-MAXSIZE - 1, MAXSIZE + 1)


def int_cases():
    V, F = INT_VALUES, INT_FEW
    cases = []
    for a in V:
        for b in V:
            cases += [("find", (b"a", a, b)), ("rfind", (b"yz", a, b)),
                      ("find", (b"", a, b)), ("rfind", (b"", a, b)),
                      ("flush", (a, b)), ("madvise", (stdlib_mmap.MADV_NORMAL, a, b)),
                      ("setitem", (a, b))]
        cases += [("find", (b"c\n", a)), ("read", (a,)), ("getitem", (a,)),
                  ("write_byte", (a,)), ("madvise", (a,)), ("resize", (a,)),
                  ("resize_anon", (a,)), ("anon", (a,)), ("seek", (a,)),
                  ("flush", (a,))]
        for whence in (0, 1, 2, 3, -1, MAXSIZE, 2 ** 64):
            cases.append(("seek", (a, whence)))
        for name in ("fileno", "flags", "prot", "access", "offset"):
            # Which small descriptors are open depends on the process (and
            # the 3.15 outcomes are recorded elsewhere): those are left out.
            if name != "fileno" or not 0 <= a < 1024:
                cases.append(("ctor", (name, a)))
    for a in F:
        for b in F:
            for c in F:
                cases += [("move", (a, b, c)), ("getslice", (a, b, c)),
                          ("setslice", (a, b, c)), ("file", (a, c))]
        cases.append(("getslice", (a, None, None)))
    cases += [("getslice", (None, None, s)) for s in V] + \
             [("setslice", (None, None, s)) for s in V]
    return cases


def int_map(mod, anonymous=False):
    if anonymous:
        m = mod.mmap(-1, INT_SIZE, flags=stdlib_mmap.MAP_PRIVATE)
        m[:] = INT_DATA
    else:
        path = scratch_path("int")
        with open(path, "wb") as f:
            f.write(INT_DATA)
        with open(path, "r+b") as f:
            m = mod.mmap(f.fileno(), 0)
        os.unlink(path)
    m.seek(INT_POS)
    return m


def int_run(mod, kind, args):
    """One call on a fresh map: (outcome, state after)."""
    if kind == "anon":
        res = outcome(lambda: mod.mmap(-1, args[0]).close())
        return res, None
    if kind == "ctor":             # anonymous, one constructor argument varied
        kw = {args[0]: args[1]}
        fileno = kw.pop("fileno", -1)

        def make():
            m = mod.mmap(fileno, PAGE, **kw)
            n = len(m)
            m.close()
            return n
        return outcome(make), None
    if kind == "file":
        path = scratch_path("intf")
        with open(path, "wb") as f:
            f.write(INT_DATA)
        length, offset = args
        with open(path, "r+b") as f:
            res = outcome(lambda: len(mod.mmap(f.fileno(), length, offset=offset)))
        os.unlink(path)
        return res, None
    m = int_map(mod, anonymous=kind == "resize_anon")
    if kind in ("find", "rfind", "read", "write_byte", "madvise", "seek",
                "flush", "move"):
        res = outcome(lambda: getattr(m, kind)(*args))
    elif kind in ("resize", "resize_anon"):
        res = outcome(lambda: m.resize(*args))
        if res[0] == "exc":
            # A failed resize may have truncated the file already (CPython
            # and fastmmap alike): reading the map could fault.
            state = (len(m), m.tell())
            m.close()
            return res, state
        if len(m) > (64 << 20):
            m.resize(INT_SIZE)      # don't hash gigabytes of zeros
            res = ("ok", "huge")
    elif kind == "getitem":
        res = outcome(lambda: m[args[0]])
    elif kind == "setitem":
        res = outcome(lambda: m.__setitem__(args[0], args[1]))
    elif kind == "getslice":
        res = outcome(lambda: m[slice(*args)])
    elif kind == "setslice":
        try:
            n = len(range(INT_SIZE)[slice(*args)])
        except ValueError:      # step 0
            n = 0
        res = outcome(lambda: m.__setitem__(slice(*args), b"Q" * n))
    else:
        raise ValueError(kind)
    state = map_state(m)
    m.close()
    return res, state


def int_extras(fastmmap):
    """fastmmap-only methods: count / find_all / lines follow bytes'
    index rules within Py_ssize_t and raise OverflowError beyond."""
    m = int_map(fastmmap)
    data = m[:]
    V = INT_VALUES
    for sub in (b"a", b"c\nx", b""):
        for a in V:
            for b in V:
                label = "count(%r, %r, %r)" % (sub, a, b)
                got = outcome(lambda: m.count(sub, a, b))
                got_all = (outcome(lambda: m.find_all(sub, a, b)) if have_numpy()
                           else None)
                got_lines = outcome(lambda: b"".join(m.lines(a, b)))
                if a in SSIZE_RANGE and b in SSIZE_RANGE:
                    exp = data.count(sub, a, b)
                    check(got == ("ok", exp), "%s: %r, bytes.count says %d" % (label, got, exp))
                    if got_all is None:
                        pass
                    elif got_all[0] == "ok":
                        offs = got_all[1][1]
                        check(len(offs) == exp and all(data.startswith(sub, o) for o in offs)
                              and all(y - x >= max(len(sub), 1)
                                      for x, y in zip(offs, offs[1:])),
                              "find_all%s: %r" % (label[5:], got_all))
                    else:
                        fail("find_all%s: %r" % (label[5:], got_all))
                    check(got_lines == ("ok", data[a:b]),
                          "lines(%r, %r): %r" % (a, b, got_lines))
                else:
                    for what, o in (("count", got), ("find_all", got_all),
                                    ("lines", got_lines)):
                        if o is None:
                            continue
                        check(o[0] == "exc" and o[1] == "OverflowError",
                              "%s with %r, %r: %r" % (what, a, b, o))
    for off in V if have_numpy() else ():
        for shape in V + [None, (2, MAXSIZE), (MAXSIZE, MAXSIZE), (0, MAXSIZE + 1)]:
            got = outcome(lambda: m.as_array(offset=off, shape=shape).tobytes())
            ok = got[0] == "ok" or got[1] in ("ValueError", "OverflowError", "TypeError")
            if got[0] == "ok":
                ok = off in range(INT_SIZE + 1) and got[1] == data[off:off + len(got[1])]
            check(ok, "as_array(offset=%r, shape=%r): %r" % (off, shape, got))
    m.close()


def int_label(kind, args):
    return "%s%r" % (kind, args)


def as_record(value):
    """A result as the JSON record holds it (and gives back): tuples, with
    bytes as ("bytes", hex)."""
    if isinstance(value, bytes):
        return ("bytes", value.hex())
    if isinstance(value, (list, tuple)):
        return tuple(as_record(v) for v in value)
    return value


def record_integer_cases():
    """{label: (status, result)} of every integer case on the stdlib: what
    record_cpython315.py stores for older interpreters."""
    cases = int_cases()
    std = forked_many(int_run, [(stdlib_mmap, k, a) for k, a in cases], timeout=300)
    return {int_label(k, a): as_record(s) for (k, a), s in zip(cases, std)}


def scenario_integers():
    """Every integer case on fastmmap against CPython 3.15's stdlib: run
    live on 3.15, else the record (cpython315.py)."""
    from cpython315 import IS_315, ORACLE
    fastmmap = import_fastmmap()
    load_numpy()
    cases = int_cases()
    fast = forked_many(int_run, [(fastmmap, k, a) for k, a in cases], timeout=300)
    if IS_315:
        spec = record_integer_cases()
        reason = ORACLE.unusable_reason()
        if reason is None:
            recorded = ORACLE.integers()
            stale = sorted(k for k, v in spec.items() if recorded.get(k) != v)
            check(not stale, "the CPython 3.15 record of the integer cases is "
                  "stale (run record_cpython315.py): %d differ, e.g. %s" % (
                      len(stale), "; ".join("%s: recorded %r, live %r" % (
                          k, recorded.get(k), spec[k]) for k in stale[:3])))
    else:
        reason = ORACLE.unusable_reason()
        if reason:
            print("SKIP", reason)
            finish()
        spec = ORACLE.integers()
    ndiff = nstd_crash = 0
    for (kind, args), f in zip(cases, fast):
        label = int_label(kind, args)
        f = as_record(f)
        if label not in spec:
            fail("%s is not in the CPython 3.15 record" % label)
            continue
        s = spec[label]
        if f[0] != "ok":
            fail("fastmmap %s: %s %s" % (label, f[0], f[1][-300:]))
            continue
        if s[0] != "ok":
            nstd_crash += 1
            print("stdlib %s: %s %s" % (label, s[0], s[1][-200:]))
            continue
        (f_res, f_state), (s_res, s_state) = f[1], s[1]
        same = f_res == s_res
        if same and f_res[0] == "ok":
            same = f_state == s_state
        if not same:
            ndiff += 1
            fail("%s: fastmmap %r %r, stdlib %r %r" % (label, f_res, f_state, s_res, s_state))
    status, res = forked(int_extras, fastmmap, timeout=300)
    if status != "ok":
        fail("extras: %s %s" % (status, res[-2000:]))
    print("integer cases:", len(cases), "differences:", ndiff,
          "stdlib crashes:", nstd_crash)
    finish()
