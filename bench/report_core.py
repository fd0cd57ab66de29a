"""Turns core_bench's JSON (medians over repetitions) into the table of
figures and ratios quoted in bench/README.md."""
import json
import sys

data = json.load(open(sys.argv[1]))
med = {}
for b in data["benchmarks"]:
    if b.get("aggregate_name") == "median":
        med[b["run_name"]] = b


def ns_per_item(name):
    b = med.get(name)
    return None if b is None else 1e9 / b["items_per_second"]


def per_second(name, key):
    b = med.get(name)
    return None if b is None else b[key]


def fmt(v, unit):
    return "n/a" if v is None else f"{v:.3g} {unit}"


rows = []
rows.append(("chain of 1000 tiny adds, build+eval", fmt(ns_per_item("lmx_chain_build_and_eval") and ns_per_item("lmx_chain_build_and_eval") / 1e3, "us/op"),
             fmt(ns_per_item("torch_chain_no_grad") and ns_per_item("torch_chain_no_grad") / 1e3, "us/op (no autograd)"),
             fmt(ns_per_item("torch_chain_grad") and ns_per_item("torch_chain_grad") / 1e3, "us/op (autograd)")))
rows.append(("eval after every tiny op", fmt(ns_per_item("lmx_eval_every_op") and ns_per_item("lmx_eval_every_op") / 1e3, "us/op"), "", ""))
for args, label in (("256/32/784", "sgemm 256x784x32"), ("1024/1024/1024", "sgemm 1024^3")):
    l = per_second(f"lmx_gemm/{args}/real_time", "items_per_second")
    o = per_second(f"blas_gemm/{args}/real_time", "items_per_second")
    t = per_second(f"torch_gemm/{args}/real_time", "items_per_second")
    ratio = f"lmx/OpenBLAS = {l / o:.2f}" if l and o else ""
    rows.append((label, fmt(l and l / 1e9, "GFLOP/s"), fmt(t and t / 1e9, "GFLOP/s (torch)"), ratio))
for name, label in (("add_16m", "add 2x16M float32"), ("sum_16m", "sum 16M float32")):
    l = per_second(f"lmx_{name}/real_time", "bytes_per_second")
    t = per_second(f"torch_{name}/real_time", "bytes_per_second")
    ratio = f"lmx/torch throughput = {l / t:.2f}" if l and t else ""
    rows.append((label, fmt(l and l / 1e9, "GB/s"), fmt(t and t / 1e9, "GB/s (torch)"), ratio))

width = max(len(r[0]) for r in rows)
print(f"{'figure':<{width}} | lmx | peer | ratio")
for r in rows:
    print(f"{r[0]:<{width}} | {r[1]} | {r[2]} | {r[3]}")
