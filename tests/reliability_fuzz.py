"""Fuzz: random method calls with hostile arguments (hypothesis).
"""
import os
import traceback

from reliability import (
    ACTIONS,
    HAVE_BUFFER_HOOK,
    HELD,
    MAXSIZE,
    PAGE,
    BufferHook,
    IndexHook,
    Trigger,
    forked,
    have_numpy,
    import_fastmmap,
    load_numpy,
    scratch_path,
)
from support import fail, finish

#: fastmmap bug (see test_reliability.py, test_setslice_index_closes_on_second_call):
FUZZ_ALLOWED = (TypeError, ValueError, IndexError, OverflowError, BufferError,
                OSError, StopIteration)


class FuzzHolder:
    """The map of the current example, for hooks made before it exists."""
    m = None


class FuzzTrigger(Trigger):
    """A Trigger on the current example's map, which does not exist yet
    when hypothesis makes the hook."""

    def __init__(self, action, fire_on):
        super().__init__(None, action, fire_on)

    def target(self):
        return FuzzHolder.m

    def __repr__(self):
        return "%r, fire_on=%d" % (self.action, self.fire_on)


class FuzzIndex(IndexHook):
    def __init__(self, value, action, fire_on):
        super().__init__(value, FuzzTrigger(action, fire_on))

    def __repr__(self):
        return "FuzzIndex(%r, %r)" % (self.value, self.trigger)


class FuzzBuffer(BufferHook):
    def __init__(self, data, action, fire_on):
        super().__init__(data, FuzzTrigger(action, fire_on))

    def __repr__(self):
        return "FuzzBuffer(%r, %r)" % (self.data, self.trigger)


class FuzzEq:
    def __init__(self, action, fire_on):
        self.trigger = FuzzTrigger(action, fire_on)

    def __eq__(self, other):
        self.trigger()
        return False

    __hash__ = None

    def __repr__(self):
        return "FuzzEq(%r)" % (self.trigger,)


class FitSlice:
    """Placeholder for a value exactly as long as the slice it is assigned
    to (worked out from the hooks' values, without calling them)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return "FitSlice(%r)" % self.kind


def fuzz_fit(m, sl, kind):
    def raw(x):
        if isinstance(x, FuzzIndex):
            x = x.value
        return x if x is None or isinstance(x, int) else None
    try:
        n = len(range(len(m))[slice(raw(sl.start), raw(sl.stop), raw(sl.step))])
    except (ValueError, TypeError, OverflowError):
        n = 0
    data = bytes(b"0123456789"[i % 10] for i in range(n))
    return bytearray(data) if kind == "bytearray" else data


class SelfView:
    """Placeholder for memoryview(m)[start:stop], made at call time."""

    def __init__(self, start, stop, as_bytearray=False):
        self.start, self.stop, self.as_bytearray = start, stop, as_bytearray

    def __repr__(self):
        return "SelfView(%r, %r, bytearray=%r)" % (self.start, self.stop, self.as_bytearray)


FUZZ_METHODS = ["find", "rfind", "count", "find_all", "lines", "read", "read_byte",
                "readline", "readinto", "write", "write_byte", "seek", "tell",
                "size", "flush", "madvise", "move", "resize", "getitem", "setitem",
                "delitem", "len", "iter", "reversed", "contains", "as_array",
                "close", "memoryview", "repr", "exit"]


def fuzz_methods():
    return [name for name in FUZZ_METHODS
            if have_numpy() or name not in ("find_all", "as_array")]


def fuzz_strategies():
    from hypothesis import strategies as st
    size_ints = st.integers(-3 * PAGE - 3, 3 * PAGE + 3)
    extremes = st.sampled_from([MAXSIZE, -MAXSIZE - 1, MAXSIZE + 1, -MAXSIZE - 2,
                                2 ** 31, -2 ** 31 - 1, 2 ** 32, 2 ** 63, 2 ** 64,
                                -2 ** 64, 2 ** 100, 255, 256, -1, 0, 1])
    ints = st.one_of(size_ints, extremes)
    actions = st.sampled_from(sorted(ACTIONS))
    fire = st.integers(1, 3)
    junk = st.sampled_from([None, 1.5, float("nan"), float("inf"), "str", "",
                            object(), [1], (1, 2), {}, True, 1j, b"", slice(None)])
    data = st.binary(max_size=40).map(lambda b: bytes(b"ab\n\0"[c % 4] for c in b))
    buffers = st.one_of(
        data, data.map(bytearray), data.map(memoryview),
        st.builds(SelfView, size_ints, size_ints, st.booleans()))
    if HAVE_BUFFER_HOOK:
        buffers = st.one_of(buffers, st.builds(FuzzBuffer, data.map(bytearray),
                                               actions, fire))
    hooks = st.builds(FuzzIndex, ints, actions, fire)
    slices = st.builds(slice, st.one_of(st.none(), ints, hooks),
                       st.one_of(st.none(), ints, hooks),
                       st.one_of(st.none(), ints, hooks,
                                 st.sampled_from([0, 1, -1, 2, MAXSIZE, -MAXSIZE - 1])))
    args = st.one_of(ints, hooks, buffers, junk, slices,
                     st.builds(FuzzEq, actions, fire))
    step = st.one_of(
        st.tuples(st.sampled_from(fuzz_methods()), st.lists(args, max_size=4)),
        # slice assignments of the right length, so that they get past the
        # first length check and reach the re-checks
        st.tuples(st.just("setitem"),
                  st.tuples(slices, st.builds(FitSlice, st.sampled_from(["bytes", "bytearray"])))
                  .map(list)))
    kind = st.sampled_from(["file", "read", "copy", "anon", "anon_private", "open", "open_c"])
    return st.tuples(kind, st.integers(0, 3 * PAGE + 1), st.lists(step, min_size=1, max_size=12))


def fuzz_make_map(fastmmap, kind, size):
    size = max(size, 1)
    if kind.startswith("anon"):
        flags = fastmmap.MAP_PRIVATE if kind == "anon_private" else fastmmap.MAP_SHARED
        m = fastmmap.mmap(-1, size, flags=flags)
        m[:] = (b"ab\n\0xyz" * size)[:size]
        return m
    path = scratch_path("fuzz")
    with open(path, "wb") as f:
        f.write((b"ab\n\0xyz" * size)[:size])
    if kind in ("open", "open_c"):
        m = fastmmap.open(path, "r+" if kind == "open" else "c", offset=min(3, size))
    else:
        access = {"file": fastmmap.ACCESS_WRITE, "read": fastmmap.ACCESS_READ,
                  "copy": fastmmap.ACCESS_COPY}[kind]
        with open(path, "r+b") as f:
            m = fastmmap.mmap(f.fileno(), 0, access=access)
    os.unlink(path)
    return m


def fuzz_resolve(m, arg, views):
    if isinstance(arg, SelfView):
        try:
            v = memoryview(m)[arg.start:arg.stop]
        except (ValueError, BufferError):
            return b"closed"
        views.append(v)
        return bytearray(v) if arg.as_bytearray else v
    return arg


def fuzz_call(m, method, args):
    if method in ("find", "rfind", "count", "find_all", "read", "readinto", "write",
                  "write_byte", "seek", "flush", "madvise", "move", "resize"):
        if method == "resize":
            # no gigabyte files: huge sizes (failing ones) stay
            args = [2 ** 62 if isinstance(a, int) and (16 << 20) < a < 2 ** 62 else a
                    for a in args]
        r = getattr(m, method)(*args)
        if method == "find_all":
            r = r.tolist()
        return r
    if method == "lines":
        return [line for line, _ in zip(m.lines(*args[:2]), range(5))]
    if method in ("read_byte", "readline", "tell", "size", "close", "repr"):
        return repr(m) if method == "repr" else getattr(m, method)(*args)
    if method == "getitem":
        return m[args[0] if args else 0]
    if method == "setitem":
        args = (args + [0, 0])[:2]
        if isinstance(args[1], FitSlice):
            args[1] = fuzz_fit(m, args[0], args[1].kind) if isinstance(args[0], slice) else 0
        return m.__setitem__(*args)
    if method == "delitem":
        del m[args[0] if args else 0]
    if method == "len":
        return len(m)
    if method == "iter":
        return [b for b, _ in zip(iter(m), range(3))]
    if method == "reversed":
        return [b for b, _ in zip(reversed(m), range(3))]
    if method == "contains":
        return (args[0] if args else b"a") in m
    if method == "as_array":
        return m.as_array(*args).tobytes()
    if method == "memoryview":
        with memoryview(m) as v:
            return v[:4].tobytes()
    if method == "exit":
        return m.__exit__(*args)
    raise AssertionError(method)


def fuzz_example(fastmmap, kind, size, steps):
    """Runs in a forked child: returns a list of problems."""
    problems = []
    m = fuzz_make_map(fastmmap, kind, size)
    FuzzHolder.m = m
    for method, args in steps:
        views = []
        try:
            args = [fuzz_resolve(m, a, views) for a in args]
            try:
                fuzz_call(m, method, args)
            except FUZZ_ALLOWED:
                pass
            except Exception as exc:
                problems.append("%s%r raised %s: %s" % (method, tuple(args),
                                                        type(exc).__name__, exc))
        finally:
            for v in views:
                v.release()
        del HELD[:]
        # the map stays usable
        if not m.closed:
            try:
                data = m[:]
                if len(data) != len(m):
                    problems.append("after %s: len %d, m[:] has %d" % (method, len(m), len(data)))
            except OSError:
                pass            # a failed resize may have truncated the file
            if m.tell() < 0:
                problems.append("after %s: tell() %d" % (method, m.tell()))
    del HELD[:]
    FuzzHolder.m = None
    try:
        m.close()
    except Exception as exc:
        problems.append("final close: %r" % exc)
    return problems


def scenario_fuzz(examples="200"):
    fastmmap = import_fastmmap()
    load_numpy()
    from hypothesis import HealthCheck, given, settings
    examples = int(examples)
    seen = {"examples": 0}

    @settings(max_examples=examples, database=None, deadline=None,
              derandomize=not os.environ.get("FASTMMAP_FUZZ_RANDOM"),
              suppress_health_check=list(HealthCheck))
    @given(fuzz_strategies())
    def run(example):
        kind, size, steps = example
        seen["examples"] += 1
        status, res = forked(fuzz_example, fastmmap, kind, size, steps, timeout=60)
        assert status == "ok", "%s: %s" % (status, res)
        assert res == [], res

    try:
        run()
    except Exception:
        fail("fuzz: " + traceback.format_exc()[-6000:])
    print("fuzz examples run: %d" % seen["examples"])
    finish()
