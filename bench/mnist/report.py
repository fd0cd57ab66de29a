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
    for impl in ("lmx", "lmxpy", "libtorch", "pytorch"):
        e = rows.get((config, impl))
        if not e or not e["times"]:
            continue
        t = e["times"]
        print(f"{config:<7} {impl:<9} {statistics.median(t):>14.3f} {min(t):>8.3f}-{max(t):<9.3f} "
              f"{statistics.median(e['final']):>10.3f}")
    def ratio(a, b):
        x, y = rows.get((config, a)), rows.get((config, b))
        if x and y and x["times"] and y["times"]:
            r = statistics.median(x["times"]) / statistics.median(y["times"])
            print(f"{config:<7} {a} / {b} = {r:.2f}")

    ratio("lmx", "libtorch")
    ratio("lmxpy", "lmx")
    ratio("lmxpy", "pytorch")
