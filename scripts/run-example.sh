#!/usr/bin/env bash
# The first thing to try: installs, builds, and runs deepimage's own nuclei model on the example
# image shipped in examples/, writing out/example_probability.tif.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
mkdir -p "$root/out"
"$root/build/apps/cli/deepimage" run "$root/examples/nuclei_unet2d" "$root/examples/images/nuclei_bbbc038_0bf4b1.tif" \
  -o "$root/out/example_probability.tif" --overwrite
echo "Open out/example_probability.tif in ImageJ/Fiji: nuclei probability (0..1) of examples/images/nuclei_bbbc038_0bf4b1.tif."
