#!/usr/bin/env bash
# Installs lmx's Debian packages, builds lmx, and trains the seeds' MNIST MLP
# (the main job). Extra arguments go to the program, e.g. --epochs 5. Without
# --data, the repository's reference copy ../shared/data/<dataset> is used
# when it is there; the program itself defaults to the download cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target mnist_mlp
dataset=mnist
has_data=0
prev=""
for a in "$@"; do
  case "$a" in
    --data|--data=*) has_data=1 ;;
    --dataset=*) dataset="${a#--dataset=}" ;;
  esac
  if [ "$prev" = "--dataset" ]; then dataset="$a"; fi
  prev="$a"
done
shared="../shared/data/${dataset/_/-}"
if [ "$has_data" = 0 ] && [ -d "$shared" ]; then
  exec ./build/examples/mnist_mlp --data "$shared" "$@"
fi
exec ./build/examples/mnist_mlp "$@"
