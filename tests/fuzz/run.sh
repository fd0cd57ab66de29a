#!/usr/bin/env bash
# Builds the reader fuzz targets with clang-16 (ASan + UBSan + libFuzzer) in
# build-fuzz (configuring it only if .ci/run has not already) and runs each for
# SECONDS (default 60) on a seed corpus written by lmx's own writers
# (tests/fuzz/make_corpus.py, through the Python extension that
# scripts/test.sh builds in build/python), failing on any report. Needs
# clang-16 and libclang-rt-16-dev (scripts/debian-packages.txt).
#   tests/fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang-16 CXX=clang++-16 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLMX_FUZZ=ON \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DLMX_NATIVE=OFF -DLMX_BUILD_TESTS=OFF -DLMX_BUILD_EXAMPLES=OFF > /dev/null
fi
targets=()
for r in npy npz safetensors gguf idx weights export; do targets+=(--target "fuzz_$r"); done
cmake --build build-fuzz -j"$(nproc)" "${targets[@]}"
if [ ! -d build/python/lmx ]; then
  echo "tests/fuzz/run.sh: the seed corpus needs the Python build tree; run scripts/test.sh first" >&2
  exit 1
fi
corpus="build-fuzz/corpus"
python_bin="$(scripts/python-env.sh)"
PYTHONPATH="$PWD/build/python:$PWD/python" "$python_bin" tests/fuzz/make_corpus.py "$corpus"
for r in npy npz safetensors gguf idx weights export; do
  mkdir -p "$corpus/$r"
  # Inputs that once found a bug stay in the corpus.
  cp tests/fuzz/regressions/${r}_* "$corpus/$r/" 2>/dev/null || true
  rc=0
  ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1 \
    ./build-fuzz/tests/fuzz/fuzz_$r -max_total_time="$seconds" -rss_limit_mb=3072 \
    -print_final_stats=1 "$corpus/$r" > "build-fuzz/fuzz_$r.log" 2>&1 || rc=$?
  echo "fuzz_$r: $(grep -o 'number_of_executed_units: [0-9]*' "build-fuzz/fuzz_$r.log")"
  if [ "$rc" -ne 0 ]; then
    grep -E "ERROR|SUMMARY|runtime error" "build-fuzz/fuzz_$r.log" | head -5
    exit 1
  fi
done
