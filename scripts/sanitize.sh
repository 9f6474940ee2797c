#!/usr/bin/env bash
# The whole C++ test suite under AddressSanitizer + UndefinedBehaviorSanitizer (docs/reliability.md,
# "Sanitizers"): configures and builds build-asan/ with clang (DEEPIMAGE_SANITIZE, and DEEPIMAGE_BUILD_FUZZ
# so that scripts/fuzz.sh finds its targets in the same build), then runs ctest there.
#   scripts/sanitize.sh                 # build and run every test (what CI runs)
#   scripts/sanitize.sh --build-only    # configure and build only
#   scripts/sanitize.sh -R Tiff         # extra arguments go to ctest
# DEEPIMAGE_SANITIZE_BUILD overrides the build folder.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DEEPIMAGE_SANITIZE_BUILD:-$root/build-asan}
build_only=0
if [ "${1:-}" = "--build-only" ]; then build_only=1; shift; fi

"$root/scripts/install-deps.sh"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# The Python module, the ImageJ plugin, the web pages, the benchmarks and tcmalloc are off in this build
# (cmake/sanitizers.cmake says why).
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=clang++-14 \
  -DDEEPIMAGE_SANITIZE=ON -DDEEPIMAGE_BUILD_FUZZ=ON -DDEEPIMAGE_BUILD_PYTHON=OFF -DDEEPIMAGE_BUILD_IMAGEJ=OFF \
  -DDEEPIMAGE_BUILD_WEB=OFF -DDEEPIMAGE_BUILD_BENCH=OFF -DDEEPIMAGE_WITH_TCMALLOC=OFF "${launcher[@]}" >/dev/null
start=$(date +%s)
cmake --build "$build" -j"$(nproc)"
echo "sanitize: build took $(( $(date +%s) - start )) s"
[ "$build_only" = 1 ] && exit 0

# shellcheck source=scripts/sanitizer_env.sh
source "$root/scripts/sanitizer_env.sh"
# Excluded under sanitizers (docs/reliability.md, "Sanitizers"):
#  - Install.ConsumersBuildAndRunAgainstTheInstalledTree builds programs with the system compiler, without
#    -fsanitize, against the installed (instrumented) libdeepimage: they cannot link. What it checks
#    (the installed tree's CMake config and .pc) does not depend on instrumentation.
#  - EngineModule.ALibraryWithoutTheEntryPointIsAnErrorNamingIt loads a copy of libdeepimage_core.so under
#    another name on purpose; AddressSanitizer's ODR check reports its globals defined twice.
exclude='^(Install\.ConsumersBuildAndRunAgainstTheInstalledTree|EngineModule\.ALibraryWithoutTheEntryPointIsAnErrorNamingIt)$'
start=$(date +%s)
status=0
# LeakSanitizer of clang 14 crashes at exit ("Tracer caught signal 11") on Debian 12's glibc when threads
# are still alive then, as LibTorch's and OpenMP's pools are in every test that runs an engine: the
# suite runs with leak detection off, then the binaries of the parsers and the I/O, which end with no
# thread alive, run again with it on.
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
  ctest --test-dir "$build" --output-on-failure -j"$(nproc)" -E "$exclude" "$@" || status=$?
echo "sanitize: ctest took $(( $(date +%s) - start )) s"
if [ $# -eq 0 ]; then
  for binary in tests/unit/core/test_core tests/unit/io/test_io tests/unit/model/test_model tests/fuzz/test_fuzz_regressions; do
    echo "sanitize: leak check of $binary"
    if [ "$binary" = tests/fuzz/test_fuzz_regressions ]; then
      echo "sanitize: (libhdf5's AddressSanitizer report from the Keras reader's child process is expected there: docs/reliability.md, \"Sanitizers\")"
    fi
    (cd "$build" && "./$binary" --gtest_brief=1) || status=1
  done
fi
exit $status
