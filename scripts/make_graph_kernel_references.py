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


def conv_transpose(gen, case, x_shape, w_shape, bias, strides, pads, dilations, group, output_padding, size=None):
    """The full transposed convolution (no pads), cropped by ONNX's begin/end pads and, where `size`
    asks for more than it holds, extended with the bias (ONNX output_shape beyond the full size)."""
    x, w = rand(gen, *x_shape), rand(gen, *w_shape)
    b = rand(gen, w_shape[1] * group) if bias else None
    f = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[len(x_shape) - 2]
    full = f(x, w, b, stride=strides, output_padding=output_padding, groups=group, dilation=dilations)
    r = len(strides)
    index = [slice(None), slice(None)]
    for i in range(r):
        index.append(slice(pads[i], full.shape[2 + i] - pads[r + i]))
    y = full[tuple(index)]
    if size is not None:
        extended = (b if bias else torch.zeros(y.shape[1])).reshape(1, -1, *([1] * r)).expand(y.shape[0], -1, *size).clone()
        extended[(slice(None), slice(None)) + tuple(slice(0, n) for n in y.shape[2:])] = y
        y = extended
    save(case, x=x, w=w, y=y, **({"b": b} if bias else {}))


def conv_transpose_cases():
    gen = torch.Generator().manual_seed(4)
    conv_transpose(gen, "convtranspose2d_group2", (1, 4, 4, 5), (4, 3, 3, 3), True, [2, 3], [1, 0, 0, 2], [1, 1], 2,
                   [1, 2])
    conv_transpose(gen, "convtranspose1d", (2, 3, 6), (3, 2, 4), True, [2], [1, 2], [2], 1, [1])
    conv_transpose(gen, "convtranspose3d", (1, 2, 3, 4, 3), (2, 2, 2, 3, 2), False, [2, 1, 2], [0, 1, 1, 1, 0, 0],
                   [1, 1, 1], 1, [0, 0, 0])
    # output_shape (9, 8) from a full 11x11: totals 2 and 3, the odd pixel at the beginning -> pads (1, 2, 1, 1)
    conv_transpose(gen, "convtranspose2d_output_shape", (1, 2, 5, 5), (2, 3, 3, 3), True, [2, 2], [1, 2, 1, 1],
                   [1, 1], 1, [0, 0])
    # output_shape (12, 13) beyond the full 11x11: bias fills the extra rows and columns
    conv_transpose(gen, "convtranspose2d_output_shape_larger", (1, 2, 5, 5), (2, 3, 3, 3), True, [2, 2],
                   [0, 0, 0, 0], [1, 1], 1, [0, 0], size=(12, 13))
    # SAME_UPPER: output 5 * 2 = 10 per axis from a full 11 (kernel 3): total 1 at the end -> pads (0, 0, 1, 1)
    conv_transpose(gen, "convtranspose2d_same_upper", (1, 1, 5, 5), (1, 2, 3, 3), False, [2, 2], [0, 0, 1, 1],
                   [1, 1], 1, [0, 0])


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


def resize_cases():
    """torch interpolate: "nearest" is ONNX asymmetric + floor, "nearest-exact" half_pixel +
    round_prefer_ceil (floor(x + 0.5)), linear/cubic align_corners=False half_pixel, True align_corners;
    bicubic uses a = -0.75 and reads edge values outside, as ONNX with exclude_outside 0."""
    gen = torch.Generator().manual_seed(3)
    x = rand(gen, 1, 2, 3, 4)
    save("resize_nearest_up", x=x, y=F.interpolate(x, scale_factor=2.0, mode="nearest"))
    save("resize_linear_up", x=x, y=F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False))
    save("resize_cubic_up", x=x, y=F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=False))
    save("resize_linear_align_corners", x=x, y=F.interpolate(x, size=(5, 7), mode="bilinear", align_corners=True))
    save("resize_cubic_align_corners", x=x, y=F.interpolate(x, size=(5, 7), mode="bicubic", align_corners=True))
    x = rand(gen, 1, 1, 7, 9)
    save("resize_nearest_down", x=x, y=F.interpolate(x, size=(3, 4), mode="nearest"))
    save("resize_nearest_exact_down", x=x, y=F.interpolate(x, size=(4, 5), mode="nearest-exact"))
    save("resize_linear_down", x=x, y=F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=False))
    x = rand(gen, 1, 2, 5)
    save("resize_linear_1d", x=x, y=F.interpolate(x, size=12, mode="linear", align_corners=False))
    x = rand(gen, 1, 1, 3, 4, 5)
    save("resize_trilinear", x=x, y=F.interpolate(x, size=(5, 6, 3), mode="trilinear", align_corners=False))


def normalization_cases():
    gen = torch.Generator().manual_seed(5)
    for case, shape in [("batchnorm2d", (2, 3, 4, 5)), ("batchnorm1d", (2, 3, 7))]:
        x, scale, bias, mean = rand(gen, *shape), rand(gen, 3), rand(gen, 3), rand(gen, 3)
        var = torch.rand(3, generator=gen) + 0.1
        save(case, x=x, scale=scale, b=bias, mean=mean, var=var,
             y=F.batch_norm(x, mean, var, scale, bias, training=False, eps=1e-3))
    for case, shape in [("instancenorm2d", (2, 3, 5, 6)), ("instancenorm1d", (2, 2, 7))]:
        x, scale, bias = rand(gen, *shape) * 3 + 1, rand(gen, shape[1]), rand(gen, shape[1])
        save(case, x=x, scale=scale, b=bias, y=F.instance_norm(x, weight=scale, bias=bias, eps=1e-5))


def pad_cases():
    """torch's reflect / replicate / circular are ONNX's reflect / edge / wrap; numpy's reflect for a
    pad longer than the axis (reflected again at each end)."""
    gen = torch.Generator().manual_seed(6)
    x = rand(gen, 1, 2, 3, 4)
    save("pad_constant", x=x, y=F.pad(x, torch_pads([0, 1, 1, 2, 0, 0, 2, -1]), value=2.5))
    save("pad_reflect", x=x, y=F.pad(x, torch_pads([0, 0, 2, 3, 0, 0, 1, 2])[:4], mode="reflect"))
    save("pad_edge", x=x, y=F.pad(x, torch_pads([0, 0, 2, 5, 0, 0, 4, 1])[:4], mode="replicate"))
    save("pad_wrap", x=x, y=F.pad(x, torch_pads([0, 0, 1, 2, 0, 0, 2, 3])[:4], mode="circular"))
    x = rand(gen, 1, 1, 1, 3)
    y = np.pad(x.numpy(), [(0, 0), (0, 0), (0, 0), (5, 6)], mode="reflect")
    save("pad_reflect_long", x=x, y=torch.from_numpy(y))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    conv_cases()
    conv_transpose_cases()
    pool_cases()
    resize_cases()
    normalization_cases()
    pad_cases()
