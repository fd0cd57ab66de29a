#!/usr/bin/env bash
# Creates (once) the virtual environment .venv that the Python build and
# tests use, with nanobind, scikit-build-core, NumPy and pytest from PyPI,
# and prints its interpreter's path.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv >&2
fi
if ! .venv/bin/python -c "import nanobind, numpy, pytest, scikit_build_core" 2>/dev/null; then
  .venv/bin/pip install -q --upgrade pip >&2
  .venv/bin/pip install -q nanobind scikit-build-core numpy pytest >&2
fi
echo "$PWD/.venv/bin/python"
