"""Re-entrancy: arguments whose __index__, __buffer__ or __eq__ close,
resize or export the map in the middle of a call.
"""
import mmap as stdlib_mmap
import os

from reliability import (
    ACTIONS,
    HAVE_BUFFER_HOOK,
    HELD,
    PAGE,
    PY,
    BufferHook,
    IndexHook,
    Trigger,
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

RE_SIZE = 3 * PAGE
RE_POS = 100
NEEDLE = b"XYZ"
NEEDLE_AT = (50, 5000, 12000)


def re_content():
    data = bytearray((b"abcdefghi\n" * (RE_SIZE // 10 + 1))[:RE_SIZE])
    for at in NEEDLE_AT:
        data[at:at + len(NEEDLE)] = NEEDLE
    return bytes(data)




def _slice(a):
    return slice(a[0], a[1], a[2])


#: name -> (call(m, args), plain args, hookable positions: "i" int, "b" buffer)
#: Only what the stdlib also has is compared with it (see STDLIB_HAS).
RE_CASES = {
    "find": (lambda m, a: m.find(*a), [NEEDLE, 0, RE_SIZE], "bii"),
    "find_default_start": (lambda m, a: m.find(*a), [NEEDLE, RE_SIZE], "bi"),
    "find_negative": (lambda m, a: m.find(*a), [NEEDLE, -7000, -1], "bii"),
    "rfind": (lambda m, a: m.rfind(*a), [NEEDLE, 10, 20000], "bii"),
    "count": (lambda m, a: m.count(*a), [NEEDLE, 0, RE_SIZE], "bii"),
    "count_negative": (lambda m, a: m.count(*a), [b"a", -9000, -2], "bii"),
    "find_all": (lambda m, a: m.find_all(*a), [NEEDLE, 1, 20000], "bii"),
    "lines": (lambda m, a: list(m.lines(*a)), [40, 400], "ii"),
    "lines_negative": (lambda m, a: list(m.lines(*a)), [-6500, -5900], "ii"),
    "read": (lambda m, a: m.read(*a), [5000], "i"),
    "read_negative": (lambda m, a: m.read(*a), [-1], "i"),
    "readinto": (lambda m, a: (m.readinto(a[0]),
                               bytes(a[0].data if isinstance(a[0], BufferHook) else a[0])),
                 [bytearray(20)], "b"),
    "write": (lambda m, a: m.write(*a), [b"hello"], "b"),
    "write_byte": (lambda m, a: m.write_byte(*a), [65], "i"),
    "seek": (lambda m, a: m.seek(*a), [200, 0], "ii"),
    "seek_cur": (lambda m, a: m.seek(*a), [-50, 1], "ii"),
    "seek_end": (lambda m, a: m.seek(*a), [-10, 2], "ii"),
    "flush": (lambda m, a: m.flush(*a), [0, 8192], "ii"),
    "flush_page": (lambda m, a: m.flush(*a), [PAGE, 20], "ii"),
    "madvise": (lambda m, a: m.madvise(*a), [stdlib_mmap.MADV_NORMAL, PAGE, PAGE], "iii"),
    "move": (lambda m, a: m.move(*a), [10, 5000, 100], "iii"),
    "move_high": (lambda m, a: m.move(*a), [9000, 100, 3000], "iii"),
    "resize": (lambda m, a: m.resize(*a), [8000], "i"),
    "getitem": (lambda m, a: m[a[0]], [5000], "i"),
    "getitem_negative": (lambda m, a: m[a[0]], [-1], "i"),
    "getslice": (lambda m, a: m[_slice(a)], [40, 9000, 1], "iii"),
    "getslice_step": (lambda m, a: m[_slice(a)], [9000, 40, -7], "iii"),
    "setitem": (lambda m, a: m.__setitem__(a[0], a[1]), [5000, 66], "ii"),
    "setitem_negative": (lambda m, a: m.__setitem__(a[0], a[1]), [-1, 66], "ii"),
    "setslice": (lambda m, a: m.__setitem__(_slice(a), a[3]), [40, 50, 1, b"0123456789"], "iiib"),
    "setslice_high": (lambda m, a: m.__setitem__(_slice(a), a[3]),
                      [5990, 6000, 1, b"0123456789"], "iiib"),
    "setslice_step": (lambda m, a: m.__setitem__(_slice(a), a[3]),
                      [40, 140, 10, b"0123456789"], "iiib"),
    "as_array": (lambda m, a: m.as_array(offset=a[0], shape=a[1]).tobytes(), [8, 100], "ii"),
}
STDLIB_HAS = {name for name in RE_CASES
              if not name.startswith(("count", "find_all", "lines", "readinto", "as_array"))}




def stdlib_crashes(case, pos, action, fire_on):
    """Cases where CPython's mmap reads or writes out of bounds (and
    usually dies), not run with the stdlib: before 3.11.4 (gh-103987) an
    __index__ that closes the map; up to 3.13 a value's __index__ or
    __buffer__ that shrinks it after the index or slice was checked."""
    if action == "close" and PY < (3, 11, 4):
        return True
    return (action.startswith("shrink")
            and (case.startswith("setitem") and pos == 1
                 or case.startswith("setslice") and pos == 3))


def re_make_map(mod):
    path = scratch_path("re")
    with open(path, "wb") as f:
        f.write(re_content())
    with open(path, "r+b") as f:
        m = mod.mmap(f.fileno(), 0)
    os.unlink(path)
    m.seek(RE_POS)
    return m


def re_args_with_hook(m, case, pos, action, fire_on):
    _, plain, kinds = RE_CASES[case]
    trigger = Trigger(m, action, fire_on)
    args = list(plain)
    if kinds[pos] == "i":
        args[pos] = IndexHook(plain[pos], trigger)
    else:
        value = plain[pos]
        args[pos] = BufferHook(bytearray(value) if isinstance(value, bytearray)
                               else value, trigger)
    return args, trigger


def _plain_args(case):
    return [bytearray(a) if isinstance(a, bytearray) else a
            for a in RE_CASES[case][1]]


def re_run_case(mod, case, pos, action, fire_on, with_oracles):
    """Runs one hooked call and (for fastmmap) the two oracles: the same
    call with plain arguments on a fresh map to which the action was done
    before the call ("after" the hook: the arguments are converted first)
    or after it.  Returns a dict."""
    call = RE_CASES[case][0]
    del HELD[:]
    m = re_make_map(mod)
    args, trigger = re_args_with_hook(m, case, pos, action, fire_on)
    got = outcome(lambda: call(m, args))
    state = map_state(m)
    held = len(HELD)
    close_while_held = None
    if HELD and not m.closed:
        close_while_held = outcome(m.close)
    del HELD[:]
    args = None
    # (no gc.collect: 12 ms each with NumPy loaded)
    result = {"got": got, "state": state, "fired": trigger.fired,
              "calls": trigger.calls, "hook_error": trigger.error,
              "held": held, "close_while_held": close_while_held,
              "close_after": outcome(m.close)}
    if with_oracles:
        oracles = []
        for when in ("after", "before"):
            del HELD[:]
            o = re_make_map(mod)
            plain = _plain_args(case)
            if when == "after" and trigger.fired:
                ACTIONS[action](o)
            res = outcome(lambda: call(o, plain))
            if when == "before" and trigger.fired:
                try:
                    ACTIONS[action](o)
                except Exception as exc:
                    res = ("action failed", repr(exc))
            oracles.append((when, res, map_state(o)))
            del HELD[:]
            plain = None
            # (no gc.collect: 12 ms each with NumPy loaded)
            o.close()
        # The action alone, no call: the state an exception must leave.
        o = re_make_map(mod)
        if trigger.fired:
            ACTIONS[action](o)
        result["action_only"] = map_state(o)
        del HELD[:]
        o.close()
        result["oracles"] = oracles
    return result


def _same(got, oracle):
    """Results equal; exceptions equal by type."""
    if got[0] != oracle[0]:
        return False
    if got[0] == "exc":
        return got[1] == oracle[1]
    return got == oracle


def re_all_cases(only=None):
    cases = []
    for case, (_, _plain, kinds) in RE_CASES.items():
        if only and case not in only:
            continue
        if not have_numpy() and case in ("find_all", "as_array"):
            continue
        for pos, kind in enumerate(kinds):
            if kind == "b" and not HAVE_BUFFER_HOOK:
                continue
            for action in ACTIONS:
                for fire_on in (1, 2):
                    cases.append((case, pos, action, fire_on))
    return cases


def scenario_reentrancy(*only):
    fastmmap = import_fastmmap()
    load_numpy()
    cases = re_all_cases(only)
    crashes = []
    wrong = []
    stdlib_rows = []
    fast_results = forked_many(re_run_case, [(fastmmap, c, p, a, f, True)
                                             for c, p, a, f in cases])
    std_cases = [c for c in cases if c[0] in STDLIB_HAS and not stdlib_crashes(*c)]
    std_results = dict(zip(std_cases, forked_many(
        re_run_case, [(stdlib_mmap, c, p, a, f, False) for c, p, a, f in std_cases])))
    res_fired = {}
    for (case, pos, action, fire_on), (status, res) in zip(cases, fast_results):
        label = "%s[arg %d] %s@call%d" % (case, pos, action, fire_on)
        if status != "ok":
            crashes.append("%s: %s %s" % (label, status, res))
            continue
        got, state = res["got"], res["state"]
        res_fired[label] = res["fired"]
        ok = False
        for _when, o_res, o_state in res["oracles"]:
            if _same(got, o_res) and state == o_state:
                ok = True
        # An exception that the stale arguments explain, with no effect:
        # README difference 5 (re-checked, where the stdlib goes on).
        if (res["fired"] and got[0] == "exc"
                and got[1] in ("ValueError", "IndexError")
                and state == res["action_only"]):
            ok = True
        if not ok:
            wrong.append("%s: got %r state %r; oracles %r"
                         % (label, got, state, res["oracles"]))
        if res["held"] and res["close_while_held"] is not None:
            cw = res["close_while_held"]
            if not (cw[0] == "exc" and cw[1] == "BufferError"):
                wrong.append("%s: close() with a held export gave %r" % (label, cw))
        if res["close_after"] != ("ok", None):
            wrong.append("%s: close() at the end gave %r" % (label, res["close_after"]))
        if (case, pos, action, fire_on) in std_results:
            s_status, s_res = std_results[case, pos, action, fire_on]
            stdlib_rows.append((label, got, state, s_status, s_res))
    for line in crashes:
        fail("crash: " + line)
    for line in wrong:
        fail("wrong: " + line)
    # The stdlib, where it survives: fastmmap either does what it does, or
    # raises where the stdlib went on with the stale size (README difference
    # 5).  A stdlib crash is only counted.
    std_crash = std_same = std_stricter = std_other = 0
    for label, got, _state, s_status, s_res in stdlib_rows:
        if s_status != "ok":
            std_crash += 1
            print("stdlib %s: %s %s" % (label, s_status, str(s_res)[-200:]))
            continue
        s_got = s_res["got"]
        if s_res["fired"] != res_fired[label]:
            std_other += 1     # the hooks were called a different number of times
            continue
        if PY < (3, 13) and label.startswith("seek") and got[0] == "ok":
            got = ("ok", None)     # seek() returns the position from 3.13 on
        if _same(got, s_got):
            std_same += 1
        elif got[0] == "exc" and got[1] in ("ValueError", "IndexError"):
            std_stricter += 1
            print("stricter than the stdlib: %s: fastmmap %r, stdlib %r"
                  % (label, got, s_got))
        else:
            fail("differs from the stdlib: %s: fastmmap %r, stdlib %r"
                 % (label, got, s_got))
    print("cases:", len(cases), "crashes:", len(crashes), "wrong:", len(wrong))
    print("stdlib: %d cases run (%d known to crash it not run), same %d, fastmmap "
          "stricter %d, stdlib crashed %d, hook fired in one only %d"
          % (len(stdlib_rows), sum(1 for c in cases if c[0] in STDLIB_HAS) - len(std_cases),
             std_same, std_stricter, std_crash, std_other))
    finish()


class EqHook:
    """``hook in m`` compares every byte with this object (reflected
    __eq__): records the bytes it sees and runs the trigger at a call."""

    def __init__(self, trigger, target):
        self.trigger = trigger
        self.target = target
        self.seen = []

    def __eq__(self, other):
        self.seen.append(other)
        self.trigger()
        return other == self.target

    __hash__ = None


def re_run_contains(mod, action, fire_on, target):
    del HELD[:]
    m = re_make_map(mod)
    trigger = Trigger(m, action, fire_on)
    hook = EqHook(trigger, target)
    got = outcome(lambda: hook in m)
    del HELD[:]
    state = map_state(m)
    return {"got": got, "seen": hook.seen, "fired": trigger.fired,
            "state": state, "size_after": None if m.closed else len(m)}


def scenario_reentrancy_contains():
    """``x in m`` where x.__eq__ closes / resizes the map mid-iteration:
    every byte compared must be the map's current byte at that index."""
    fastmmap = import_fastmmap()
    content = re_content()
    n = 0
    for action in ACTIONS:
        for fire_on in (1, 2, 59, 61, 5999, 6001, RE_SIZE):
            for target in (b"Z", b"\x00"):   # absent / present after growing
                n += 1
                label = "in: %s@call%d target %r" % (action, fire_on, target)
                status, res = forked(re_run_contains, fastmmap, action, fire_on, target)
                if status != "ok":
                    fail("crash: %s: %s %s" % (label, status, res))
                    continue
                seen, got = res["seen"], res["got"]
                # byte i is seen at call i + 1; the action runs during call
                # fire_on, i.e. after byte fire_on - 1 was fetched.
                expect = bytearray(content)
                if res["fired"] and action == "grow":
                    expect += bytes(300000 - len(expect))
                limit = len(expect)
                if res["fired"]:
                    if action == "close":
                        limit = fire_on
                    elif action == "shrink_small":
                        limit = max(fire_on, 60)
                    elif action == "shrink":
                        limit = max(fire_on, 6000)
                found = None
                for i, b in enumerate(seen):
                    if b != bytes(expect[i:i + 1]) or i >= limit:
                        fail("stale read: %s: byte %d seen as %r, map has %r (limit %d)"
                             % (label, i, b, bytes(expect[i:i + 1]), limit))
                        break
                    if b == target:
                        found = i
                        break
                if res["fired"] and action == "close":
                    check(got[0] == "exc" and got[1] == "ValueError" or found is not None,
                          "%s: %r" % (label, got))
                else:
                    check(got == ("ok", found is not None), "%s: got %r, found %r"
                          % (label, got, found))
                    if found is None:
                        check(len(seen) == limit, "%s: saw %d bytes of %d"
                              % (label, len(seen), limit))
    print("contains cases:", n)
    finish()


def scenario_reentrancy_self_buffers():
    """Buffers of the map itself as needle / source / target, with hooks
    that try to close or resize the map meanwhile: the export pins it."""
    fastmmap = import_fastmmap()
    load_numpy()

    def body(action):
        m = re_make_map(fastmmap)
        content = re_content()
        out = []
        view = memoryview(m)
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.find(view[50:53], IndexHook(0, trig))))
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.count(view[50:53], 0, IndexHook(RE_SIZE, trig))))
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.find_all(view[50:53], IndexHook(0, trig)).tolist())
                   if have_numpy() else ("ok", [50, 5000, 12000]))
        trig = Trigger(m, action, 1)
        m.seek(IndexHook(1000, trig))
        out.append(outcome(lambda: m.write(view[0:3000])))     # overlapping
        out.append(m[:] == content[:1000] + content[:3000] + content[4000:])
        m.seek(0)
        out.append(outcome(lambda: m.readinto(view[10:5010])))  # overlapping
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.__setitem__(slice(IndexHook(0, trig), 100), view[1:101])))
        trig = Trigger(m, action, 1)
        out.append(outcome(lambda: m.rfind(view[-3:], IndexHook(0, trig))))
        close_held = outcome(m.close)
        view.release()
        del HELD[:]
        # (no gc.collect: 12 ms each with NumPy loaded)
        return out, close_held, outcome(m.close)

    for action in ACTIONS:
        status, res = forked(body, action)
        if status != "ok":
            fail("crash: %s: %s %s" % (action, status, res))
            continue
        out, close_held, close_after = res
        re_content()
        check(out[0] == ("ok", 50), "find own view %s: %r" % (action, out[0]))
        check(out[1] == ("ok", 3), "count own view %s: %r" % (action, out[1]))
        check(out[2] == ("ok", ("array", [50, 5000, 12000])) or out[2] == ("ok", [50, 5000, 12000]),
              "find_all own view %s: %r" % (action, out[2]))
        check(out[3] == ("ok", 3000) and out[4] is True,
              "overlapping write %s: %r" % (action, out[3:5]))
        check(out[5] == ("ok", 5000), "overlapping readinto %s: %r" % (action, out[5]))
        check(out[6] == ("ok", None), "setslice own view %s: %r" % (action, out[6]))
        check(out[7][0] == "ok", "rfind own view %s: %r" % (action, out[7]))
        check(close_held[0] == "exc" and close_held[1] == "BufferError",
              "close with own view held %s: %r" % (action, close_held))
        check(close_after == ("ok", None), "close after %s: %r" % (action, close_after))
    finish()
