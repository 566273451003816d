"""Plot the needle benchmarks of a pytest-benchmark JSON file.

Makes one PNG with two panels (find, rfind): for every absent needle of
bench/test_bench_search.py, the scan speed in GB/s of the stdlib ``mmap``,
of fastmmap and of the memchr limit, as grouped bars::

    python -m pytest bench/ --benchmark-only -k absent --benchmark-json=out.json
    python bench/plot.py out.json -o docs/_static/performance.png

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
CLASS_ORDER = {"byte": 0, "hash": 1, "e": 2, "space": 3}
ROW = re.compile(r"^(?P<op>r?find)-absent-(?:(?P<byte>byte)|(?P<cls>[a-z]+)-(?P<len>\d+))$")


def load(paths, stat="min"):
    """Return ({op: {needle_label: {impl: gbps}}}, metadata) from
    pytest-benchmark JSON files (the best value per bar over the files).
    Rows are ordered byte, hash, e, space and by needle length."""
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
        if match["byte"]:
            sort_key, label = (0, 1), "byte"
        else:
            length = int(match["len"])
            sort_key = (CLASS_ORDER.get(match["cls"], 9), length)
            label = "%s %d" % (match["cls"], length)
        bars = rows.setdefault(match["op"], {}).setdefault((sort_key, label), {})
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = list(rows)
    fig, axes = plt.subplots(len(ops), 1, figsize=(11, 3.4 * len(ops) + 0.8), squeeze=False)
    width = 0.27
    for ax, op in zip(axes[:, 0], ops):
        labels = list(rows[op])
        for i, impl in enumerate(IMPLS):
            xs = [x + (i - 1) * width for x in range(len(labels))]
            ys = [rows[op][label].get(impl, 0.0) for label in labels]
            ax.bar(xs, ys, width, label=LABELS[impl], color=COLORS[impl])
        ax.set_xticks(range(len(labels)))
        ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
        ax.set_ylabel("GB/s (%s)" % ("best round" if stat == "min" else "median"))
        ax.set_title("m.%s(needle) over the whole map, needle absent" % op, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.set_xlim(-0.6, len(labels) - 0.4)
    axes[0, 0].legend(loc="upper right", fontsize=8, ncol=3)
    size = meta["size"]
    subtitle = "%s MiB corpus, Python %s, %s, %s" % (
        "?" if size is None else size >> 20, meta["python"], meta["cpu"], meta["date"])
    if meta["runs"] > 1:
        subtitle += ", best of %d runs" % meta["runs"]
    if meta["fallback"]:
        subtitle += " -- WARNING: stdlib stood in for fastmmap"
    fig.suptitle("Scan speed per needle (class and length in bytes)\n" + subtitle, fontsize=10)
    axes[-1, 0].set_xlabel("needle: the byte '#'; '#' + symbols (hash); text slices "
                           "starting at 'e' or ' ' with a digit inside (e, space)", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("json", nargs="+",
                        help="pytest-benchmark JSON file(s) (--benchmark-json)")
    parser.add_argument("-o", "--output", default="performance.png", help="PNG to write")
    parser.add_argument("--stat", choices=("min", "median"), default="min",
                        help="GB/s of the best round (min time, default) or of the median")
    args = parser.parse_args(argv)
    rows, meta = load(args.json, args.stat)
    plot(rows, meta, args.output, args.stat)
    for op, by_needle in rows.items():
        print("%s: %d needles" % (op, len(by_needle)))
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
