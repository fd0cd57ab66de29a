"""Summarises bench/transformer/run.sh logs: per implementation, the median
and spread of seconds per training step (from the cumulative times printed
every 50 steps; the first 50 steps, which include warm-up, are left out), the
final reported loss (median over rounds), the peak resident memory, and the
ratios of median times."""
import glob
import os
import re
import statistics
import sys

logs = sys.argv[1]
rows = {}
for path in sorted(glob.glob(os.path.join(logs, "*.txt"))):
    impl = os.path.basename(path).split("_")[0]
    entry = rows.setdefault(impl, {"steps": [], "loss": [], "rss": []})
    marks = []
    for line in open(path):
        m = re.match(r"step +(\d+) +loss ([0-9.]+) +\(([0-9.]+) s\)", line)
        if m:
            marks.append((int(m.group(1)), float(m.group(2)), float(m.group(3))))
    for (s0, _, t0), (s1, _, t1) in zip(marks, marks[1:]):
        entry["steps"].append((t1 - t0) / (s1 - s0))
    if marks:
        entry["loss"].append(marks[-1][1])
    rss = path[:-4] + ".rss"
    if os.path.exists(rss):
        entry["rss"].append(int(open(rss).read().split()[-1]) / 1024)

print(f"{'impl':<9} {'median ms/step':>14} {'spread (min-max)':>18} {'final loss':>10} {'peak MB':>8}")
for impl in ("lmx", "libtorch", "pytorch"):
    e = rows.get(impl)
    if not e or not e["steps"]:
        continue
    t = [1000 * x for x in e["steps"]]
    print(f"{impl:<9} {statistics.median(t):>14.2f} {min(t):>8.2f}-{max(t):<9.2f} "
          f"{statistics.median(e['loss']):>10.3f} {statistics.median(e['rss']) if e['rss'] else 0:>8.0f}")
for a, b in (("lmx", "libtorch"), ("lmx", "pytorch")):
    if rows.get(a, {}).get("steps") and rows.get(b, {}).get("steps"):
        r = statistics.median(rows[a]["steps"]) / statistics.median(rows[b]["steps"])
        print(f"{a} / {b} = {r:.2f}")
