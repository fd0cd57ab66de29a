#!/usr/bin/env bash
# Builds and runs bench/core_bench (lmx beside libtorch and OpenBLAS) and
# prints per-figure medians and ratios. Needs libbenchmark-dev; libtorch-dev
# for the libtorch columns.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF -DLMX_BUILD_EXAMPLES=ON > /dev/null
cmake --build build-bench -j"$(nproc)" --target core_bench
out=$(mktemp)
./build-bench/bench/core_bench --benchmark_repetitions="${REPS:-5}" --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json > /dev/null
python3 bench/report_core.py "$out"
