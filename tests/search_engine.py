"""The search engine (fastmmap/csrc/search) reached through ctypes, for the
kernel tests: a named configuration per call instead of test hooks in the
shipped extension.

The engine's C sources are compiled once into a shared library in the
temporary directory (keyed by their content).  They are found in the
directory FASTMMAP_ENGINE_SOURCES names, else next to the tests in a source
tree, else in the sdist of a copy of tests/ made the way .ci/run makes them
(``RUN/tests`` beside ``../dist/fastmmap-*.tar.gz``, which ships the
sources); `AVAILABLE` is False (with `WHY`) when there are none or no C
compiler.

A configuration is a string ``"prefilter[/fallback][@isa]"``:
prefilter ``auto``, ``memchr``, ``pair``, ``none`` or ``skip``; fallback
``auto`` or ``two-way``; isa one of `ISAS`, by default the one the product
uses (FASTMMAP_ISA, else the best).  FASTMMAP_PORTABLE=1 builds the
library as the portable extension is built (the scalar table only).
"""
import ctypes
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

from support import norm_range

HERE = os.path.dirname(os.path.abspath(__file__))
ENGINE_DIR = "fastmmap/csrc/search"


def _from_sdist():
    """The engine's sources unpacked from a neighbouring sdist, or None."""
    for sdist in sorted(glob.glob(os.path.join(HERE, os.pardir, os.pardir, "dist",
                                               "fastmmap-*.tar.gz"))):
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if m.isfile()
                       and m.name.split("/", 1)[-1].startswith(ENGINE_DIR + "/")]
            if not members:
                continue
            out = tempfile.mkdtemp(prefix="fastmmap-engine-src-")
            for m in members:
                with tar.extractfile(m) as src, \
                        open(os.path.join(out, os.path.basename(m.name)), "wb") as dst:
                    dst.write(src.read())
            return out
    return None


def _sources():
    if os.environ.get("FASTMMAP_ENGINE_SOURCES"):
        return os.environ["FASTMMAP_ENGINE_SOURCES"]
    tree = os.path.join(HERE, os.pardir, *ENGINE_DIR.split("/"))
    if os.path.isdir(tree):
        return tree
    return _from_sdist() or tree

PATHS = ("prefilter", "reanchored", "fallback", "pair", "skip")

AVAILABLE = False
WHY = ""
_lib = None


def _build():
    names = sorted(f for f in os.listdir(SOURCES) if f.endswith((".c", ".h")))
    # FM_TESTING: the test-only entry points (fm_anchors, fm_byte_rank and
    # the configuration's trace), which the shipped extension lacks.
    flags = ["-O2", "-fPIC", "-shared", "-DFM_TESTING=1"]
    if os.environ.get("FASTMMAP_PORTABLE"):
        flags.append("-DFM_PORTABLE=1")
    digest = hashlib.sha256(" ".join(flags).encode())
    for name in names:
        with open(os.path.join(SOURCES, name), "rb") as f:
            digest.update(name.encode() + b"\0" + f.read())
    out = os.path.join(tempfile.gettempdir(),
                       "fastmmap-engine-%s.so" % digest.hexdigest()[:16])
    if not os.path.exists(out):
        tmp = "%s.%d.tmp" % (out, os.getpid())
        cmd = [os.environ.get("CC", "cc")] + flags + ["-I", SOURCES, "-o", tmp] + [
            os.path.join(SOURCES, n) for n in names if n.endswith(".c")]
        subprocess.run(cmd, check=True, capture_output=True)
        os.replace(tmp, out)
    return ctypes.CDLL(out)


try:
    SOURCES = _sources()
    if not os.path.isdir(SOURCES):
        raise OSError("no engine sources at %s (set FASTMMAP_ENGINE_SOURCES)" % SOURCES)
    _lib = _build()
    AVAILABLE = True
    if os.path.basename(SOURCES).startswith("fastmmap-engine-src-"):
        shutil.rmtree(SOURCES, ignore_errors=True)   # unpacked from an sdist
except (OSError, subprocess.CalledProcessError) as e:   # pragma: no cover
    WHY = "search engine library unavailable: %s" % (
        getattr(e, "stderr", None) or e,)


class _Config(ctypes.Structure):
    # search.h's fm_config, as a FM_TESTING build lays it out.
    _fields_ = [("ops", ctypes.c_void_p), ("prefilter", ctypes.c_int),
                ("fallback", ctypes.c_int), ("trace", ctypes.POINTER(ctypes.c_int))]


_ssize = ctypes.c_ssize_t
_p = ctypes.c_char_p
if AVAILABLE:
    _cfg = ctypes.POINTER(_Config)
    for _name, _args in (("fm_find", [_cfg, _p, _ssize, _p, _ssize]),
                         ("fm_rfind", [_cfg, _p, _ssize, _p, _ssize]),
                         ("fm_count", [_cfg, _p, _ssize, _p, _ssize])):
        getattr(_lib, _name).argtypes = _args
        getattr(_lib, _name).restype = _ssize
    _lib.fm_find_all.argtypes = [_cfg, _p, _ssize, _p, _ssize, ctypes.c_void_p,
                                 _ssize, ctypes.POINTER(_ssize)]
    _lib.fm_find_all.restype = _ssize
    _lib.fm_copy_find_all_byte.argtypes = [_cfg, ctypes.c_void_p, _p, _ssize,
                                           ctypes.c_ubyte, ctypes.c_void_p, _ssize,
                                           ctypes.POINTER(_ssize)]
    _lib.fm_copy_find_all_byte.restype = _ssize
    _lib.fm_config_named.argtypes = [_cfg, _p, _p, _p]
    _lib.fm_isa_available.restype = _p
    _lib.fm_anchors.argtypes = [_p, _ssize, _p, _ssize, ctypes.POINTER(_ssize * 3)]
    # The set search (any of several needles).
    _sp = ctypes.c_void_p
    _lib.fm_set_new.argtypes = [_cfg, ctypes.POINTER(_p), ctypes.POINTER(_ssize),
                                _ssize, ctypes.c_int]
    _lib.fm_set_new.restype = _sp
    _lib.fm_set_free.argtypes = [_sp]
    for _name in ("fm_set_find", "fm_set_rfind"):
        getattr(_lib, _name).argtypes = [_sp, _p, _ssize, ctypes.POINTER(_ssize),
                                         ctypes.POINTER(_ssize)]
        getattr(_lib, _name).restype = _ssize
    _lib.fm_set_count.argtypes = [_sp, _p, _ssize]
    _lib.fm_set_count.restype = _ssize
    _lib.fm_set_find_all.argtypes = [_sp, _p, _ssize, ctypes.c_void_p, ctypes.c_void_p,
                                     _ssize, ctypes.POINTER(_ssize)]
    _lib.fm_set_find_all.restype = _ssize
    _lib.fm_set_match_at.argtypes = [_sp, _ssize, _p, _ssize]
    _lib.fm_set_match_at.restype = ctypes.c_int
    _lib.fm_set_size.argtypes = [_sp]
    _lib.fm_set_size.restype = _ssize
    _lib.fm_set_len.argtypes = [_sp, _ssize]
    _lib.fm_set_len.restype = _ssize
    _lib.fm_set_strategy.argtypes = [_sp]
    _lib.fm_set_strategy.restype = _p
    ISAS = tuple(_lib.fm_isa_available().decode().split())
    # The instruction set the built extension chose (FASTMMAP_ISA, else the
    # best it has: only scalar in a FASTMMAP_PORTABLE build), so that the
    # default configuration drives the same kernels as the product.
    from fastmmap import _search as _product
    ISA = _product.isa
    VECTOR = ISA != "scalar"
    BYTE_RANK = bytes((ctypes.c_ubyte * 256).in_dll(_lib, "fm_byte_rank"))
else:                                                    # pragma: no cover
    ISAS, ISA, VECTOR, BYTE_RANK = (), None, False, b""

_configs = {}


def config(name="auto"):
    """The fm_config (and its trace slot) for a configuration string."""
    if name not in _configs:
        rest, _, isa = name.partition("@")
        prefilter, _, fallback = rest.partition("/")
        cfg = _Config()
        rc = _lib.fm_config_named(ctypes.byref(cfg), (isa or ISA).encode(),
                                  prefilter.encode(), fallback.encode())
        if rc:
            raise ValueError("configuration %r: error %d" % (name, rc))
        trace = ctypes.c_int(-1)
        cfg.trace = ctypes.pointer(trace)
        _configs[name] = (cfg, trace)
    return _configs[name][0]


def _held(obj):
    return obj if type(obj) is bytes else bytes(memoryview(obj))


def _ranged(fn, miss, hay, needle, start, end, cfg):
    h, x = _held(hay), _held(needle)
    a, b = norm_range(len(h), start, end)
    if len(x) > b - a:
        return miss
    buf = ctypes.create_string_buffer(h[a:b], b - a) if a or b != len(h) else h
    return fn(config(cfg), buf, b - a, x, len(x))


def find(hay, needle, start=None, end=None, cfg="auto"):
    r = _ranged(_lib.fm_find, -1, hay, needle, start, end, cfg)
    return r if r < 0 else r + norm_range(len(_held(hay)), start, end)[0]


def rfind(hay, needle, start=None, end=None, cfg="auto"):
    r = _ranged(_lib.fm_rfind, -1, hay, needle, start, end, cfg)
    return r if r < 0 else r + norm_range(len(_held(hay)), start, end)[0]


def count(hay, needle, start=None, end=None, cfg="auto"):
    return _ranged(_lib.fm_count, 0, hay, needle, start, end, cfg)


def find_all_into(hay, needle, out, cfg="auto"):
    """One find_all call writing into `out`, a writable buffer of ssize_t
    items (all of it is the capacity): (count, resume)."""
    h, x = _held(hay), _held(needle)
    view = memoryview(out).cast("B")
    cap = view.nbytes // ctypes.sizeof(_ssize)
    if not x or not cap:
        raise ValueError("needs a non-empty needle and output")
    slots = (ctypes.c_char * view.nbytes).from_buffer(view)
    resume = _ssize(-1)
    w = _lib.fm_find_all(config(cfg), h, len(h), x, len(x), ctypes.addressof(slots),
                         cap, ctypes.byref(resume))
    del slots
    return w, resume.value


def find_all_once(hay, needle, cap, cfg="auto"):
    """One find_all call: (offsets, resume)."""
    if not _held(needle):
        raise ValueError("find_all needs a non-empty needle")
    out = (_ssize * max(cap, 1))()
    h, x = _held(hay), _held(needle)
    resume = _ssize(-1)
    w = _lib.fm_find_all(config(cfg), h, len(h), x, len(x), out, cap,
                         ctypes.byref(resume))
    return list(out[:w]), resume.value


def copy_find_all_once(hay, byte, cap, cfg="auto"):
    """One copy_find_all_byte call: (copy, offsets, resume)."""
    h, x = _held(hay), _held(byte)
    if len(x) != 1:
        raise ValueError("copy_find_all_byte takes one byte")
    out = (_ssize * max(cap, 1))()
    dst = ctypes.create_string_buffer(max(len(h), 1))
    resume = _ssize(-1)
    w = _lib.fm_copy_find_all_byte(config(cfg), dst, h, len(h), x[0], out, cap,
                                   ctypes.byref(resume))
    return dst.raw[:len(h)], list(out[:w]), resume.value


def find_all(hay, needle, cap=1024, cfg="auto"):
    """Every match, gathered by find_all calls of `cap` slots, each resuming
    on the haystack slice after the previous one (checking the contract)."""
    h, x = _held(hay), _held(needle)
    if cap < 1:
        raise ValueError("cap must be >= 1")
    if not x:
        raise ValueError("find_all needs a non-empty needle")
    out = (_ssize * cap)()
    n, base, found = len(h), 0, []
    buf = ctypes.create_string_buffer(h, max(n, 1))
    addr = ctypes.addressof(buf)
    while True:
        resume = _ssize(-1)
        w = _lib.fm_find_all(config(cfg), ctypes.cast(addr + base, _p), n - base, x,
                             len(x), out, cap, ctypes.byref(resume))
        r = resume.value
        if not 0 <= w <= cap or not 0 <= r <= n - base:
            raise AssertionError("bad find_all result w=%d resume=%d" % (w, r))
        found.extend(o + base for o in out[:w])
        if w < cap:
            if r != n - base:
                raise AssertionError("short batch must exhaust the haystack")
            return found
        if r == 0 and w == 0:
            raise AssertionError("no progress")
        base += r


def path(hay, needle, op="find", cfg="auto"):
    """Which path a search ended on: "pair", "prefilter" (memchr),
    "reanchored" (memchr on an anchor chosen again), "fallback" or "skip"
    (the skip search of long needles)."""
    h, x = _held(hay), _held(needle)
    c = config(cfg)
    if op == "find_all":
        out = (_ssize * max(len(h), 1))()
        resume = _ssize()
        _lib.fm_find_all(c, h, len(h), x, len(x), out, max(len(h), 1),
                         ctypes.byref(resume))
    elif op in ("find", "rfind", "count"):
        getattr(_lib, "fm_" + op)(c, h, len(h), x, len(x))
    else:
        raise ValueError(op)
    return PATHS[_configs[cfg][1].value]


class Set:
    """An fm_set of `needles` (ASCII case ignored when `fold`) made with a
    named configuration; `dense` False forces its automaton's sparse form."""

    def __init__(self, needles, fold=False, cfg="auto", dense=True):
        self.needles = [_held(x) for x in needles]
        self.cfg = cfg
        count = len(self.needles)
        xs = (_p * max(count, 1))(*self.needles)
        ks = (_ssize * max(count, 1))(*map(len, self.needles))
        limit = ctypes.c_long.in_dll(_lib, "fm_set_dense_limit")
        limit.value = -1 if dense else 0
        try:
            self._s = _lib.fm_set_new(config(cfg), xs, ks, count, 1 if fold else 0)
        finally:
            limit.value = -1
        if not self._s:
            raise ValueError("fm_set_new refused %d needles" % count)

    def __del__(self):
        if getattr(self, "_s", None):
            _lib.fm_set_free(self._s)
            self._s = None

    @property
    def strategy(self):
        return _lib.fm_set_strategy(self._s).decode()

    def _one(self, fn, hay):
        h = _held(hay)
        ln, which = _ssize(-7), _ssize(-7)
        p = fn(self._s, h, len(h), ctypes.byref(ln), ctypes.byref(which))
        return (p, ln.value, which.value) if p >= 0 else (-1, None, None)

    def find(self, hay):
        """(offset, length, needle index) of the leftmost-longest match, or
        (-1, None, None)."""
        return self._one(_lib.fm_set_find, hay)

    def rfind(self, hay):
        return self._one(_lib.fm_set_rfind, hay)

    def count(self, hay):
        h = _held(hay)
        return _lib.fm_set_count(self._s, h, len(h))

    def find_all_once(self, hay, cap, which=True):
        """One call: (offsets, needle indexes or None, resume)."""
        h = _held(hay)
        out, wh = (_ssize * max(cap, 1))(), (_ssize * max(cap, 1))()
        resume = _ssize(-1)
        w = _lib.fm_set_find_all(self._s, h, len(h), out, wh if which else None, cap,
                                 ctypes.byref(resume))
        return list(out[:w]), (list(wh[:w]) if which else None), resume.value

    def find_all(self, hay, cap=1024):
        """Every match as (offset, needle index), gathered by calls of `cap`
        slots resuming on the haystack after the previous one (checking
        the contract)."""
        h = _held(hay)
        out, wh = (_ssize * cap)(), (_ssize * cap)()
        n, base, found = len(h), 0, []
        buf = ctypes.create_string_buffer(h, max(n, 1))
        addr = ctypes.addressof(buf)
        while True:
            resume = _ssize(-1)
            w = _lib.fm_set_find_all(self._s, ctypes.cast(addr + base, _p), n - base, out,
                                     wh, cap, ctypes.byref(resume))
            r = resume.value
            if not 0 <= w <= cap or not 0 <= r <= n - base:
                raise AssertionError("bad find_all result w=%d resume=%d" % (w, r))
            found.extend((o + base, i) for o, i in zip(out[:w], wh[:w]))
            if w < cap:
                if r != n - base:
                    raise AssertionError("short batch must exhaust the haystack")
                return found
            last_off, last_which = found[-1]
            if base + r != last_off + len(self.needles[last_which]):
                raise AssertionError("a full batch resumes past its last match")
            base += r

    def match_at(self, i, hay):
        h = _held(hay)
        return bool(_lib.fm_set_match_at(self._s, i, h, len(h)))

    def size(self):
        return _lib.fm_set_size(self._s)

    def len(self, i):
        return _lib.fm_set_len(self._s, i)

    def path(self, hay, op="find"):
        """The path the search ended on ("pair" for the prefilters,
        "fallback" for the automaton; "prefilter" etc. when the single-needle
        engine took the set)."""
        trace = _configs[self.cfg][1]
        trace.value = -1
        if op == "find_all":
            self.find_all_once(hay, max(len(hay), 1))
        else:
            getattr(self, op)(hay)
        return PATHS[trace.value]


def anchors(needle, third=False, sample=b""):
    """(anchor, second-check offset) chosen for a needle of k >= 2 bytes,
    and the packed pair's third offset if `third`; from the counts of its
    bytes in `sample` (a haystack's first bytes) if one is given, else from
    the static ranks alone."""
    x = _held(needle)
    if len(x) < 2:
        raise ValueError("needle must have at least 2 bytes")
    out = (_ssize * 3)()
    s = _held(sample)
    _lib.fm_anchors(x, len(x), s, len(s), ctypes.byref(out))
    return tuple(out) if third else tuple(out[:2])


if __name__ == "__main__":                               # pragma: no cover
    print(AVAILABLE and "isa %s of %s" % (ISA, " ".join(ISAS)) or WHY, file=sys.stderr)
