#!/usr/bin/env bash
# Every measurement in docs/performance.md, in one go, written to bench/out/measure/ (ignored by git).
#   bench/measure.sh                 # needs build-bench built with -DDEEPIMAGE_BUILD_BENCH=ON
#   BUILD=build bench/measure.sh     # another build folder
# Take it when the machine is quiet (the load average is printed before and after): the end-to-end
# comparison interleaves contestants, so drift hits all alike, but the engine figures are absolute.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-bench}
cli=$build/apps/cli/deepimage
out=$root/bench/out/measure
mkdir -p "$out"
# Pins OpenBLAS to an older kernel on this machine when set; removed for every contestant alike.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
threads=${THREADS:-2}
py=/usr/bin/python3

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | tr -d ' '))"
  echo "cores: $(nproc); $(lscpu | grep -E '^(Thread|Core)' | tr -s ' ' | tr '\n' ';')"
  echo "isa: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|fma|amx)' | sort | tr '\n' ' ')"
  echo "blas: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

"$build/bench/fma_peak" --threads "$threads" --seconds 2 | tee "$out/fma_peak.txt"

# The engine alone, steady state, with the FLOP count of each tile from the TorchScript file (the
# ONNX file is the same network). Each weights format the build runs, one after the other per
# (model, tile, threads), so both see the same load.
: > "$out/engine.txt"
formats=$("$cli" engines --json | $py -c "import json,sys; print(' '.join(f for e in json.load(sys.stdin) for f in e['weight_formats']))")
for spec in "$root/examples/nuclei_unet2d 512" "$root/examples/nuclei_unet2d 1104" "$root/../shared/realdata/unet2d_nuclei_broad 512"; do
  set -- $spec
  gflop=$($py "$root/bench/count_flops.py" "$1/weights.pt" "1,1,$2,$2")
  for t in 1 "$threads"; do
    for w in $formats; do
      "$cli" bench "$1" --weights "$w" --tile "y=$2,x=$2" --threads "$t" --rounds 20 --gflop-per-tile "$gflop" --json |
        $py -c "import json,sys; j=json.load(sys.stdin); print(json.dumps({k: j[k] for k in ('model_name', 'weights_format', 'engine', 'tile_shape', 'threads', 'load_s', 'first_tile_ms', 'ms_per_tile', 'ms_per_tile_min', 'tiles_per_s', 'pixels_per_s', 'gflop_per_tile', 'gflop_per_s', 'peak_rss_bytes', 'omp_wait_policy')}))" |
        tee -a "$out/engine.txt"
    done
  done
done

for b in bench_tiff bench_ops bench_tiling; do
  "$build/bench/$b" --benchmark_min_time=0.2 --benchmark_format=console 2>/dev/null | tee "$out/$b.txt"
done

$py "$root/bench/compare.py" --deepimage "$cli" --threads "$threads" --rounds "${ROUNDS:-5}" --json "$out/compare.json" |
  tee "$out/compare.md"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
