"""Numerical kernels beside NumPy and PyTorch, in one run.

  PEER_PYTHON=/path/to/python-with-torch bench/python/numeric.py [--reps 5]

Each framework runs in a fresh process per repetition, the frameworks
alternating, and reports the median over --rounds calls of each case (one
warm-up call first, results forced: mx.eval, torch's eager ops, NumPy's
arrays):
  fft_2^20      fft of 2^20 complex64 points
  fft_prime     fft of 1,048,573 (prime) complex64 points
  svd_512       singular values and vectors of a 512 x 512 float32 matrix
  solve_512     solve of a 512 x 512 float32 system with one right-hand side
  attention     einsum("bhqd,bhkd->bhqk") then ("bhqk,bhkd->bhqd"), batch 8,
                8 heads, 256 positions, head size 64, float32
lmx runs under scripts/python-env.sh's interpreter against the build tree;
NumPy and PyTorch under $PEER_PYTHON (default /usr/bin/python3), PyTorch
with torch.set_num_threads(os.cpu_count()). NumPy (2.x) computes all of them
in single precision: pocketfft for the FFTs, its bundled OpenBLAS for svd
and solve.
Prints medians in milliseconds and lmx's ratio to the faster peer.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CASES = ["fft_2^20", "fft_prime", "svd_512", "solve_512", "attention"]


def inputs(np):
    rng = np.random.default_rng(0)
    c = lambda n: (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64)
    a = rng.standard_normal((512, 512)).astype(np.float32)
    return {
        "pow2": c(1 << 20),
        "prime": c(1048573),
        "matrix": a,
        "rhs": rng.standard_normal((512,)).astype(np.float32),
        "q": rng.standard_normal((8, 8, 256, 64)).astype(np.float32),
        "k": rng.standard_normal((8, 8, 256, 64)).astype(np.float32),
    }


def cases(framework):
    import numpy as np

    data = inputs(np)
    if framework == "lmx":
        import lmx.core as mx

        d = {k: mx.array(v) for k, v in data.items()}
        ev = mx.eval
        out = {
            "fft_2^20": lambda: ev(mx.fft.fft(d["pow2"])),
            "fft_prime": lambda: ev(mx.fft.fft(d["prime"])),
            "svd_512": lambda: ev(*mx.linalg.svd(d["matrix"])),
            "solve_512": lambda: ev(mx.linalg.solve(d["matrix"], d["rhs"])),
        }
        if hasattr(mx, "einsum"):
            out["attention"] = lambda: ev(
                mx.einsum("bhqk,bhkd->bhqd", mx.einsum("bhqd,bhkd->bhqk", d["q"], d["k"]), d["k"]))
        return out
    if framework == "torch":
        import torch

        torch.set_num_threads(os.cpu_count())
        d = {k: torch.from_numpy(v) for k, v in data.items()}
        return {
            "fft_2^20": lambda: torch.fft.fft(d["pow2"]),
            "fft_prime": lambda: torch.fft.fft(d["prime"]),
            "svd_512": lambda: torch.linalg.svd(d["matrix"]),
            "solve_512": lambda: torch.linalg.solve(d["matrix"], d["rhs"]),
            "attention": lambda: torch.einsum("bhqk,bhkd->bhqd", torch.einsum("bhqd,bhkd->bhqk", d["q"], d["k"]),
                                              d["k"]),
        }
    d = data
    return {
        "fft_2^20": lambda: np.fft.fft(d["pow2"]),
        "fft_prime": lambda: np.fft.fft(d["prime"]),
        "svd_512": lambda: np.linalg.svd(d["matrix"]),
        "solve_512": lambda: np.linalg.solve(d["matrix"], d["rhs"]),
        "attention": lambda: np.einsum("bhqk,bhkd->bhqd", np.einsum("bhqd,bhkd->bhqk", d["q"], d["k"], optimize=True),
                                       d["k"], optimize=True),
    }


def measure(framework, rounds):
    out = {}
    for name, fn in cases(framework).items():
        fn()  # warm up: plans, workspaces, first-touch pages
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1e3)
        out[name] = statistics.median(times)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--framework")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=10)
    a = p.parse_args()
    if a.framework:
        print(json.dumps(measure(a.framework, a.rounds)))
        return
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lmx_python = subprocess.run([os.path.join(repo, "scripts", "python-env.sh")], capture_output=True,
                                text=True, check=True).stdout.strip()
    peer = os.environ.get("PEER_PYTHON", "/usr/bin/python3")
    env = dict(os.environ, PYTHONPATH=f"{repo}/build/python:{repo}/python")
    runners = {"lmx": lmx_python, "numpy": peer, "torch": peer}
    results = {fw: {c: [] for c in CASES} for fw in runners}
    for _ in range(a.reps):
        for fw, python in runners.items():
            r = subprocess.run([python, os.path.abspath(__file__), "--framework", fw, "--rounds", str(a.rounds)],
                               capture_output=True, text=True, env=env)
            if r.returncode != 0:
                print(f"{fw}: failed: {r.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
                continue
            for k, v in json.loads(r.stdout).items():
                results[fw][k].append(v)
    med = {fw: {c: statistics.median(v) if v else None for c, v in r.items()} for fw, r in results.items()}
    print(f"median ms over {a.reps} processes x {a.rounds} calls, {os.cpu_count()} cores")
    print(f"{'case':<12} {'lmx':>9} {'numpy':>9} {'torch':>9} {'lmx/faster peer':>16}")
    fmt = lambda v: f"{v:9.2f}" if v is not None else f"{'-':>9}"
    for c in CASES:
        peers = [v for v in (med["numpy"][c], med["torch"][c]) if v is not None]
        ratio = f"{med['lmx'][c] / min(peers):16.2f}" if med["lmx"][c] is not None and peers else f"{'-':>16}"
        print(f"{c:<12} {fmt(med['lmx'][c])} {fmt(med['numpy'][c])} {fmt(med['torch'][c])} {ratio}")


if __name__ == "__main__":
    main()
