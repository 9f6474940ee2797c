# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: how the sanitizers report (docs/reliability.md).
# Every report stops the process with a non-zero exit (a test or fuzz run fails); leaks are checked at
# exit, with suppressions for third-party libraries only (tests/sanitizers/lsan.supp, one comment each).
_sanitizer_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1:abort_on_error=0:halt_on_error=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${symbolizer:+:external_symbolizer_path=$symbolizer}"
export LSAN_OPTIONS="suppressions=$_sanitizer_root/tests/sanitizers/lsan.supp:print_suppressions=0"
