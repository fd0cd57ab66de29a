#!/usr/bin/env bash
# Builds and runs bench/nn_bench (conv2d, attention, quantized_matmul beside
# libtorch) and prints medians and ratios. Needs libbenchmark-dev;
# libtorch-dev for the libtorch columns.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF -DLMX_BUILD_EXAMPLES=ON > /dev/null
cmake --build build-bench -j"$(nproc)" --target nn_bench
out=$(mktemp)
# libtorch runs fastest here on the OpenMP build of OpenBLAS (see README.md).
omp=/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ -d "$omp" ]; then export LD_LIBRARY_PATH="$omp${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; fi
./build-bench/bench/nn_bench --benchmark_repetitions="${REPS:-5}" --benchmark_report_aggregates_only=true \
  --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json > /dev/null
python3 bench/report_nn.py "$out"
