#!/usr/bin/env bash
# Builds lmx (the C++ library, its tests and examples, and the Python
# extension) and runs the whole test suite: ctest, then pytest against the
# build tree.
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(scripts/python-env.sh)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DLMX_BUILD_PYTHON=ON -DPython_EXECUTABLE="$python"
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
PYTHONPATH="$PWD/build/python:$PWD/python${PYTHONPATH:+:$PYTHONPATH}" "$python" -m pytest -q python/tests
