#!/usr/bin/env bash
# The portable build against -march=native on the reference job: the seeds'
# MNIST MLP in lmx C++ built twice — build-bench (the default, portable build:
# kernels for baseline x86-64, AVX2+FMA and AVX-512 chosen at run time) and
# build-native (-DLMX_NATIVE=ON) — beside libtorch, alternating runs of 10
# epochs. Prints bench/mnist/report.py's summary: lmx is the portable build,
# lmxnative the native one.
#
#   bench/mnist/run_native.sh [ROUNDS]     (default 3)
#
# Needs libtorch-dev (apt-get install -y libtorch-dev).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
data="${MNIST_DIR:-../shared/data/mnist}"
if [ ! -d "$data" ]; then data="$HOME/.cache/lmx/mnist"; fi
if ! dpkg -s libtorch-dev >/dev/null 2>&1; then
  echo "bench/mnist/run_native.sh needs libtorch-dev: sudo apt-get install -y libtorch-dev" >&2
  exit 1
fi
for dir in build-bench build-native; do
  native=OFF
  if [ "$dir" = build-native ]; then native=ON; fi
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF \
    -DLMX_BUILD_EXAMPLES=ON -DLMX_BUILD_PYTHON=OFF -DLMX_NATIVE="$native" > /dev/null
done
cmake --build build-bench -j"$(nproc)" --target mnist_mlp torch_mlp > /dev/null
cmake --build build-native -j"$(nproc)" --target mnist_mlp > /dev/null
peer_env=()
if [ -d /usr/lib/x86_64-linux-gnu/openblas-openmp ]; then
  peer_env=(env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp)
fi
logs="$(mktemp -d)"
configs=("seeds:--hidden-dim 32 --optimizer sgd --lr 0.1" "wide:--hidden-dim 256 --optimizer adamw --lr 0.001")
for r in $(seq 1 "$rounds"); do
  for c in "${configs[@]}"; do
    name="${c%%:*}"; args="${c#*:}"
    ./build-bench/examples/mnist_mlp --data "$data" --epochs 10 $args > "$logs/lmx_${name}_$r.txt"
    ./build-native/examples/mnist_mlp --data "$data" --epochs 10 $args > "$logs/lmxnative_${name}_$r.txt"
    "${peer_env[@]}" ./build-bench/bench/torch_mlp --data "$data" --epochs 10 $args > "$logs/libtorch_${name}_$r.txt"
    echo "round $r $name done" >&2
  done
done
python3 bench/mnist/report.py "$logs"
