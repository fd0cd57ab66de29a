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
source bench/peers.sh
require_torch bench/mnist
build_bench mnist_cnn torch_cnn
logs="$(mktemp -d)"
for r in $(seq 1 "$rounds"); do
  timed "$logs/lmx_cnn_$r" ./build-bench/examples/mnist_cnn --data "$data" --epochs "$epochs"
  timed "$logs/libtorch_cnn_$r" "${peer_env[@]}" ./build-bench/bench/torch_cnn --data "$data" --epochs "$epochs"
  timed "$logs/pytorch_cnn_$r" "${peer_env[@]}" /usr/bin/python3 bench/mnist/torch_cnn.py --data "$data" --epochs "$epochs"
  echo "round $r done" >&2
done
/usr/bin/python3 bench/mnist/report.py "$logs"
