#!/usr/bin/env bash
# Installs the dependencies (Debian packages) and builds deepimage (CMake + Ninja, Release) in build/.
#   scripts/build.sh            # everything, tests included
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j"$(nproc)"
