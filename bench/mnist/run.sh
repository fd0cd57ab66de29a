#!/usr/bin/env bash
# The reference job side by side: the seeds' MNIST MLP in lmx (C++ API), lmx
# from Python (examples/python/mnist_mlp.py, compiled step), libtorch C++ and
# PyTorch Python, on the same data and settings, alternating runs. Prints
# per-config median and spread of seconds per epoch, the ratios, and final
# accuracies.
#
#   bench/mnist/run.sh [ROUNDS]        (default 3 rounds; each run is 10 epochs)
#
# Needs libtorch-dev and python3-torch (apt-get install -y libtorch-dev
# python3-torch). The peers run with 2 threads and, when Debian's OpenMP
# OpenBLAS (libopenblas0-openmp) is installed, with it: their best setting on
# a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
data="${MNIST_DIR:-../shared/data/mnist}"
if [ ! -d "$data" ]; then data="$HOME/.cache/lmx/mnist"; fi
if ! dpkg -s libtorch-dev >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "bench/mnist needs libtorch-dev and python3-torch: sudo apt-get install -y libtorch-dev python3-torch" >&2
  exit 1
fi
python="$(scripts/python-env.sh)"
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF \
  -DLMX_BUILD_EXAMPLES=ON -DLMX_BUILD_PYTHON=ON -DPython_EXECUTABLE="$python" > /dev/null
cmake --build build-bench -j"$(nproc)" --target mnist_mlp torch_mlp _core > /dev/null
lmxpy=(env PYTHONPATH="$PWD/build-bench/python:$PWD/python" "$python" examples/python/mnist_mlp.py)
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
    "${lmxpy[@]}" --data "$data" --epochs 10 $args > "$logs/lmxpy_${name}_$r.txt"
    "${peer_env[@]}" ./build-bench/bench/torch_mlp --data "$data" --epochs 10 $args > "$logs/libtorch_${name}_$r.txt"
    "${peer_env[@]}" /usr/bin/python3 bench/mnist/torch_mlp.py --data "$data" --epochs 10 $args > "$logs/pytorch_${name}_$r.txt"
    echo "round $r $name done" >&2
  done
done
/usr/bin/python3 bench/mnist/report.py "$logs"
