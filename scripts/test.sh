#!/usr/bin/env bash
# Installs, builds and runs the whole test suite (what CI runs). Extra arguments go to ctest,
# e.g. scripts/test.sh -L unit
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
ctest --test-dir "$root/build" --output-on-failure -j"$(nproc)" "$@"
