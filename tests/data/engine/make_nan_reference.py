#!/usr/bin/python3
"""NaN in, NaN out: what PyTorch itself computes for a tile with NaN pixels, as the reference the
TorchScript engine must reproduce (tests/unit/engine/torchscript_nan_test.cpp). The TorchScript file is
run as saved (torch.jit.load + eval, no freeze, no optimize_for_inference), one thread, in float32.

    /usr/bin/python3 tests/data/engine/make_nan_reference.py
        writes nan_tile_example_unet_in_1x1x96x96.npy and nan_tile_example_unet_out_1x1x96x96.npy
        (examples/nuclei_unet2d; fixed seed; NaN in a 2x2 block near the top-left corner and one
        pixel near the bottom-right one, so the output has NaN regions and finite ones)
    /usr/bin/python3 tests/data/engine/make_nan_reference.py WEIGHTS.pt IN.npy OUT.npy
        runs WEIGHTS.pt on IN.npy (what the test does for models outside the repository)
"""
import pathlib
import sys

import numpy as np
import torch


def run(weights, x):
    torch.set_num_threads(1)
    module = torch.jit.load(str(weights), map_location="cpu").eval()
    with torch.inference_mode():
        return module(torch.from_numpy(x)).numpy()


def nan_tile(size, seed):
    x = np.random.default_rng(seed).standard_normal((1, 1, size, size)).astype(np.float32)
    x[0, 0, 5:7, 7:9] = np.nan
    x[0, 0, size - 6, size - 4] = np.nan
    return x


def main():
    if len(sys.argv) == 4:
        np.save(sys.argv[3], run(sys.argv[1], np.load(sys.argv[2])))
        return
    here = pathlib.Path(__file__).parent
    weights = here.parents[2] / "examples/nuclei_unet2d/weights.pt"
    x = nan_tile(96, 20261201)
    y = run(weights, x)
    np.save(here / "nan_tile_example_unet_in_1x1x96x96.npy", x)
    np.save(here / "nan_tile_example_unet_out_1x1x96x96.npy", y)
    print(f"{int(np.isnan(x).sum())} NaN pixels in, {int(np.isnan(y).sum())} of {y.size} NaN out")


if __name__ == "__main__":
    main()
