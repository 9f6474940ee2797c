"""Shared fixtures of the Python tests: paths from CTest's environment, the real image and models.

CTest sets PYTHONPATH to build/python (the package as built) and DEEPIMAGE_CLI, DEEPIMAGE_SOURCE_DIR
and DEEPIMAGE_SHARED_DIR (see CMakeLists.txt beside this file).
"""
import os
import pathlib
import subprocess

import numpy as np
import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("DEEPIMAGE_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[3]))
SHARED_DIR = pathlib.Path(os.environ.get("DEEPIMAGE_SHARED_DIR", SOURCE_DIR.parent / "shared"))
REALDATA = SHARED_DIR / "realdata"
CLI = os.environ.get("DEEPIMAGE_CLI", str(SOURCE_DIR / "build/apps/cli/deepimage"))

# The project's example U-Net: input 88 + 8n, halo 40, percentile normalisation per sample.
EXAMPLE_MODEL = SOURCE_DIR / "examples/nuclei_unet2d"
# unet2d_nuclei_broad from bioimage.io (zero-mean unit-variance per sample).
NUCLEI_MODEL = REALDATA / "unet2d_nuclei_broad"


def require_realdata():
    if not (REALDATA / "images/stardist_testdata/img2d.tif").exists():
        pytest.skip("../shared/realdata is not here")


@pytest.fixture(scope="session")
def stardist_crop():
    """A 192 x 256 uint16 crop (rows 100.., columns 64..) of the real stardist image img2d.tif."""
    require_realdata()
    tifffile = pytest.importorskip("tifffile")
    image = tifffile.imread(REALDATA / "images/stardist_testdata/img2d.tif")
    return np.ascontiguousarray(image[100:292, 64:320])


def cli_run(model, image, tmp_path, *options):
    """`deepimage run` on `image` saved as .npy: the independent reference, through the file route."""
    source, result = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(source, image)
    subprocess.run([CLI, "run", str(model), str(source), "-o", str(result), "--quiet", *options], check=True)
    return np.load(result)
