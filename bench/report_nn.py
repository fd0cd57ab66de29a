"""Turns nn_bench's JSON files (medians over every repetition of every run) into the table quoted in
bench/README.md: milliseconds per call and lmx / peer time ratios."""
import json
import sys

import statistics

times = {}
for path in sys.argv[1:]:
    for b in json.load(open(path))["benchmarks"]:
        if b.get("run_type") == "iteration":
            times.setdefault(b["run_name"], []).append(b["real_time"])  # milliseconds


def ms(name):
    t = times.get(name + "/real_time")
    return statistics.median(t) if t else None


rows = [
    ("conv2d fwd+bwd 128x28x28x1 -> 16, 5x5", "lmx_conv2d/0", "torch_conv2d/0", "torch"),
    ("conv2d fwd+bwd 8x64x64x64 -> 64, 3x3", "lmx_conv2d/1", "torch_conv2d/1", "torch"),
    ("attention (8, 8, 256, 64)", "lmx_attention", "torch_attention", "torch"),
    ("float32 matmul 1x4096 @ 4096x4096", "lmx_matmul_f32/1", "torch_matmul_f32/1", "torch"),
    ("float32 matmul 64x4096 @ 4096x4096", "lmx_matmul_f32/64", "torch_matmul_f32/64", "torch"),
    ("4-bit quantized_matmul 1x4096", "lmx_qmm_4bit/1", "torch_matmul_f32/1", "torch f32"),
    ("4-bit quantized_matmul 64x4096", "lmx_qmm_4bit/64", "torch_matmul_f32/64", "torch f32"),
    ("4-bit qmm vs lmx f32, 1 row", "lmx_qmm_4bit/1", "lmx_matmul_f32/1", "lmx f32"),
    ("4-bit qmm vs lmx f32, 64 rows", "lmx_qmm_4bit/64", "lmx_matmul_f32/64", "lmx f32"),
]
width = max(len(r[0]) for r in rows)
print(f"{'figure':<{width}} | lmx ms | peer ms | lmx/peer time")
for label, a, b, peer in rows:
    x, y = ms(a), ms(b)
    fx = "n/a" if x is None else f"{x:.3g}"
    fy = "n/a" if y is None else f"{y:.3g} ({peer})"
    ratio = f"{x / y:.2f}" if x and y else ""
    print(f"{label:<{width}} | {fx} | {fy} | {ratio}")
