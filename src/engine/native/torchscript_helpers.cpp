#include "engine/native/torchscript_helpers.hpp"

namespace deepimage::engine {

// Each helper follows the reference kernel of its op (engine/graph/kernels/), which the unit tests
// compare it with.
const std::string& torchscript_helpers() {
  static const std::string helpers = R"TS(
def _ints(self, t: Tensor) -> List[int]:
    r: List[int] = t.reshape([-1]).to(4).tolist()
    return r

def _floats(self, t: Tensor) -> List[float]:
    r: List[float] = t.reshape([-1]).to(7).tolist()
    return r

def _axis(self, axis: int, rank: int) -> int:
    if axis < 0:
        return axis + rank
    return axis

def _all_axes(self, x: Tensor, first: int) -> List[int]:
    axes: List[int] = []
    for a in range(first, x.dim()):
        axes.append(a)
    return axes

def _torch_pads(self, pads: List[int]) -> List[int]:
    r = len(pads) // 2
    out: List[int] = []
    for j in range(r):
        out.append(pads[r - 1 - j])
        out.append(pads[2 * r - 1 - j])
    return out

def _same_pads(self, x: Tensor, kernel: List[int], strides: List[int], dilations: List[int], lower: bool) -> List[int]:
    r = len(strides)
    begin: List[int] = []
    end: List[int] = []
    for i in range(r):
        n = x.shape[2 + i]
        out = (n + strides[i] - 1) // strides[i]
        total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - n)
        b = total // 2
        if lower:
            b = total - b
        begin.append(b)
        end.append(total - b)
    return begin + end

def _conv(self, x: Tensor, w: Tensor, b: Optional[Tensor], strides: List[int], pads: List[int], dilations: List[int], groups: int) -> Tensor:
    r = len(strides)
    x = torch.constant_pad_nd(x, self._torch_pads(pads), 0.0)
    zeros = [0] * r
    if r == 1:
        return torch.conv1d(x, w, b, strides, zeros, dilations, groups)
    if r == 2:
        return torch.conv2d(x, w, b, strides, zeros, dilations, groups)
    return torch.conv3d(x, w, b, strides, zeros, dilations, groups)

def _transpose_pads(self, x: Tensor, w: Tensor, strides: List[int], dilations: List[int], pads: List[int], output_padding: List[int], wanted: List[int], auto_pad: str) -> List[int]:
    r = len(strides)
    if len(wanted) == r + 2:
        wanted = wanted[2:]
    out: List[int] = []
    for j in range(r):
        i = r - 1 - j
        n = x.shape[2 + i]
        e = (w.shape[2 + i] - 1) * dilations[i] + 1
        pb = pads[i]
        pe = pads[r + i]
        op = output_padding[i]
        target = -1
        if len(wanted) > 0:
            target = wanted[i]
        elif auto_pad == "SAME_UPPER" or auto_pad == "SAME_LOWER":
            target = n * strides[i]
        elif auto_pad == "VALID":
            pb = 0
            pe = 0
        if target >= 0:
            total = strides[i] * (n - 1) + op + e - target
            if total < 0:
                pb = 0
                pe = 0
                op = op - total
            else:
                pb = total // 2
                if auto_pad != "SAME_UPPER":
                    pb = total - pb
                pe = total - pb
        out.append(-pb)
        out.append(op - pe)
    return out

def _conv_transpose(self, x: Tensor, w: Tensor, b: Optional[Tensor], strides: List[int], pads: List[int], dilations: List[int], groups: int, output_padding: List[int], wanted: List[int], auto_pad: str) -> Tensor:
    r = len(strides)
    zeros = [0] * r
    if r == 1:
        y = torch.conv_transpose1d(x, w, None, strides, zeros, zeros, groups, dilations)
    elif r == 2:
        y = torch.conv_transpose2d(x, w, None, strides, zeros, zeros, groups, dilations)
    else:
        y = torch.conv_transpose3d(x, w, None, strides, zeros, zeros, groups, dilations)
    y = torch.constant_pad_nd(y, self._transpose_pads(x, w, strides, dilations, pads, output_padding, wanted, auto_pad), 0.0)
    if b is not None:
        y = y + b.reshape([1, -1] + [1] * r)
    return y

def _max_pool(self, x: Tensor, kernel: List[int], strides: List[int], pads: List[int], dilations: List[int], ceil_mode: bool) -> Tensor:
    r = len(kernel)
    if r == 1:
        return torch.max_pool1d(x, kernel, strides, pads, dilations, ceil_mode)
    if r == 2:
        return torch.max_pool2d(x, kernel, strides, pads, dilations, ceil_mode)
    return torch.max_pool3d(x, kernel, strides, pads, dilations, ceil_mode)

def _avg_pool(self, x: Tensor, kernel: List[int], strides: List[int], pads: List[int], ceil_mode: bool, count_include_pad: bool) -> Tensor:
    r = len(kernel)
    if r == 1:
        return torch.avg_pool1d(x, kernel, strides, pads, ceil_mode, count_include_pad)
    if r == 2:
        return torch.avg_pool2d(x, kernel, strides, pads, ceil_mode, count_include_pad, None)
    return torch.avg_pool3d(x, kernel, strides, pads, ceil_mode, count_include_pad, None)

def _max_pool_padded(self, x: Tensor, kernel: List[int], strides: List[int], pads: List[int], dilations: List[int]) -> Tensor:
    x = torch.constant_pad_nd(x, self._torch_pads(pads), float("-inf"))
    return self._max_pool(x, kernel, strides, [0] * len(kernel), dilations, False)

def _avg_pool_padded(self, x: Tensor, kernel: List[int], strides: List[int], pads: List[int], count_include_pad: bool) -> Tensor:
    zeros = [0] * len(kernel)
    torch_pads = self._torch_pads(pads)
    y = self._avg_pool(torch.constant_pad_nd(x, torch_pads, 0.0), kernel, strides, zeros, False, True)
    if count_include_pad:
        return y
    ones = torch.ones([1, 1] + x.shape[2:], dtype=x.dtype)
    return y / self._avg_pool(torch.constant_pad_nd(ones, torch_pads, 0.0), kernel, strides, zeros, False, True)

def _resize_axis(self, x: Tensor, axis: int, out: int, scale: float, length: float, mode: str, transform: str, nearest: str) -> Tensor:
    n = x.shape[axis]
    o = torch.arange(out, dtype=7)
    if transform == "half_pixel":
        c = (o + 0.5) / scale - 0.5
    elif transform == "pytorch_half_pixel":
        c = (o + 0.5) / scale - 0.5
        if out == 1:
            c = o * 0.0
    elif transform == "align_corners":
        c = o * 0.0
        if out != 1:
            c = o * float(n - 1) / (length - 1.0)
    elif transform == "asymmetric":
        c = o / scale
    elif transform == "tf_half_pixel_for_nn":
        c = (o + 0.5) / scale
    else:
        offset = float(n) / 2.0 * (1.0 - float(out) / length)
        c = offset + (o + 0.5) / scale - 0.5
    f = torch.floor(c)
    if mode == "nearest":
        if nearest == "floor":
            i = f
        elif nearest == "ceil":
            i = torch.ceil(c)
        elif nearest == "round_prefer_ceil":
            i = torch.where(c - f == 0.5, f + 1.0, torch.floor(c + 0.5))
        else:
            i = torch.where(c - f == 0.5, f, torch.floor(c + 0.5))
        return x.index_select(axis, i.to(4).clamp(0, n - 1))
    i0 = f.to(4)
    shape = [1] * x.dim()
    shape[axis] = out
    t = (c - f).to(x.dtype).reshape(shape)
    return x.index_select(axis, i0.clamp(0, n - 1)) * (1.0 - t) + x.index_select(axis, (i0 + 1).clamp(0, n - 1)) * t

def _interpolate(self, x: Tensor, sizes: List[int], scales: List[float], mode: str, align_corners: bool) -> Tensor:
    if mode == "nearest":
        if len(sizes) == 2:
            return torch.upsample_nearest2d(x, sizes, scales[0], scales[1])
        return torch.upsample_nearest3d(x, sizes, scales[0], scales[1], scales[2])
    if mode == "nearest_exact":
        if len(sizes) == 2:
            return torch._upsample_nearest_exact2d(x, sizes, scales[0], scales[1])
        return torch._upsample_nearest_exact3d(x, sizes, scales[0], scales[1], scales[2])
    if len(sizes) == 2:
        return torch.upsample_bilinear2d(x, sizes, align_corners, scales[0], scales[1])
    return torch.upsample_trilinear3d(x, sizes, align_corners, scales[0], scales[1], scales[2])

def _resize_spatial(self, x: Tensor, outs: List[int], scales: List[float], lengths: List[float], mode: str, transform: str, nearest: str) -> Optional[Tensor]:
    # torch's own up-sampling kernels, where they compute ONNX's coordinates exactly: spatial axes
    # only, and for rules other than half_pixel, align_corners and linear, integer scales
    integer = True
    for i in range(len(outs)):
        if not (scales[i] >= 1.0 and float(int(scales[i])) == scales[i] and float(outs[i]) == lengths[i]):
            integer = False
    if mode == "linear":
        if transform == "half_pixel" or (transform == "pytorch_half_pixel" and min(outs) > 1):
            return self._interpolate(x, outs, scales, "linear", False)
        if transform == "align_corners":
            exact = True
            for i in range(len(outs)):
                if float(outs[i]) != lengths[i]:
                    exact = False
            if exact:
                return self._interpolate(x, outs, scales, "linear", True)
        if transform == "asymmetric" and integer:
            # x = o / s: align_corners over the input with its last element repeated, n + 1 -> s * n + 1
            grown: List[int] = []
            for o in outs:
                grown.append(o + 1)
            y = self._interpolate(self._pad(x, [0] * (len(outs) + 2) + [0, 0] + [1] * len(outs), [], "edge", 0.0), grown, scales, "linear", True)
            for i in range(len(outs)):
                y = y.narrow(2 + i, 0, outs[i])
            return y
        return None
    if mode == "nearest" and integer:
        if transform == "asymmetric" and nearest == "floor":
            return self._interpolate(x, outs, scales, "nearest", False)
        # (o + 0.5) / s - 0.5 never falls on a tie for an integer s: both round_prefer rules are torch's nearest-exact
        if (transform == "half_pixel" or transform == "pytorch_half_pixel") and nearest != "floor" and nearest != "ceil":
            return self._interpolate(x, outs, scales, "nearest_exact", False)
    return None

def _resize(self, x: Tensor, scales: List[float], sizes: List[int], mode: str, transform: str, nearest: str) -> Tensor:
    outs: List[int] = []
    factors: List[float] = []
    lengths: List[float] = []
    for a in range(x.dim()):
        n = x.shape[a]
        if len(sizes) > 0:
            outs.append(sizes[a])
            factors.append(float(sizes[a]) / float(n))
            lengths.append(float(sizes[a]))
        else:
            lengths.append(float(n) * scales[a])
            factors.append(scales[a])
            outs.append(int(lengths[a] // 1.0))
    if (x.dim() == 4 or x.dim() == 5) and outs[0] == x.shape[0] and outs[1] == x.shape[1] and factors[0] == 1.0 and factors[1] == 1.0 and transform != "tf_half_pixel_for_nn":
        y = self._resize_spatial(x, outs[2:], factors[2:], lengths[2:], mode, transform, nearest)
        if y is not None:
            return y
    for a in range(x.dim()):
        # an unscaled axis maps every index to itself, except tf_half_pixel_for_nn's half-pixel shift
        if outs[a] != x.shape[a] or factors[a] != 1.0 or transform == "tf_half_pixel_for_nn":
            x = self._resize_axis(x, a, outs[a], factors[a], lengths[a], mode, transform, nearest)
    return x

def _pad(self, x: Tensor, pads: List[int], axes: List[int], mode: str, value: float) -> Tensor:
    r = x.dim()
    if len(axes) == 0:
        axes = self._all_axes(x, 0)
    n = len(axes)
    full = [0] * (2 * r)
    for k in range(n):
        a = self._axis(axes[k], r)
        full[a] = pads[k]
        full[a + r] = pads[k + n]
    torch_pads = self._torch_pads(full)
    if mode == "constant":
        return torch.constant_pad_nd(x, torch_pads, value)
    # reflect and edge pad the spatial axes of (N, C, spatial...) only
    for k in range(2 * (r - 2), 2 * r):
        assert torch_pads[k] == 0, "Pad: mode " + mode + " pads only the axes after the first two"
    torch_pads = torch_pads[:2 * (r - 2)]
    if mode == "reflect":
        if r == 3:
            return torch.reflection_pad1d(x, torch_pads)
        if r == 4:
            return torch.reflection_pad2d(x, torch_pads)
        return torch.reflection_pad3d(x, torch_pads)
    if r == 3:
        return torch.replication_pad1d(x, torch_pads)
    if r == 4:
        return torch.replication_pad2d(x, torch_pads)
    return torch.replication_pad3d(x, torch_pads)

def _slice(self, x: Tensor, starts: List[int], ends: List[int], axes: List[int], steps: List[int]) -> Tensor:
    for k in range(len(starts)):
        a = k
        if len(axes) > 0:
            a = self._axis(axes[k], x.dim())
        step = 1
        if len(steps) > 0:
            step = steps[k]
        n = x.shape[a]
        s = starts[k]
        e = ends[k]
        if s < 0:
            s = s + n
        if e < 0:
            e = e + n
        if step > 0:
            s = min(max(s, 0), n)
            e = min(max(e, 0), n)
            if step == 1:
                x = x.narrow(a, s, max(e - s, 0))
            else:
                x = x.index_select(a, torch.arange(s, max(e, s), step, dtype=4))
        else:
            s = min(max(s, 0), n - 1)
            e = min(max(e, -1), n - 1)
            x = x.index_select(a, torch.arange(s, min(e, s), step, dtype=4))
    return x

def _reshape(self, x: Tensor, shape: List[int], allowzero: bool) -> Tensor:
    sizes: List[int] = []
    for k in range(len(shape)):
        d = shape[k]
        if d == 0 and not allowzero:
            d = x.shape[k]
        sizes.append(d)
    return x.reshape(sizes)

def _flatten(self, x: Tensor, axis: int) -> Tensor:
    a = self._axis(axis, x.dim())
    outer = 1
    for k in range(a):
        outer = outer * x.shape[k]
    return x.reshape([outer, -1])

def _squeeze(self, x: Tensor, axes: List[int]) -> Tensor:
    if len(axes) == 0:
        return x.squeeze()
    normalized: List[int] = []
    for a in axes:
        normalized.append(self._axis(a, x.dim()))
    normalized.sort(reverse=True)
    for a in normalized:
        x = x.squeeze(a)
    return x

def _unsqueeze(self, x: Tensor, axes: List[int]) -> Tensor:
    rank = x.dim() + len(axes)
    normalized: List[int] = []
    for a in axes:
        normalized.append(self._axis(a, rank))
    normalized.sort()
    for a in normalized:
        x = x.unsqueeze(a)
    return x

def _reversed_axes(self, x: Tensor) -> List[int]:
    axes: List[int] = []
    for k in range(x.dim()):
        axes.append(x.dim() - 1 - k)
    return axes

def _gather(self, x: Tensor, indices: Tensor, axis: int) -> Tensor:
    a = self._axis(axis, x.dim())
    n = x.shape[a]
    i = indices.to(4)
    i = torch.where(i < 0, i + n, i)
    y = x.index_select(a, i.reshape([-1]))
    return y.reshape(x.shape[:a] + indices.shape + x.shape[a + 1:])

def _expand(self, x: Tensor, shape: List[int]) -> Tensor:
    r = max(x.dim(), len(shape))
    sizes: List[int] = []
    for k in range(r):
        a = 1
        if k - r + x.dim() >= 0:
            a = x.shape[k - r + x.dim()]
        b = 1
        if k - r + len(shape) >= 0:
            b = shape[k - r + len(shape)]
        if b == 1:
            sizes.append(a)
        else:
            sizes.append(b)
    return x.expand(sizes)

def _reduce_axes(self, x: Tensor, axes: List[int]) -> List[int]:
    if len(axes) == 0:
        return self._all_axes(x, 0)
    normalized: List[int] = []
    for a in axes:
        normalized.append(self._axis(a, x.dim()))
    return normalized

def _reduce_prod(self, x: Tensor, axes: List[int], keepdims: bool) -> Tensor:
    normalized = self._reduce_axes(x, axes)
    normalized.sort(reverse=True)
    for a in normalized:
        x = torch.prod(x, a, keepdims)
    return x

def _div(self, a: Tensor, b: Tensor) -> Tensor:
    if a.is_floating_point() or b.is_floating_point():
        return a / b
    return torch.div(a, b, rounding_mode="trunc")

def _legacy_softmax(self, x: Tensor, axis: int) -> Tensor:
    a = self._axis(axis, x.dim())
    return torch.softmax(x.reshape(x.shape[:a] + [-1]), a).reshape(x.shape)

def _gemm(self, a: Tensor, b: Tensor, c: Optional[Tensor], alpha: float, beta: float, trans_a: bool, trans_b: bool) -> Tensor:
    if trans_a:
        a = a.t()
    if trans_b:
        b = b.t()
    y = torch.matmul(a, b) * alpha
    if c is not None:
        y = y + c * beta
    return y
)TS";
  return helpers;
}

}  // namespace deepimage::engine
