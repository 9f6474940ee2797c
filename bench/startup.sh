#!/usr/bin/env bash
# Start-up wall time of the command line: median of RUNS runs of each command, binaries interleaved
# (run i of every binary before run i+1 of any), so that drift in the machine's load hits all alike.
#   bench/startup.sh build/apps/cli/deepimage [other/deepimage ...]
#   RUNS=20 bench/startup.sh old=/path/to/deepimage new=build/apps/cli/deepimage
# The ONNX-only bundle is the example with its torchscript entry taken out of the rdf (in a temporary
# folder); the torchscript bundle is the example itself; the run is its 256x256 sample, one tile.
# Prints one line per binary and command: median, min and max in ms; and the load average around it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

example=$root/examples/nuclei_unet2d
cp -r "$example" "$work/onnx_only"
# The torchscript entry is four lines; the onnx entry's "parent: torchscript" goes with it.
/usr/bin/python3 - "$work/onnx_only/rdf.yaml" <<'EOF'
import re, sys
p = sys.argv[1]
s = open(p).read()
s, n = re.subn(r"  torchscript:\n(    .*\n)+?(?=  onnx:)", "", s)
s = s.replace("    parent: torchscript\n", "")
assert n == 1, "the example's rdf changed: update bench/startup.sh"
open(p, "w").write(s)
EOF

declare -a names bins
for arg in "$@"; do
  if [[ $arg == *=* ]]; then names+=("${arg%%=*}"); bins+=("${arg#*=}"); else names+=("$arg"); bins+=("$arg"); fi
done
commands=(
  "--version"
  "engines"
  "info $work/onnx_only"
  "info $example"
  "run $work/onnx_only $example/sample_input.tif -o $work/out_onnx.tif --overwrite"
  "run $example $example/sample_input.tif -o $work/out_torchscript.tif --overwrite --weights torchscript"
)

echo "date: $(date -u +%FT%TZ); load before: $(cut -d' ' -f1-3 /proc/loadavg); $runs runs each"
declare -A times
for ((i = 0; i < runs; ++i)); do
  for c in "${!commands[@]}"; do
    for b in "${!bins[@]}"; do
      start=$(date +%s%N)
      # shellcheck disable=SC2086  # the command is split into words on purpose
      "${bins[$b]}" ${commands[$c]} >/dev/null 2>"$work/err" || { echo "failed: ${bins[$b]} ${commands[$c]}" >&2; cat "$work/err" >&2; exit 1; }
      end=$(date +%s%N)
      times[$b,$c]+="$(((end - start) / 1000000)) "
    done
  done
done
for c in "${!commands[@]}"; do
  for b in "${!bins[@]}"; do
    sorted=$(tr ' ' '\n' <<<"${times[$b,$c]}" | grep . | sort -n)
    n=$(wc -l <<<"$sorted")
    median=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
    label=${commands[$c]//$work\//}
    printf '%-8s %-48s median %5d ms  (min %d, max %d)\n' "${names[$b]}" "${label//$root\//}" "$median" \
      "$(head -1 <<<"$sorted")" "$(tail -1 <<<"$sorted")"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
