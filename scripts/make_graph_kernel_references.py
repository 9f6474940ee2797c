#!/usr/bin/python3
"""Rebuilds tests/data/engine/graph/: inputs and PyTorch outputs for the graph IR's reference kernels
(tests/unit/engine/graph/). Fixed seeds; each case writes <case>_<input>.npy and <case>_y.npy, and the
C++ test holds the same attributes in ONNX form. ONNX pads are (begin..., end...); PyTorch's F.pad takes
(last axis begin, end, previous axis begin, end, ...), so asymmetric pads go through F.pad first.

Run with /usr/bin/python3 (torch, numpy) from the repository root."""
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "engine", "graph")
torch.set_default_dtype(torch.float64)  # references in double, saved as float32


def rand(gen, *shape):
    return torch.rand(*shape, generator=gen) * 2 - 1


def save(case, **arrays):
    for name, a in arrays.items():
        a = a.detach().numpy()
        np.save(os.path.join(OUT, f"{case}_{name}.npy"), a if a.dtype == np.int64 else a.astype(np.float32))


def torch_pads(onnx_pads):
    """ONNX (b0, b1, ..., e0, e1, ...) -> F.pad's (b_last, e_last, ..., b0, e0)."""
    r = len(onnx_pads) // 2
    out = []
    for axis in reversed(range(r)):
        out += [onnx_pads[axis], onnx_pads[r + axis]]
    return out


def conv(gen, case, x_shape, w_shape, bias, strides, pads, dilations, group):
    x, w = rand(gen, *x_shape), rand(gen, *w_shape)
    b = rand(gen, w_shape[0]) if bias else None
    f = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[len(x_shape) - 2]
    y = f(F.pad(x, torch_pads(pads)), w, b, stride=strides, dilation=dilations, groups=group)
    save(case, x=x, w=w, y=y, **({"b": b} if bias else {}))


def conv_cases():
    gen = torch.Generator().manual_seed(1)
    conv(gen, "conv2d_group2", (2, 4, 9, 8), (6, 2, 3, 3), True, [2, 1], [1, 0, 1, 2], [1, 2], 2)
    conv(gen, "conv1d", (1, 3, 17), (5, 3, 4), True, [3], [2, 1], [2], 1)
    conv(gen, "conv3d", (1, 2, 5, 6, 7), (4, 2, 3, 2, 3), False, [1, 2, 1], [1, 0, 1, 1, 1, 0], [2, 1, 1], 1)
    conv(gen, "conv2d_depthwise", (1, 4, 6, 6), (4, 1, 3, 3), True, [2, 2], [1, 1, 1, 1], [1, 1], 4)
    # SAME_UPPER on 7x8 with stride 2, kernel 3: totals 2 and 1 -> pads (1, 0, 1, 1)
    conv(gen, "conv2d_same_upper", (1, 2, 7, 8), (3, 2, 3, 3), True, [2, 2], [1, 0, 1, 1], [1, 1], 1)
    # fused: leaky_relu(conv + b + sum), alpha 0.1
    x, w, b = rand(gen, 1, 3, 8, 8), rand(gen, 4, 3, 3, 3), rand(gen, 4)
    s = rand(gen, 1, 4, 8, 8)
    y = F.leaky_relu(F.conv2d(x, w, b, padding=1) + s, 0.1)
    save("conv2d_fused_sum_leaky_relu", x=x, w=w, b=b, sum=s, y=y)


def pool_sum(x, kernel, strides):
    """Window sums over an already padded input (avg_pool without pads, times the window size)."""
    f = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[x.dim() - 2]
    return f(x, kernel, strides) * float(np.prod(kernel))


def pool_cases():
    gen = torch.Generator().manual_seed(2)
    # MaxPool with ceil_mode, dilation and symmetric pads; Indices as ONNX counts them (flat into X).
    x = rand(gen, 2, 3, 9, 10)
    y, idx = F.max_pool2d(x, [3, 2], [2, 2], padding=[1, 1], dilation=[2, 1], ceil_mode=True, return_indices=True)
    plane = torch.arange(2 * 3).reshape(2, 3, 1, 1) * 9 * 10
    save("maxpool2d_ceil_dilated", x=x, y=y, indices=idx + plane)
    # Asymmetric pads: pad with -inf first (pads never win a max).
    x = rand(gen, 1, 2, 11)
    save("maxpool1d_asymmetric", x=x, y=F.max_pool1d(F.pad(x, torch_pads([0, 2]), value=-np.inf), 3, 2))
    x = rand(gen, 1, 2, 5, 6, 7)
    pads = [0, 1, 1, 0, 1, 0]
    save("maxpool3d_asymmetric", x=x,
         y=F.max_pool3d(F.pad(x, torch_pads(pads), value=-np.inf), [2, 3, 2], [2, 2, 1]))
    # AveragePool, ceil_mode, with and without the pads in the divisor.
    x = rand(gen, 1, 2, 7, 8)
    save("avgpool2d_ceil_include_pad", x=x, y=F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True))
    save("avgpool2d_ceil_exclude_pad", x=x, y=F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))
    # Asymmetric pads, pads not counted: window sums of X over window sums of a mask of ones.
    for case, shape, kernel, strides, pads in [
        ("avgpool1d_asymmetric", (1, 3, 10), [4], [3], [2, 1]),
        ("avgpool3d_asymmetric", (1, 2, 5, 6, 7), [2, 3, 3], [1, 2, 2], [1, 0, 1, 0, 1, 1]),
    ]:
        x = rand(gen, *shape)
        sums = pool_sum(F.pad(x, torch_pads(pads)), kernel, strides)
        counts = pool_sum(F.pad(torch.ones_like(x), torch_pads(pads)), kernel, strides)
        save(case, x=x, y=sums / counts)
    x = rand(gen, 2, 3, 4, 5)
    save("global_pool", x=x, average=x.mean(dim=(2, 3), keepdim=True), max=x.amax(dim=(2, 3), keepdim=True))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    conv_cases()
    pool_cases()
