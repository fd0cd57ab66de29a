#!/usr/bin/env bash
# Installs the Debian packages lmx builds, tests and benchmarks with.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $(grep -v '^#' scripts/debian-packages.txt)
