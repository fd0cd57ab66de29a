#!/usr/bin/env bash
# Compiles every library source for aarch64 with Debian's cross compiler
# (g++-aarch64-linux-gnu; syntax and types, no code generation): the portable
# build must build on Arm, with no x86 intrinsic outside the x86 copies of the
# kernel files (isa_region.h) and no type the Arm compiler lacks (GCC 12 has
# no _Float16 in C++ there). The dependencies' headers are the host's, after
# the target's own: they do not differ between the two architectures.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Wno-psabi -Werror -I.
       $(pkg-config --cflags-only-I openblas | sed 's/-I/-isystem /g')
       -idirafter /usr/include -idirafter /usr/include/x86_64-linux-gnu)
find lmx -name '*.cpp' -print0 | sort -z |
  xargs -0 -P "$(nproc)" -n 1 aarch64-linux-gnu-g++ "${flags[@]}"
echo "aarch64: $(find lmx -name '*.cpp' | wc -l) sources compile"
