#!/usr/bin/python3
"""An independent reference for the tensor-bundle reader: one trained kernel of DEFCoN as Keras saved it
in HDF5 (../shared/realdata/defcon_bsd/defcon_tf13.h5, read with h5py), which SOURCE.txt records as
byte-identical to the variables of the TF1 SavedModel in ../shared/realdata/defcon_imagej_savedmodel.
tests/unit/engine/tf/tensor_bundle_test.cpp compares "conv_seg_1/kernel" read from variables.data with it.

    /usr/bin/python3 tests/data/engine/tf/make_defcon_kernel_reference.py
        writes defcon_conv_seg_1_kernel_3x3x1x16.npy beside this script
"""
import pathlib

import h5py
import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
H5 = HERE.parents[3] / ".." / "shared" / "realdata" / "defcon_bsd" / "defcon_tf13.h5"

with h5py.File(H5, "r") as f:
    kernel = np.asarray(f["model_weights/conv_seg_1/conv_seg_1_2/kernel:0"], dtype="<f4")
assert kernel.shape == (3, 3, 1, 16), kernel.shape
np.save(HERE / "defcon_conv_seg_1_kernel_3x3x1x16.npy", kernel)
print("wrote", kernel.shape, "sum", float(kernel.sum()))
