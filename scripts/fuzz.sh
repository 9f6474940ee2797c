#!/usr/bin/env bash
# Runs the libFuzzer targets of the parsers (tests/fuzz, docs/reliability.md "Fuzzing").
#   scripts/fuzz.sh TARGET MINUTES     # one target, longer (targets: ls build-asan/fuzz)
#   scripts/fuzz.sh --all SECONDS      # every target for SECONDS each, two at a time (what CI runs)
# Builds the targets in build-asan/ first (scripts/sanitize.sh --build-only) when they are missing.
# Each run starts from its seeds (scripts/fuzz_seeds.py: tests/data, ../shared/realdata), the saved
# findings (tests/data/fuzz/TARGET) and what earlier runs here found (build-asan/fuzz-runs/TARGET/corpus).
# Prints one line per target: executions, coverage (edges) and features, corpus size, crashes. Exits 1 on
# any crash, leak, timeout or out-of-memory; the input is saved in build-asan/fuzz-runs/TARGET/crashes/
# and the log beside it. Fix the parser, then copy the input into tests/data/fuzz/TARGET/ (the
# regression test, test_fuzz_regressions, replays it in every build).
# DEEPIMAGE_SANITIZE_BUILD overrides the build folder; FUZZ_JOBS (default: 2) how many run at once.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DEEPIMAGE_SANITIZE_BUILD:-$root/build-asan}
usage() { echo "usage: $0 TARGET MINUTES | $0 --all SECONDS" >&2; exit 2; }
[ $# -eq 2 ] || usage

all_targets() { ls "$build/fuzz" 2>/dev/null | sed -n 's/^fuzz_//p'; }
if [ ! -d "$build/fuzz" ] || [ -z "$(all_targets)" ]; then
  DEEPIMAGE_SANITIZE_BUILD=$build "$root/scripts/sanitize.sh" --build-only
fi
if [ "$1" = "--all" ]; then
  [[ "$2" =~ ^[0-9]+$ ]] || usage
  seconds=$2
  mapfile -t targets < <(all_targets)
else
  [[ "$2" =~ ^[0-9]+$ ]] || usage
  [ -x "$build/fuzz/fuzz_$1" ] || { echo "error: no fuzz target \"$1\" (have: $(all_targets | tr '\n' ' '))" >&2; exit 2; }
  seconds=$(( $2 * 60 ))
  targets=("$1")
fi
# shellcheck source=scripts/sanitizer_env.sh
source "$root/scripts/sanitizer_env.sh"
runs=$build/fuzz-runs
mkdir -p "$runs"
/usr/bin/python3 "$root/scripts/fuzz_seeds.py" "$runs/seeds" "${targets[@]}" >/dev/null

# fuzz_one TARGET: runs it for $seconds; the log is $runs/TARGET/log.
fuzz_one() {
  local t=$1 dir=$runs/$1
  mkdir -p "$dir/corpus" "$dir/crashes"
  local corpora=("$dir/corpus" "$runs/seeds/$t")
  [ -d "$root/tests/data/fuzz/$t" ] && corpora+=("$root/tests/data/fuzz/$t")
  local dict=()
  [ -f "$root/tests/fuzz/dicts/$t.dict" ] && dict=(-dict="$root/tests/fuzz/dicts/$t.dict")
  # Limits that make a finding of what a small input must never cost: 20 s for one input, 2 GiB of
  # memory in all (ASan's shadow included), 1 GiB in one allocation. Except keras: HDF5 (not ours)
  # allocates a variable-length string's declared length, up to 4 GiB from a 32-bit field, before it
  # reads the string; reserved, never touched, so the 2 GiB of memory in use still holds.
  # Its metadata cache may also ask malloc for 2^64-ish bytes from a corrupt size: outside ASan malloc
  # returns null and HDF5 fails with an error (a deepimage::Error here), which ASan must let happen.
  # libhdf5 also allocates what a corrupt file declares (a 4 GiB string from 8 KB); deepimage caps the
  # address space of the process reading HDF5 (keras_file_contents.cpp), which AddressSanitizer cannot
  # have, so here single allocations above 1 GiB fail instead (max_allocation_size_mb), as they would.
  local malloc_limit=1024 asan=$ASAN_OPTIONS
  [ "$t" = keras ] && malloc_limit=4200 asan=$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=1024
  ASAN_OPTIONS=$asan "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=$malloc_limit \
    -max_len=262144 -print_final_stats=1 -artifact_prefix="$dir/crashes/" "${dict[@]}" "${corpora[@]}" \
    >"$dir/log" 2>&1
}

# summary TARGET STATUS: one line from the log.
summary() {
  local t=$1 status=$2 log=$runs/$1/log
  local execs cov ft corp crashes slow
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  # libFuzzer also saves an input that took over 10 s (slow-unit-*) without stopping: on a busy machine
  # under ASan that is a hint to look at, not a finding; crashes, leaks, timeouts and out-of-memory are.
  crashes=$(find "$runs/$t/crashes" -type f ! -name 'slow-unit-*' | wc -l)
  slow=$(find "$runs/$t/crashes" -type f -name 'slow-unit-*' | wc -l)
  printf 'fuzz %-18s %5s s  %9s execs  cov %5s  ft %6s  corpus %5s  crashes %s%s%s\n' "$t" "$seconds" "${execs:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "$( [ "$slow" = 0 ] || echo "  slow inputs $slow (over 10 s, saved in $runs/$t/crashes)")" \
    "$( [ "$status" = 0 ] || echo "  (exit $status, see $log)")"
  [ "$status" = 0 ] && [ "$crashes" = 0 ]
}

jobs=${FUZZ_JOBS:-2}
failed=0
for t in "${targets[@]}"; do
  rm -rf "$runs/$t/crashes" "$runs/$t/status"
  # The exit status goes to a file: the loop below reads it after every job has ended.
  ( status=0; fuzz_one "$t" || status=$?; echo "$status" >"$runs/$t/status" ) &
  # At most $jobs at once.
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
wait
# A fuzzer stopped by a finding, a timeout or a memory limit cannot empty its scratch folder
# (tests/fuzz/fuzz_support.cpp: /dev/shm/deepimage-fuzz-PID): remove those whose process is gone.
for folder in /dev/shm/deepimage-fuzz-* "${TMPDIR:-/tmp}"/deepimage-fuzz-*; do
  [ -d "$folder" ] || continue
  kill -0 "${folder##*-}" 2>/dev/null || rm -rf "$folder"
done
for t in "${targets[@]}"; do
  summary "$t" "$(cat "$runs/$t/status")" || failed=1
done
if [ "$failed" = 1 ]; then
  echo "fuzz: findings saved in $runs/*/crashes/ (replay: $build/fuzz/fuzz_TARGET FILE)" >&2
  exit 1
fi
