# Shared by the whole-training benchmarks (bench/mnist/run_cnn.sh,
# bench/transformer/run.sh); sourced from the repository root.
#   require_torch NAME     exits with an install hint when the peers are missing
#   build_bench TARGET...  builds those targets in build-bench (Release)
#   timed BASE CMD...      runs CMD, stdout to BASE.txt, peak RSS (KB) to BASE.rss
#   "${peer_env[@]}"       prefix for the peers: Debian's OpenMP OpenBLAS when
#                          installed, their best setting on a 2-core machine
#                          (see bench/mnist/run.sh)
require_torch() {
  if ! dpkg -s libtorch-dev >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
    echo "$1 needs libtorch-dev and python3-torch: sudo apt-get install -y libtorch-dev python3-torch" >&2
    exit 1
  fi
}

build_bench() {
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_BENCH=ON -DLMX_BUILD_TESTS=OFF \
    -DLMX_BUILD_EXAMPLES=ON > /dev/null
  cmake --build build-bench -j"$(nproc)" --target "$@" > /dev/null
}

timed() { /usr/bin/time -f "%M" -o "$1.rss" "${@:2}" > "$1.txt"; }

peer_env=()
if [ -d /usr/lib/x86_64-linux-gnu/openblas-openmp ]; then
  peer_env=(env LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp)
fi
