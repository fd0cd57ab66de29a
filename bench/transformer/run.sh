#!/usr/bin/env bash
# Whole training runs of the character transformer (examples/char_transformer)
# in lmx (C++ API), libtorch C++ (torch_transformer.cpp) and PyTorch
# (torch_transformer.py): same sizes, layers, AdamW at 3e-3, batches of 32
# random 64-character windows of the same text, alternating runs. Prints the
# median and spread of milliseconds per step, ratios, the final loss and each
# run's peak resident memory. lmx runs with Adam's bias correction, which
# MLX's AdamW leaves off by default and PyTorch's always applies, so the three
# run the same optimizer.
#
#   bench/transformer/run.sh [ROUNDS] [STEPS]     (defaults: 3 rounds of 600 steps)
#
# Needs libtorch-dev and python3-torch. The peers run with 2 threads and, when
# Debian's OpenMP OpenBLAS (libopenblas0-openmp) is installed, with it: their
# best setting on a 2-core machine (see bench/mnist/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds="${1:-3}"
steps="${2:-600}"
source bench/peers.sh
require_torch bench/transformer
build_bench char_transformer torch_transformer
logs="$(mktemp -d)"
text=examples/data/corpus.txt
for r in $(seq 1 "$rounds"); do
  timed "$logs/lmx_$r" ./build-bench/examples/char_transformer --text "$text" --steps "$steps" --sample-length 0 --bias-correction
  timed "$logs/libtorch_$r" "${peer_env[@]}" ./build-bench/bench/torch_transformer --text "$text" --steps "$steps"
  timed "$logs/pytorch_$r" "${peer_env[@]}" /usr/bin/python3 bench/transformer/torch_transformer.py --text "$text" --steps "$steps"
  echo "round $r done" >&2
done
/usr/bin/python3 bench/transformer/report.py "$logs"
