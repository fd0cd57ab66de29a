#!/usr/bin/env bash
# Builds and runs bench/nn_bench (conv2d, attention, quantized_matmul beside
# libtorch) and prints medians and ratios. Needs libbenchmark-dev;
# libtorch-dev for the libtorch columns.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF -DLMX_BUILD_EXAMPLES=ON > /dev/null
cmake --build build-bench -j"$(nproc)" --target nn_bench
# Each side runs at its best BLAS setting: lmx on the default (pthread)
# OpenBLAS, which it keeps single-threaded and parallelises around; libtorch on
# the OpenMP build when installed (see README.md). So the two run as separate
# processes, alternating, and the report takes the median over all runs.
omp=/usr/lib/x86_64-linux-gnu/openblas-openmp
peer_env=(env)
if [ -d "$omp" ]; then peer_env=(env LD_LIBRARY_PATH="$omp"); fi
files=()
for run in $(seq "${RUNS:-2}"); do
  for side in lmx torch; do
    out=$(mktemp)
    cmd=(./build-bench/bench/nn_bench --benchmark_filter="^${side}_" --benchmark_repetitions="${REPS:-3}"
         --benchmark_format=json --benchmark_out="$out" --benchmark_out_format=json)
    if [ "$side" = torch ]; then "${peer_env[@]}" "${cmd[@]}" > /dev/null; else "${cmd[@]}" > /dev/null; fi
    files+=("$out")
  done
done
python3 bench/report_nn.py "${files[@]}"
