#!/bin/bash
# examples/snakemake run by Debian's snakemake on the real nuclei U-Net and img2d.tif in 3 shards: the
# workflow completes (its last rule checks every chunk exists) and its output is the unsharded run's,
# file for file and byte for byte. Usage: snakemake_test.sh DEEPIMAGE SOURCE_DIR. Exit 77 (skipped)
# only when ../shared is absent.
set -euo pipefail
deepimage=$1 source_dir=$2
realdata=$source_dir/../shared/realdata
if [ ! -d "$realdata" ]; then echo "../shared/realdata is absent: skipped"; exit 77; fi
command -v snakemake >/dev/null || { echo "error: snakemake not found (scripts/install-deps.sh installs it)"; exit 1; }
work=$(mktemp -d /tmp/deepimage-snakemake-XXXXXX)
trap 'rm -rf "$work"' EXIT
model=$realdata/unet2d_nuclei_broad
image=$realdata/images/stardist_testdata/img2d.tif
cd "$work"
"$deepimage" run "$model" "$image" -o whole.ome.zarr --threads 1 --quiet
snakemake --quiet --cores 2 --snakefile "$source_dir/examples/snakemake/Snakefile" --directory "$work/flow" \
  --config model="$model" image="$image" output="$work/sharded.ome.zarr" shards=3 deepimage="$deepimage" >"$work/snakemake.log" 2>&1 \
  || { tail -30 "$work/snakemake.log"; exit 1; }
grep -q '"chunks": 4' flow/complete.json
diff -r whole.ome.zarr sharded.ome.zarr
echo "snakemake workflow of 3 shards: output equals the unsharded run"
