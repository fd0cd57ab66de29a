#!/usr/bin/env bash
# Installs lmx's Debian packages, builds lmx, and trains the seeds' MNIST MLP
# (the main job). Extra arguments go to the program, e.g. --epochs 5.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)" --target mnist_mlp
exec ./build/examples/mnist_mlp "$@"
