#!/usr/bin/env bash
# The portable build against -march=native on the reference job: the seeds'
# MNIST MLP in lmx C++ built twice — build-bench (the default, portable build:
# kernels for baseline x86-64, AVX2+FMA and AVX-512 chosen at run time) and
# build-native (-DLMX_NATIVE=ON) — beside libtorch, alternating runs of 10
# epochs. Prints bench/mnist/report.py's summary: lmx is the portable build,
# lmxnative the native one.
#
#   bench/mnist/run_native.sh [ROUNDS]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/peers.sh
rounds="${1:-3}"
data="${MNIST_DIR:-../shared/data/mnist}"
if [ ! -d "$data" ]; then data="$HOME/.cache/lmx/mnist"; fi
require_torch bench/mnist/run_native.sh
build_bench mnist_mlp torch_mlp
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release -DLMX_NATIVE=ON -DLMX_BUILD_TESTS=OFF \
  -DLMX_BUILD_EXAMPLES=ON > /dev/null
cmake --build build-native -j"$(nproc)" --target mnist_mlp > /dev/null
logs="$(mktemp -d)"
for r in $(seq 1 "$rounds"); do
  for c in "seeds:--hidden-dim 32 --optimizer sgd --lr 0.1" \
           "wide:--hidden-dim 256 --optimizer adamw --lr 0.001"; do
    name="${c%%:*}"; args="${c#*:}"
    for build in bench native; do
      impl=lmx; [ "$build" = native ] && impl=lmxnative
      "./build-$build/examples/mnist_mlp" --data "$data" --epochs 10 $args > "$logs/${impl}_${name}_$r.txt"
    done
    "${peer_env[@]}" ./build-bench/bench/torch_mlp --data "$data" --epochs 10 $args > "$logs/libtorch_${name}_$r.txt"
    echo "round $r $name done" >&2
  done
done
python3 bench/mnist/report.py "$logs"
