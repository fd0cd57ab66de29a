"""The hot kernels under each instruction set lmx can choose at run time.

  bench/python/isa.py [--reps 5] [--rounds 20]

lmx compiles its hot kernels for baseline x86-64, AVX2+FMA and AVX-512 and
picks one from CPUID; LMX_ISA forces one. This runs every case in a fresh
process per (instruction set, repetition), the instruction sets alternating,
and prints the median over repetitions of each process's median call time,
with LMX_SGEMM=blas (OpenBLAS for every float32 matmul) as a fourth column.
Cases (float32, results forced with mx.eval, one warm-up call first):
  exp_16m        exp of 16M elements
  add_16m        add of two 16M arrays
  sum_16m        sum of 16M elements
  softmax        softmax over the last axis of 4096 x 1024
  mm_nt_mlp      x @ W.T, 256 x 784 by (32 x 784).T  (the seeds' first layer)
  mm_nn_mlp      x @ W,   256 x 784 by 784 x 32
  mm_1024        1024 x 1024 by 1024 x 1024
  qmm            quantized_matmul, 256 x 4096 by (4096 x 4096, 4 bits).T
Run it against the build tree: PYTHONPATH=build/python:python.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CASES = ["exp_16m", "add_16m", "sum_16m", "softmax", "mm_nt_mlp", "mm_nn_mlp", "mm_1024", "qmm"]


def run_cases(rounds):
    import lmx.core as mx

    k = mx.random.key(0)
    big = mx.random.normal((1 << 24,), key=k)
    big2 = mx.random.normal((1 << 24,), key=mx.random.key(1))
    sm = mx.random.normal((4096, 1024), key=k)
    x = mx.random.normal((256, 784), key=k)
    w = mx.random.normal((32, 784), key=mx.random.key(2))
    wn = mx.random.normal((784, 32), key=mx.random.key(3))
    a = mx.random.normal((1024, 1024), key=k)
    b = mx.random.normal((1024, 1024), key=mx.random.key(4))
    qx = mx.random.normal((256, 4096), key=k)
    qw, scales, biases = mx.quantize(mx.random.normal((4096, 4096), key=k), group_size=64, bits=4)
    mx.eval(big, big2, sm, x, w, wn, a, b, qx, qw, scales, biases)
    work = {
        "exp_16m": lambda: mx.exp(big),
        "add_16m": lambda: big + big2,
        "sum_16m": lambda: mx.sum(big),
        "softmax": lambda: mx.softmax(sm, axis=-1),
        "mm_nt_mlp": lambda: x @ w.T,
        "mm_nn_mlp": lambda: x @ wn,
        "mm_1024": lambda: a @ b,
        "qmm": lambda: mx.quantized_matmul(qx, qw, scales, biases, transpose=True, group_size=64, bits=4),
    }
    out = {}
    for name in CASES:
        mx.eval(work[name]())
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            mx.eval(work[name]())
            times.append(time.perf_counter() - t)
        out[name] = statistics.median(times)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--child", action="store_true")
    args = p.parse_args()
    if args.child:
        print(json.dumps(run_cases(args.rounds)))
        return
    probe = "import lmx.core as mx; mx.eval(mx.exp(mx.ones((4,))))"
    supported = [
        isa
        for isa in ["baseline", "avx2", "avx512"]
        if subprocess.run([sys.executable, "-c", probe], env=dict(os.environ, LMX_ISA=isa),
                          capture_output=True).returncode == 0
    ]
    variants = [(isa, {}) for isa in supported] + [("blas-sgemm", {"LMX_SGEMM": "blas"})]
    results = {name: {c: [] for c in CASES} for name, _ in variants}
    for _ in range(args.reps):
        for name, extra in variants:
            env = dict(os.environ, **extra)
            if name != "blas-sgemm":
                env["LMX_ISA"] = name
            cmd = [sys.executable, __file__, "--child", "--rounds", str(args.rounds)]
            got = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
            for c in CASES:
                results[name][c].append(got[c])
    names = [n for n, _ in variants]
    print(f"median ms over {args.reps} processes x {args.rounds} calls; ratio = baseline / variant")
    print("| case | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for c in CASES:
        base = statistics.median(results["baseline"][c])
        cells = []
        for n in names:
            m = statistics.median(results[n][c])
            cells.append(f"{m * 1e3:.2f} ({base / m:.2f}x)")
        print(f"| {c} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
