#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds deepimage (CMake + Ninja, Release) in build/.
#   scripts/build.sh            # everything, tests and the benchmark programs (bench/) included
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
# The benchmarks are built too, so their smoke tests (ctest label "bench") keep them working.
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEEPIMAGE_BUILD_BENCH=ON >/dev/null
cmake --build "$root/build" -j"$(nproc)"
