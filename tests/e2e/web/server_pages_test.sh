#!/usr/bin/env bash
# End-to-end test of the pages of `deepimage serve` in Debian's Chromium (server_pages.test.mjs drives it):
# the server runs on a free port over a models folder of real bioimage.io models (links into
# ../shared/realdata, used in place); the output the browser downloads must equal, value for value, what
# `deepimage run` writes for the same image and tile.
#   server_pages_test.sh DEEPIMAGE SOURCE_DIR WEB_DIST WEB_NODE_MODULES [SCREENSHOT_DIR]
# Exit 77 (skipped) when ../shared/realdata is absent.
set -euo pipefail
deepimage=$1 root=$2 dist=$3 node_modules=$4
shared="$root/../shared/realdata"
[ -d "$shared/unet2d_nuclei_broad" ] || { echo "skipped: $shared/unet2d_nuclei_broad is absent"; exit 77; }
[ -x /usr/bin/chromium ] || { echo "error: /usr/bin/chromium is missing (scripts/install-deps.sh installs it)"; exit 1; }
[ -f "$dist/index.html" ] || { echo "error: $dist/index.html is missing: build the deepimage_web target"; exit 1; }

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
screenshots=${5:-$work/screenshots}
mkdir -p "$work/models" "$screenshots"
for model in unet2d_nuclei_broad unet2d_multi_tensor unet2d_pancreatic_keras_dij; do
  ln -s "$shared/$model" "$work/models/$model"
done
# The real nuclei image (the model takes 512x512 tiles, its size) as a z-stack of three different planes
# (as it is, flipped, mirrored), so the run has several tiles and the viewer a z slider; and eight planes,
# a run long enough to be cancelled half-way.
/usr/bin/python3 - "$shared/images/stardist_testdata/img2d.tif" "$work/image.tif" "$work/long.tif" <<'PY'
import sys, numpy, tifffile
plane = tifffile.imread(sys.argv[1])
tifffile.imwrite(sys.argv[2], numpy.stack([plane, plane[::-1], plane[:, ::-1]]), imagej=True, metadata={'axes': 'ZYX'})
tifffile.imwrite(sys.argv[3], plane[None].repeat(8, axis=0), imagej=True, metadata={'axes': 'ZYX'})
PY
image="$work/image.tif"
printf 'these bytes are not a zip archive' > "$work/not_a_model.zip"

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$deepimage" serve --port "$port" --models "$work/models" --web "$dist" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/api/models" > /dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; echo "error: deepimage serve stopped"; exit 1; }
  sleep 0.3
done

status=0
BASE_URL="http://127.0.0.1:$port" WEB_NODE_MODULES="$node_modules" MODEL_ID=unet2d_nuclei_broad \
  MODEL_NAME="UNet 2D Nuclei Broad" IMAGE="$image" STACK="$work/long.tif" NOT_A_MODEL="$work/not_a_model.zip" DOWNLOAD="$work/downloaded.tif" \
  SCREENSHOTS="$screenshots" node --test --test-reporter=spec "$(dirname "$0")/server_pages.test.mjs" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log"; tail -50 "$work/server.log"
  exit "$status"
fi

# The same image through the command line: the downloaded TIFF must hold the same values.
"$deepimage" run "$work/models/unet2d_nuclei_broad" "$image" -o "$work/cli.tif" --quiet
/usr/bin/python3 - "$work/downloaded.tif" "$work/cli.tif" <<'PY'
import sys, numpy, tifffile
served, cli = (tifffile.imread(p) for p in sys.argv[1:3])
print(f"downloaded {served.shape} {served.dtype}, deepimage run {cli.shape} {cli.dtype}")
assert served.shape == cli.shape and served.dtype == cli.dtype, "the downloaded output differs in shape or type"
assert served.std() > 0, "the output is uniform"
differ = numpy.count_nonzero(served != cli)
assert differ == 0, f"{differ} values differ, largest by {numpy.abs(served.astype(float) - cli).max()}"
print("the downloaded output equals deepimage run's")
PY
