#!/usr/bin/env bash
# Takes the screenshots of docs/imagej.md (Run dialog, monitor window, Explore) in a virtual display,
# by clicking through the plugin with tests/e2e/imagej/gui/PluginGui.java on a real model and image.
#   scripts/imagej-screenshots.sh            # after scripts/build.sh; needs ../shared/realdata
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build"
shared="$root/../shared/realdata"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/plugins" "$work/models"
cp "$build/bindings/imagej/DeepImage_.jar" "$work/plugins/"
ln -s "$shared/unet2d_nuclei_broad" "$work/models/unet2d_nuclei_broad"
ln -s "$root/tests/data/models/laplace2d_tiny" "$work/models/laplace2d_tiny"
# Four real nuclei planes, so the monitor has tiles to count.
/usr/bin/python3 - "$shared/images/stardist_testdata/img2d.tif" "$work/stack.tif" <<'PY'
import sys, tifffile
image = tifffile.imread(sys.argv[1])
tifffile.imwrite(sys.argv[2], image[None, 0:256, 0:256].repeat(4, axis=0), imagej=True, metadata={'axes': 'ZYX'})
PY
cd "$work"
HOME="$work" DEEPIMAGE_CLI="$build/apps/cli/deepimage" DEEPIMAGE_MODELS="$work/models" \
  timeout 600 xvfb-run -a -s '-screen 0 1280x1024x24' \
  java -Dplugins.dir="$work" -cp "/usr/share/java/ij.jar:$build/tests/e2e/imagej/deepimage_imagej_gui.jar" \
  PluginGui "$work" "$work/stack.tif" "UNet 2D Nuclei Broad" "$root/docs/images"
cat "$work/report.txt"
# Without a window manager the screen around the windows is black: keep just the windows.
/usr/bin/python3 - "$root/docs/images/run-dialog.png" <<'PY'
import sys
from PIL import Image
shot = Image.open(sys.argv[1]).convert("RGB")
shot.crop(shot.point(lambda v: 255 if v > 8 else 0).getbbox()).save(sys.argv[1])
PY
