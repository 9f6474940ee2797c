#!/usr/bin/python3
"""Writes numpy_reference_bcyx_2x3x5x7.json: a random float32 tensor and what numpy (the library
bioimage.io's Python implementation builds on) gives for the ops whose arithmetic is easy to get
subtly wrong (percentile interpolation, population std, softmax). Also writes
numpy_reference_nonfinite_bcyx_2x3x5x7.json: the same tensor with NaN and +-Inf planted, against numpy's
nan-aware statistics. Run with Debian's /usr/bin/python3:

    /usr/bin/python3 tests/data/ops/make_numpy_reference.py
"""
import json
import pathlib
import warnings

import numpy as np

rng = np.random.default_rng(20240531)
x = (rng.standard_normal((2, 3, 5, 7)) * 40 + 100).astype(np.float32)  # axes bcyx
eps = 1e-6


def zmuv(t, axes):
    t = t.astype(np.float64)
    return (t - t.mean(axis=axes, keepdims=True)) / (t.std(axis=axes, keepdims=True) + eps)


def scale_range(t, axes, lo, hi):
    t = t.astype(np.float64)
    plo = np.percentile(t, lo, axis=axes, keepdims=True)
    phi = np.percentile(t, hi, axis=axes, keepdims=True)
    return (t - plo) / (phi - plo + eps)


def softmax(t, axis):
    t = t.astype(np.float64)
    e = np.exp(t - t.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


cases = {
    # 0.5 axes [x, y]: one mean/std per (b, c)
    "zero_mean_unit_variance_yx": zmuv(x, (2, 3)),
    # 0.4 mode per_sample without axes: all but batch
    "zero_mean_unit_variance_cyx": zmuv(x, (1, 2, 3)),
    "scale_range_yx_1_99.8": scale_range(x, (2, 3), 1.0, 99.8),
    "scale_range_all_5_95": scale_range(x, (0, 1, 2, 3), 5.0, 95.0),
    "softmax_c": softmax(x / 50, 1),
}
out = {
    "shape": list(x.shape),
    "axes": "bcyx",
    "input": [float(v) for v in x.ravel()],
    "expected": {k: [float(v) for v in v.ravel()] for k, v in cases.items()},
}
path = pathlib.Path(__file__).with_name("numpy_reference_bcyx_2x3x5x7.json")
path.write_text(json.dumps(out))
print("wrote", path)

# The same tensor with NaN and +-Inf planted: statistics skip non-finite values, as numpy's nan-aware
# functions do with Inf taken as NaN; non-finite values stay non-finite in the output.
y = x.copy()
y[0, 0, 1, 2] = np.nan
y[0, 0, 3, 3] = np.inf
y[1, 2, 0, 0] = -np.inf
y[1, 1, :, :] = np.nan  # a whole (b, c) group without a finite value: NaN statistics, NaN out
y[0, 1, 2, :] = np.nan


def nan_zmuv(t, axes):
    t = t.astype(np.float64)
    f = np.where(np.isfinite(t), t, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN slices: numpy warns, and returns NaN as we want
        return (t - np.nanmean(f, axis=axes, keepdims=True)) / (np.nanstd(f, axis=axes, keepdims=True) + eps)


def nan_scale_range(t, axes, lo, hi):
    t = t.astype(np.float64)
    f = np.where(np.isfinite(t), t, np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # all-NaN slices: numpy warns, and returns NaN as we want
        plo = np.nanpercentile(f, lo, axis=axes, keepdims=True)
        phi = np.nanpercentile(f, hi, axis=axes, keepdims=True)
        return (t - plo) / (phi - plo + eps)


def as_json(v):
    # JSON has no NaN or Inf: they are written as strings.
    return [float(e) if np.isfinite(e) else str(e) for e in v.ravel()]


nonfinite_cases = {
    "zero_mean_unit_variance_yx": nan_zmuv(y, (2, 3)),
    "zero_mean_unit_variance_all": nan_zmuv(y, (0, 1, 2, 3)),
    "scale_range_yx_1_99.8": nan_scale_range(y, (2, 3), 1.0, 99.8),
    "scale_range_all_5_95": nan_scale_range(y, (0, 1, 2, 3), 5.0, 95.0),
}
out = {
    "shape": list(y.shape),
    "axes": "bcyx",
    "input": as_json(y),
    "expected": {k: as_json(v) for k, v in nonfinite_cases.items()},
}
path = pathlib.Path(__file__).with_name("numpy_reference_nonfinite_bcyx_2x3x5x7.json")
path.write_text(json.dumps(out))
print("wrote", path)
