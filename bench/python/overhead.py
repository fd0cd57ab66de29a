"""Python per-op overhead: lmx beside PyTorch eager and MLX, in one run.

  bench/python/overhead.py [--reps 5]

Measures, per framework, in a fresh process each, alternating:
  chain   building a chain of 1,000 tiny adds (x = x + 1 on one float32) and
          evaluating it once: microseconds per op
  eager   the same with an evaluation after every add: microseconds per op
lmx runs under scripts/python-env.sh's interpreter against the build tree
(PYTHONPATH), PyTorch under /usr/bin/python3 (Debian's python3-torch), MLX
under $MLX_PYTHON when that is set (a venv with `pip install "mlx[cpu]"`).
Prints the median over reps and the ratios to lmx.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

N = 1000


def measure(framework, rounds=20):
    if framework == "lmx":
        import lmx.core as mx

        one, ev = mx.array(0.0), mx.eval
    elif framework == "mlx":
        import mlx.core as mx

        one, ev = mx.array(0.0), mx.eval
    else:
        import torch

        torch.set_num_threads(1)
        one, ev = torch.zeros(()), (lambda x: x.item())

    def chain():
        x = one
        for _ in range(N):
            x = x + 1
        ev(x)

    def eager():
        x = one
        for _ in range(N):
            x = x + 1
            ev(x)

    out = {}
    for name, fn in (("chain", chain), ("eager", eager)):
        fn()  # warm up
        best = []
        for _ in range(rounds):
            t = time.perf_counter()
            fn()
            best.append((time.perf_counter() - t) / N * 1e6)
        out[name] = statistics.median(best)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework")
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    if a.framework:
        print(json.dumps(measure(a.framework)))
        return
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lmx_python = subprocess.run([os.path.join(repo, "scripts", "python-env.sh")], capture_output=True,
                                text=True, check=True).stdout.strip()
    env = dict(os.environ, PYTHONPATH=f"{repo}/build/python:{repo}/python")
    runners = {"lmx": [lmx_python], "torch": ["/usr/bin/python3"]}
    if os.environ.get("MLX_PYTHON"):
        runners["mlx"] = [os.environ["MLX_PYTHON"]]
    results = {k: {"chain": [], "eager": []} for k in runners}
    for _ in range(a.reps):
        for fw, cmd in runners.items():
            r = subprocess.run(cmd + [os.path.abspath(__file__), "--framework", fw], capture_output=True,
                               text=True, env=env)
            if r.returncode != 0:
                print(f"{fw}: failed: {r.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
                continue
            for k, v in json.loads(r.stdout).items():
                results[fw][k].append(v)
    print(f"{'framework':<10} {'chain µs/op':>12} {'eager µs/op':>12}   (median of {a.reps} processes)")
    for fw, r in results.items():
        if r["chain"]:
            print(f"{fw:<10} {statistics.median(r['chain']):>12.3f} {statistics.median(r['eager']):>12.3f}")
    base = results["lmx"]
    for fw, r in results.items():
        if fw != "lmx" and r["chain"] and base["chain"]:
            print(f"lmx / {fw}: chain {statistics.median(base['chain']) / statistics.median(r['chain']):.2f}, "
                  f"eager {statistics.median(base['eager']) / statistics.median(r['eager']):.2f}")


if __name__ == "__main__":
    main()
