#!/bin/sh
# `pip install` of the repository into a fresh venv (Debian's numpy through --system-site-packages, no
# index, no build isolation), reusing the CMake tree BUILD_DIR; then, from outside the source and build
# trees, the installed package runs the example model with the result of `deepimage run`, loading every
# deepimage library and engine module from the venv. Usage: pip_install_test.sh BUILD_DIR SOURCE_DIR PYTHON CLI
set -eu
build=$1
source=$2
python=$3
cli=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv --system-site-packages "$work/venv"
DEEPIMAGE_BUILD_DIR=$build "$work/venv/bin/pip" install --quiet --no-build-isolation --no-index --no-cache-dir "$source"
model=$source/examples/nuclei_unet2d
"$cli" run "$model" "$model/test_input.npy" -o "$work/reference.npy" --threads 2 --quiet
cd "$work"
"$work/venv/bin/python" - "$work" "$model" <<'PYTHON'
import sys
import numpy as np
import deepimage

work, model = sys.argv[1], sys.argv[2]
assert deepimage.__file__.startswith(work + "/venv/"), deepimage.__file__
image = np.load(model + "/test_input.npy")
y = deepimage.Model(model).predict(image, threads=2)
reference = np.load(work + "/reference.npy")
assert y.shape == reference.shape, (y.shape, reference.shape)
assert np.abs(y - reference).max() <= 1e-6, np.abs(y - reference).max()
loaded = sorted({line.split()[-1] for line in open("/proc/self/maps") if "deepimage" in line and ".so" in line})
assert any("libdeepimage_engine_" in path for path in loaded), loaded
outside = [path for path in loaded if not path.startswith(work + "/venv/")]
assert not outside, "loaded from outside the venv: %s" % outside
print("installed package OK:", len(loaded), "deepimage libraries from the venv; max |diff|", np.abs(y - reference).max())
PYTHON
