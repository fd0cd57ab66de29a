"""Summarises bench/mnist/run.sh logs: median and spread of seconds per epoch
over all epochs of all rounds, lmx / libtorch, and final accuracies."""
import glob
import os
import re
import statistics
import sys

logs = sys.argv[1]
rows = {}
for path in glob.glob(os.path.join(logs, "*.txt")):
    impl, config, _ = os.path.basename(path)[:-4].split("_")
    times, accs = [], []
    for line in open(path):
        m = re.match(r"Epoch (\d+): Test accuracy ([0-9.]+), Time ([0-9.]+)", line)
        if m:
            accs.append(float(m.group(2)))
            times.append(float(m.group(3)))
    entry = rows.setdefault((config, impl), {"times": [], "final": []})
    entry["times"] += times
    if accs:
        entry["final"].append(accs[-1])

print(f"{'config':<7} {'impl':<9} {'median s/epoch':>14} {'spread (min-max)':>18} {'final acc':>10}")
for config in ("seeds", "wide"):
    for impl in ("lmx", "libtorch", "pytorch"):
        e = rows.get((config, impl))
        if not e or not e["times"]:
            continue
        t = e["times"]
        print(f"{config:<7} {impl:<9} {statistics.median(t):>14.3f} {min(t):>8.3f}-{max(t):<9.3f} "
              f"{statistics.median(e['final']):>10.3f}")
    l, b = rows.get((config, "lmx")), rows.get((config, "libtorch"))
    if l and b and l["times"] and b["times"]:
        print(f"{config:<7} lmx / libtorch = {statistics.median(l['times']) / statistics.median(b['times']):.2f}")
