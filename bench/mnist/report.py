"""Summarises the logs of bench/mnist/run.sh, run_cnn.sh and run_native.sh: per config and
implementation, the median and spread of seconds per epoch over all epochs of
all rounds, the final test accuracy and train loss (medians over rounds), the
peak resident memory (from /usr/bin/time, where recorded), and the ratios of
median times."""
import glob
import os
import re
import statistics
import sys

logs = sys.argv[1]
rows, configs = {}, []
for path in sorted(glob.glob(os.path.join(logs, "*.txt"))):
    impl, config, run = os.path.basename(path)[:-4].split("_")
    if config not in configs:
        configs.append(config)
    entry = rows.setdefault((config, impl), {"times": [], "final": [], "loss": [], "rss": []})
    accs, losses = [], []
    for line in open(path):
        m = re.match(r"Epoch (\d+): Test accuracy ([0-9.]+), Time ([0-9.]+)", line)
        if m:
            accs.append(float(m.group(2)))
            entry["times"].append(float(m.group(3)))
            loss = re.search(r"Train loss ([0-9.]+)", line)
            if loss:
                losses.append(float(loss.group(1)))
    if accs:
        entry["final"].append(accs[-1])
    if losses:
        entry["loss"].append(losses[-1])
    rss = path[:-4] + ".rss"
    if os.path.exists(rss):
        entry["rss"].append(int(open(rss).read().split()[-1]) / 1024)


def med(v, fmt):
    return format(statistics.median(v), fmt) if v else "-"


impls = ("lmx", "lmxnative", "lmxpy", "libtorch", "pytorch")
print(f"{'config':<7} {'impl':<9} {'median s/epoch':>14} {'spread (min-max)':>18} "
      f"{'final acc':>10} {'final loss':>10} {'peak MB':>8}")
for config in configs:
    for impl in impls:
        e = rows.get((config, impl))
        if not e or not e["times"]:
            continue
        t = e["times"]
        print(f"{config:<7} {impl:<9} {statistics.median(t):>14.3f} {min(t):>8.3f}-{max(t):<9.3f} "
              f"{med(e['final'], '.4f'):>10} {med(e['loss'], '.4f'):>10} {med(e['rss'], '.0f'):>8}")
    for a, b in (("lmx", "libtorch"), ("lmx", "pytorch"), ("lmxnative", "libtorch"),
                 ("lmx", "lmxnative"), ("lmxpy", "lmx"), ("lmxpy", "pytorch")):
        x, y = rows.get((config, a)), rows.get((config, b))
        if x and y and x["times"] and y["times"]:
            r = statistics.median(x["times"]) / statistics.median(y["times"])
            print(f"{config:<7} {a} / {b} = {r:.2f}")
