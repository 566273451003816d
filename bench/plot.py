"""Plot the needle benchmarks of a pytest-benchmark JSON file.

Makes one PNG with two panels (find, rfind): for every absent needle of
bench/test_bench_search.py, the scan speed in GB/s of the stdlib ``mmap``
and of fastmmap as bars, and the memchr limit as a mark over each pair::

    python -m pytest bench/ --benchmark-only -k absent --benchmark-json=out.json
    python bench/plot.py out.json -o docs/_static/performance.png

or from the "Scans" table of a results file (what docs/_static/performance.png
shows)::

    python bench/plot.py bench/RESULTS.rst -o docs/_static/performance.png

GB/s comes from each benchmark's ``extra_info`` (``gbps_min``: file bytes
over the best round, or ``gbps_median`` with ``--stat median``).  Given
several JSON files (runs of the same build on the same corpus), each bar is
the best of the runs: on a shared machine that filters out the rounds that
other processes slowed down.  Needs matplotlib (the ``docs`` extra).
"""
import argparse
import json
import re
import sys

IMPLS = ("stdlib", "fastmmap", "limit")
LABELS = {"stdlib": "stdlib mmap", "fastmmap": "fastmmap", "limit": "memchr limit"}
COLORS = {"stdlib": "#9e9e9e", "fastmmap": "#1f77b4", "limit": "#ff7f0e"}
CLASS_ORDER = {"byte": 0, "hash": 1, "e": 2, "space": 3, "freq": 4}
# The needle classes in words (bench/README.rst, "What is measured").
CLASS_WORDS = {
    "byte": "one byte: '#'",
    "hash": "'#' + random symbols",
    "e": "text from an 'e',\na digit inside",
    "space": "text from a space,\na digit inside",
    "freq": "frequent letters\nonly",
}
TABLE_ROW = re.compile(r"^(?P<row>r?find-absent-\S+)\s+(?P<stdlib>[\d.]+)\s+"
                       r"(?P<fastmmap>[\d.]+)\s+(?P<limit>[\d.]+)\s")
FIELD = re.compile(r"^:(?P<name>[A-Za-z]+):\s*(?P<value>.*)$")
ROW = re.compile(r"^(?P<op>r?find)-absent-(?:(?P<byte>byte)|(?P<cls>[a-z]+)-(?P<len>\d+))$")


def row_key(match):
    """(sort key, (needle class, length)) of a ROW match."""
    if match["byte"]:
        return (0, 1), ("byte", 1)
    length = int(match["len"])
    return (CLASS_ORDER.get(match["cls"], 9), length), (match["cls"], length)


def load_results_rst(path):
    """The same as load() from the "Scans" table of a results file such as
    bench/RESULTS.rst (rows ``find-absent-...  stdlib  fastmmap  limit ...``)."""
    rows = {}
    fields = {}
    with open(path) as fh:
        for line in fh:
            field = FIELD.match(line)
            if field and field["name"] not in fields:
                fields[field["name"]] = field["value"].strip()
            table = TABLE_ROW.match(line)
            match = table and ROW.match(table["row"])
            if not match:
                if rows and line.startswith("="):
                    # The end of the Scans table: later tables (before/after,
                    # peers) have other columns.
                    break
                continue
            key = row_key(match)
            rows.setdefault(match["op"], {})[key] = {
                impl: float(table[impl]) for impl in IMPLS}
    if not rows:
        raise SystemExit("%s: no find/rfind-absent rows in a table" % path)
    ordered = {op: {label: vals for (_, label), vals in sorted(r.items())}
               for op, r in sorted(rows.items())}
    corpus = re.search(r"(\d+)MiB", fields.get("Corpus", ""))
    meta = {
        "python": (fields.get("Python", "?").split(",")[0]),
        "cpu": fields.get("Machine", "?").split(",")[0],
        "date": fields.get("Date", "")[:10],
        "runs": 1,
        "size": int(corpus[1]) << 20 if corpus else None,
        "fallback": False,
        "source": path,
    }
    return ordered, meta


def load(paths, stat="min"):
    """Return ({op: {needle_label: {impl: gbps}}}, metadata) from
    pytest-benchmark JSON files (the best value per bar over the files).
    Rows are ordered byte, hash, e, space, freq and by needle length."""
    key = "gbps_" + stat
    rows = {}
    size = None
    fallback = False
    benches = []
    for path in paths:
        with open(path) as fh:
            data = json.load(fh)
        benches += data.get("benchmarks", [])
        if path == paths[0]:
            first = data
    for bench in benches:
        info = bench.get("extra_info") or {}
        match = ROW.match(info.get("row", ""))
        if info.get("kind") != "scan" or not match or key not in info:
            continue
        if info["impl"] not in IMPLS:
            continue
        fallback = fallback or bool(info.get("fastmmap_fallback"))
        size = info.get("bytes", size)
        bars = rows.setdefault(match["op"], {}).setdefault(row_key(match), {})
        bars[info["impl"]] = max(bars.get(info["impl"], 0.0), info[key])
    if not rows:
        raise SystemExit("%s: no needle benchmarks with %s in extra_info "
                         "(run bench/test_bench_search.py -k absent)" % (", ".join(paths), key))
    ordered = {op: {label: vals for (_, label), vals in sorted(r.items())}
               for op, r in sorted(rows.items())}
    machine = first.get("machine_info", {})
    meta = {
        "python": machine.get("python_version", "?"),
        "cpu": (machine.get("cpu") or {}).get("brand_raw") or machine.get("processor") or "?",
        "date": first.get("datetime", "")[:10],
        "runs": len(paths),
        "size": size,
        "fallback": fallback,
    }
    return ordered, meta


def plot(rows, meta, out, stat="min"):
    """Two panels (find, rfind); per needle a stdlib and a fastmmap bar with
    the limit as a black mark over them; needles grouped by class, the
    class named in words under its group; the legend above the panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ops = list(rows)
    fig, axes = plt.subplots(len(ops), 1, figsize=(11, 3.3 * len(ops) + 1.6), squeeze=False)
    width = 0.38
    top = max(v for r in rows.values() for bars in r.values() for v in bars.values())
    for ax, op in zip(axes[:, 0], ops):
        labels = list(rows[op])
        # A gap between classes: x positions skip one slot at each change.
        xs, x, previous = [], 0.0, None
        for cls, _ in labels:
            if previous is not None and cls != previous:
                x += 0.8
            xs.append(x)
            x += 1
            previous = cls
        for i, impl in enumerate(("stdlib", "fastmmap")):
            ys = [rows[op][label].get(impl, 0.0) for label in labels]
            ax.bar([x + (i - 0.5) * width for x in xs], ys, width, color=COLORS[impl])
        for x, label in zip(xs, labels):
            limit = rows[op][label].get("limit")
            if limit:
                ax.plot([x - width - 0.04, x + width + 0.04], [limit, limit],
                        color="black", linewidth=2.2, solid_capstyle="butt")
        ax.set_xticks(xs)
        ax.set_xticklabels(["1 B" if cls == "byte" else "%d B" % n for cls, n in labels],
                           fontsize=8)
        # The class names under each group of lengths.
        groups = {}
        for x, (cls, _) in zip(xs, labels):
            groups.setdefault(cls, []).append(x)
        for cls, group in groups.items():
            ax.annotate(CLASS_WORDS.get(cls, cls), xy=((group[0] + group[-1]) / 2, 0),
                        xycoords=("data", "axes fraction"), xytext=(0, -16),
                        textcoords="offset points", ha="center", va="top", fontsize=8.5)
            if group[0] != xs[0]:
                ax.axvline(group[0] - 0.9, color="#cccccc", linewidth=0.8)
        ax.set_ylabel("GB/s (%s)" % ("best round" if stat == "min" else "median"))
        ax.set_ylim(0, top * 1.12)
        ax.set_title("m.%s(needle) over the whole map; needle absent, so every call "
                     "scans all of it" % op, fontsize=10, loc="left")
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_xlim(xs[0] - 0.7, xs[-1] + 0.7)
    handles = [
        Patch(color=COLORS["stdlib"], label=LABELS["stdlib"]),
        Patch(color=COLORS["fastmmap"], label=LABELS["fastmmap"]),
        Line2D([], [], color="black", linewidth=2.2,
               label="memchr limit: one glibc memchr() pass over the map"),
    ]
    size = meta["size"]
    subtitle = "%s MiB file in the page cache, Python %s, %s, %s" % (
        "?" if size is None else size >> 20, meta["python"], meta["cpu"], meta["date"])
    if meta["runs"] > 1:
        subtitle += ", best of %d runs" % meta["runs"]
    if meta["fallback"]:
        subtitle += " -- WARNING: stdlib stood in for fastmmap"
    fig.suptitle("Scan speed of fastmmap and the stdlib mmap, per needle (class, and "
                 "length in bytes)\n" + subtitle, fontsize=10.5)
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.945), ncol=3,
               fontsize=9, frameon=False)
    fig.text(0.01, 0.008,
             "The limit is a measurement, not a ceiling: glibc memchr over the same map, "
             "timed in its own rounds.  fastmmap's own byte scan (x86-64) reads 3-10 % more "
             "than memchr; otherwise a bar above its mark means \"at the limit\": single "
             "bars move by 10-30 % from run to run on this shared machine.",
             fontsize=8, ha="left", va="bottom", wrap=True)
    fig.tight_layout(rect=(0, 0.035, 1, 0.945), h_pad=2.6)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", nargs="+",
                        help="pytest-benchmark JSON file(s) (--benchmark-json), or one "
                             ".rst results file (bench/RESULTS.rst)")
    parser.add_argument("-o", "--output", default="performance.png", help="PNG to write")
    parser.add_argument("--stat", choices=("min", "median"), default="min",
                        help="GB/s of the best round (min time, default) or of the median")
    args = parser.parse_args(argv)
    if len(args.json) == 1 and args.json[0].endswith(".rst"):
        rows, meta = load_results_rst(args.json[0])
    else:
        rows, meta = load(args.json, args.stat)
    plot(rows, meta, args.output, args.stat)
    for op, by_needle in rows.items():
        print("%s: %d needles" % (op, len(by_needle)))
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
