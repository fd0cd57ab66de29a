#!/usr/bin/env bash
# Whole training runs of the LeNet-style MNIST CNN (examples/mnist_cnn) in lmx
# (C++ API), libtorch C++ (torch_cnn.cpp) and PyTorch (torch_cnn.py): same
# layers, data, Adam at 1e-3, batches of 128, alternating runs. Prints the
# median and spread of seconds per epoch, ratios, final test accuracy and train
# loss, and each run's peak resident memory.
#
#   bench/mnist/run_cnn.sh [ROUNDS] [EPOCHS]     (defaults: 3 rounds of 3 epochs)
#
# Needs libtorch-dev and python3-torch. The peers run with 2 threads and, when
# Debian's OpenMP OpenBLAS (libopenblas0-openmp) is installed, with it: their
# best setting on a 2-core machine (see run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
epochs="${2:-3}"
data="${MNIST_DIR:-../shared/data/mnist}"
if [ ! -d "$data" ]; then data="$HOME/.cache/lmx/mnist"; fi
if ! dpkg -s libtorch-dev >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "bench/mnist needs libtorch-dev and python3-torch: sudo apt-get install -y libtorch-dev python3-torch" >&2
  exit 1
fi
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF \
  -DLMX_BUILD_EXAMPLES=ON > /dev/null
cmake --build build-bench -j"$(nproc)" --target mnist_cnn torch_cnn > /dev/null
peer_env=()
if [ -d /usr/lib/x86_64-linux-gnu/openblas-openmp ]; then
  peer_env=(env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp)
fi
logs="$(mktemp -d)"
timed() { /usr/bin/time -f "%M" -o "$1.rss" "${@:2}" > "$1.txt"; }
for r in $(seq 1 "$rounds"); do
  timed "$logs/lmx_cnn_$r" ./build-bench/examples/mnist_cnn --data "$data" --epochs "$epochs"
  timed "$logs/libtorch_cnn_$r" "${peer_env[@]}" ./build-bench/bench/torch_cnn --data "$data" --epochs "$epochs"
  timed "$logs/pytorch_cnn_$r" "${peer_env[@]}" /usr/bin/python3 bench/mnist/torch_cnn.py --data "$data" --epochs "$epochs"
  echo "round $r done" >&2
done
/usr/bin/python3 bench/mnist/report.py "$logs"
