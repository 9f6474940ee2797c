#!/usr/bin/python3
"""Small Keras HDF5 fixtures for the Keras importer's tests (tests/unit/engine/keras_import_test.cpp).

Keras and TensorFlow are not installed here: each model's model_config JSON and weights are written
with h5py in the layout Keras 2.3's model.save() uses (root attributes model_config / keras_version /
backend; model_weights/<layer>/ with a weight_names attribute and datasets "<layer>/<weight>:0"). The
expected outputs come from an independent reference written here with PyTorch and numpy, following
TensorFlow's documented rules: SAME padding puts the odd pixel at the end, average pooling with SAME
padding divides by the pixels inside, Conv2DTranspose output sizes as keras.utils.conv_utils computes
them, bilinear UpSampling2D in Keras 2.3 with half_pixel_centers off.

Run:  /usr/bin/python3 scripts/make_keras_fixtures.py   (writes tests/data/engine/keras/, seed 0)
"""
import json
import math
from pathlib import Path

import h5py
import numpy as np
import torch
import torch.nn.functional as F

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "engine" / "keras"
rng = np.random.default_rng(0)


def rand(*shape, scale=0.5):
    return (rng.uniform(-1, 1, size=shape) * scale).astype(np.float32)


# ---------------------------------------------------------------------------------------------------
# Reference ops on NHWC numpy arrays, via PyTorch (NCHW) in float64.

def to_t(x):
    return torch.from_numpy(np.ascontiguousarray(x)).double().permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def from_t(t):
    return t.permute(0, *range(2, t.dim()), 1).numpy()


def same_pads(size, k, s, d=1):
    e = (k - 1) * d + 1
    out = math.ceil(size / s)
    total = max((out - 1) * s + e - size, 0)
    return total // 2, total - total // 2


def pad_same(t, kernel, strides, dilations=None, value=0.0):
    dilations = dilations or [1] * len(kernel)
    pads = []
    for axis in reversed(range(len(kernel))):  # F.pad wants the last axis first
        b, e = same_pads(t.shape[2 + axis], kernel[axis], strides[axis], dilations[axis])
        pads += [b, e]
    return F.pad(t, pads, value=value)


def conv_ref(x, kernel, bias, strides, padding, dilation=None, groups=1):
    s = x.ndim - 2
    dilation = dilation or [1] * s
    t = to_t(x)
    w = torch.from_numpy(kernel).double().permute(s + 1, s, *range(s))  # (k..., in, out) -> (out, in, k...)
    if padding == "same":
        t = pad_same(t, list(kernel.shape[:s]), strides, dilation)
    conv = [None, F.conv1d, F.conv2d, F.conv3d][s]
    y = conv(t, w, None if bias is None else torch.from_numpy(bias).double(), stride=strides, dilation=dilation, groups=groups)
    return from_t(y)


def deconv_length(size, k, s, padding, output_padding):
    if output_padding is None:
        return size * s if padding == "same" else size * s + max(k - s, 0)
    pad = k // 2 if padding == "same" else 0
    return (size - 1) * s + k - 2 * pad + output_padding


def conv_transpose_ref(x, kernel, bias, strides, padding, output_padding=None):
    """Scatter form, written independently of the importer: full transposed conv, then TF's crop."""
    n, h, w, cin = x.shape
    kh, kw, cout, _ = kernel.shape
    full = np.zeros((n, (h - 1) * strides[0] + kh, (w - 1) * strides[1] + kw, cout))
    for i in range(h):
        for j in range(w):
            full[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :] += np.einsum(
                "nc,yxoc->nyxo", x[:, i, j, :].astype(np.float64), kernel.astype(np.float64))
    op = output_padding or [None, None]
    out_h = deconv_length(h, kh, strides[0], padding, op[0])
    out_w = deconv_length(w, kw, strides[1], padding, op[1])
    # TF: the forward conv from out to in pads max((in - 1) * s + k - out, 0), the odd pixel at the end.
    top = max((h - 1) * strides[0] + kh - out_h, 0) // 2
    left = max((w - 1) * strides[1] + kw - out_w, 0) // 2
    grown = np.zeros((n, max(full.shape[1], top + out_h), max(full.shape[2], left + out_w), cout))
    grown[:, :full.shape[1], :full.shape[2]] = full
    y = grown[:, top:top + out_h, left:left + out_w, :]
    return y + (0 if bias is None else bias)


def pool_ref(x, size, strides, padding, kind):
    s = x.ndim - 2
    t = to_t(x)
    if kind == "max":
        if padding == "same":
            t = pad_same(t, size, strides, value=-math.inf)
        return from_t([None, F.max_pool1d, F.max_pool2d, F.max_pool3d][s](t, size, strides))
    ones = torch.ones_like(t[:, :1])
    if padding == "same":
        t, ones = pad_same(t, size, strides), pad_same(ones, size, strides)
    avg = [None, F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][s]
    return from_t(avg(t, size, strides) / avg(ones, size, strides))  # divide by the pixels inside


def upsample_nearest(x, size):
    y = x
    for axis, f in enumerate(size):
        y = np.repeat(y, f, axis=1 + axis)
    return y


def upsample_bilinear_tf1(x, size):
    """tf.image.resize_bilinear, align_corners and half_pixel_centers off: src = dst / scale."""
    n, h, w, c = x.shape
    oh, ow = h * size[0], w * size[1]
    y = np.zeros((n, oh, ow, c))
    for i in range(oh):
        sy = i / size[0]
        y0 = int(math.floor(sy)); y1 = min(y0 + 1, h - 1); fy = sy - y0
        for j in range(ow):
            sx = j / size[1]
            x0 = int(math.floor(sx)); x1 = min(x0 + 1, w - 1); fx = sx - x0
            y[:, i, j] = ((1 - fy) * ((1 - fx) * x[:, y0, x0] + fx * x[:, y0, x1]) +
                          fy * ((1 - fx) * x[:, y1, x0] + fx * x[:, y1, x1]))
    return y


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def elu(x, a=1.0):
    return np.where(x > 0, x, a * (np.exp(x) - 1))


def activation_ref(x, name):
    return {
        "linear": lambda v: v, "relu": lambda v: np.maximum(v, 0), "sigmoid": sigmoid, "tanh": np.tanh,
        "elu": elu, "selu": lambda v: 1.0507009873554805 * elu(v, 1.6732632423543772),
        "hard_sigmoid": lambda v: np.clip(0.2 * v + 0.5, 0, 1), "swish": lambda v: v * sigmoid(v),
        "softplus": lambda v: np.logaddexp(0, v), "softsign": lambda v: v / (1 + np.abs(v)),
        "softmax": lambda v: np.exp(v - v.max(-1, keepdims=True)) / np.exp(v - v.max(-1, keepdims=True)).sum(-1, keepdims=True),
    }[name](x)


# ---------------------------------------------------------------------------------------------------
# A tiny Keras-file writer.

class Model:
    def __init__(self):
        self.layers = []    # Keras layer dicts
        self.weights = {}   # layer name -> [(weight name, array)]

    def layer(self, class_name, name, config, inputs=None, weights=None):
        config = dict(config, name=name, trainable=True, dtype="float32")
        entry = {"name": name, "class_name": class_name, "config": config}
        if inputs is not None:
            entry["inbound_nodes"] = [[[i, 0, 0, {}] for i in inputs]] if inputs else []
        self.layers.append(entry)
        self.weights[name] = weights or []
        return name

    def save(self, path, model_config, fixed_length_strings=False):
        with h5py.File(path, "w") as f:
            text = json.dumps(model_config)
            # Keras 2.x under h5py 2 wrote fixed-length strings, under h5py 3 variable-length ones.
            f.attrs["model_config"] = np.bytes_(text.encode()) if fixed_length_strings else text
            f.attrs["keras_version"] = "2.3.1" if not fixed_length_strings else np.bytes_(b"2.3.1")
            f.attrs["backend"] = "tensorflow"
            g = f.create_group("model_weights")
            g.attrs["layer_names"] = np.array([l["name"].encode() for l in self.layers])
            for l in self.layers:
                lg = g.create_group(l["name"])
                ws = self.weights[l["name"]]
                names = [f"{l['name']}/{w}:0".encode() for w, _ in ws]
                lg.attrs["weight_names"] = np.array(names) if names else np.array([], dtype=np.float64)
                for w, value in ws:
                    lg.create_dataset(f"{l['name']}/{w}:0", data=value)

    def functional(self, inputs, outputs):
        return {"class_name": "Model", "config": {"name": "model_1", "layers": self.layers,
                                                  "input_layers": [[i, 0, 0] for i in inputs],
                                                  "output_layers": [[o, 0, 0] for o in outputs]}}


def input_layer(m, name, shape):
    return m.layer("InputLayer", name, {"batch_input_shape": [None] + shape, "sparse": False}, inputs=[])


def save_case(name, model, config, inputs, outputs, same_data_as=None, **kw):
    """<name>.h5 and its <name>_input<k>.npy / <name>_output<k>.npy, unless it reuses another case's."""
    OUT.mkdir(parents=True, exist_ok=True)
    model.save(OUT / f"{name}.h5", config, **kw)
    if same_data_as:
        print(name, "(data of", same_data_as + ")")
        return
    for k, x in enumerate(inputs):
        np.save(OUT / f"{name}_input{k}.npy", x.astype(np.float32))
    for k, y in enumerate(outputs):
        np.save(OUT / f"{name}_output{k}.npy", np.asarray(y, dtype=np.float32))
    print(name, [x.shape for x in inputs], "->", [np.asarray(y).shape for y in outputs])


def conv_cfg(filters, k, strides=1, padding="same", activation="linear", use_bias=True, dilation=1):
    return {"filters": filters, "kernel_size": [k, k], "strides": [strides, strides], "padding": padding,
            "data_format": "channels_last", "dilation_rate": [dilation, dilation], "activation": activation,
            "use_bias": use_bias}


# ---------------------------------------------------------------------------------------------------

def conv_family():
    """Conv2D same stride 2 on odd sizes (asymmetric TF padding), dilated and valid convs, transposed
    convs (same, valid, output_padding), depthwise and separable convs."""
    m = Model()
    x = rand(1, 9, 11, 3, scale=1.0)
    input_layer(m, "image", [None, None, 3])
    k1, b1 = rand(3, 3, 3, 4), rand(4)
    m.layer("Conv2D", "conv_s2", conv_cfg(4, 3, 2, "same", "relu"), ["image"], [("kernel", k1), ("bias", b1)])
    y1 = activation_ref(conv_ref(x, k1, b1, [2, 2], "same"), "relu")
    k2 = rand(2, 2, 4, 5)
    m.layer("Conv2D", "conv_dilated", conv_cfg(5, 2, 1, "same", "tanh", use_bias=False, dilation=2), ["conv_s2"], [("kernel", k2)])
    y2 = np.tanh(conv_ref(y1, k2, None, [1, 1], "same", [2, 2]))
    k3, b3 = rand(3, 3, 3, 5), rand(3)  # (kh, kw, out, in)
    m.layer("Conv2DTranspose", "deconv_same", dict(conv_cfg(3, 3, 2, "same", "elu"), output_padding=None), ["conv_dilated"],
            [("kernel", k3), ("bias", b3)])
    y3 = elu(conv_transpose_ref(y2, k3, b3, [2, 2], "same"))
    k4, b4 = rand(2, 2, 2, 3), rand(2)
    m.layer("Conv2DTranspose", "deconv_valid", dict(conv_cfg(2, 2, 3, "valid"), output_padding=None), ["deconv_same"],
            [("kernel", k4), ("bias", b4)])
    y4 = conv_transpose_ref(y3, k4, b4, [3, 3], "valid")
    k5, b5 = rand(3, 3, 2, 2), rand(2)
    m.layer("Conv2DTranspose", "deconv_output_padding", dict(conv_cfg(2, 3, 2, "same"), output_padding=[1, 0]), ["conv_s2"][:0] or ["deconv_valid"],
            [("kernel", k5), ("bias", b5)])
    y5 = conv_transpose_ref(y4, k5, b5, [2, 2], "same", [1, 0])
    dk, db = rand(3, 3, 2, 2), rand(4)  # (kh, kw, in, multiplier)
    m.layer("DepthwiseConv2D", "depthwise", {"kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "depth_multiplier": 2,
                                             "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "linear",
                                             "use_bias": True}, ["deconv_output_padding"], [("depthwise_kernel", dk), ("bias", db)])
    dk_groups = dk.reshape(3, 3, 1, 4)  # group c holds output channels c*2, c*2+1
    y6 = conv_ref(y5, dk_groups, db, [2, 2], "same", groups=2)
    sk, pk, sb = rand(3, 3, 4, 1), rand(1, 1, 4, 3), rand(3)
    m.layer("SeparableConv2D", "separable", dict(conv_cfg(3, 3, 1, "valid", "sigmoid"), depth_multiplier=1),
            ["depthwise"], [("depthwise_kernel", sk), ("pointwise_kernel", pk), ("bias", sb)])
    y7 = sigmoid(conv_ref(conv_ref(y6, sk.reshape(3, 3, 1, 4), None, [1, 1], "valid", groups=4), pk, sb, [1, 1], "valid"))
    save_case("conv_family", m, m.functional(["image"], ["separable"]), [x], [y7])


def pool_resize():
    """Max and average pooling, SAME on odd sizes (average divides by the pixels inside), VALID with
    other strides, nearest and bilinear UpSampling2D."""
    m = Model()
    x = rand(1, 7, 9, 2, scale=1.0)
    input_layer(m, "image", [None, None, 2])
    pool = lambda size, strides, padding: {"pool_size": size, "strides": strides, "padding": padding, "data_format": "channels_last"}
    m.layer("MaxPooling2D", "max_same", pool([3, 3], [2, 2], "same"), ["image"])
    m.layer("AveragePooling2D", "avg_same", pool([2, 3], [2, 2], "same"), ["image"])
    m.layer("AveragePooling2D", "avg_valid", pool([2, 2], None, "valid"), ["image"])
    m.layer("UpSampling2D", "up_nearest", {"size": [2, 3], "data_format": "channels_last", "interpolation": "nearest"}, ["max_same"])
    m.layer("UpSampling2D", "up_bilinear", {"size": [2, 2], "data_format": "channels_last", "interpolation": "bilinear"}, ["avg_valid"])
    ys = [pool_ref(x, [3, 3], [2, 2], "same", "max"), pool_ref(x, [2, 3], [2, 2], "same", "avg"),
          pool_ref(x, [2, 2], [2, 2], "valid", "avg")]
    ys += [upsample_nearest(ys[0], [2, 3]), upsample_bilinear_tf1(ys[2], [2, 2])]
    save_case("pool_resize", m, m.functional(["image"], ["avg_same", "up_nearest", "up_bilinear"]), [x], [ys[1], ys[3], ys[4]])


def merge_norm_activations():
    """Two inputs; Concatenate (axis -1 and 3), the merge layers, BatchNormalization (center off),
    activation layers and activation functions."""
    m = Model()
    a, b = rand(1, 5, 6, 3, scale=2.0), rand(1, 5, 6, 3, scale=2.0)
    input_layer(m, "a", [None, None, 3])
    input_layer(m, "b", [None, None, 3])
    ys = {}
    m.layer("Concatenate", "cat", {"axis": -1}, ["a", "b"]); ys["cat"] = np.concatenate([a, b], -1)
    m.layer("Concatenate", "cat3", {"axis": 3}, ["cat", "a"]); ys["cat3"] = np.concatenate([ys["cat"], a], -1)
    m.layer("Add", "add", {}, ["a", "b", "a"]); ys["add"] = a + b + a
    m.layer("Subtract", "sub", {}, ["a", "b"]); ys["sub"] = a - b
    m.layer("Multiply", "mul", {}, ["a", "b"]); ys["mul"] = a * b
    m.layer("Average", "avg", {}, ["a", "b"]); ys["avg"] = (a + b) / 2
    m.layer("Maximum", "max", {}, ["a", "b"]); ys["max"] = np.maximum(a, b)
    m.layer("Minimum", "min", {}, ["a", "b"]); ys["min"] = np.minimum(a, b)
    gamma, mean, var = rand(9) + 1, rand(9), rand(9) + 1
    m.layer("BatchNormalization", "bn", {"axis": -1, "momentum": 0.99, "epsilon": 0.01, "center": False, "scale": True},
            ["cat3"], [("gamma", gamma), ("moving_mean", mean), ("moving_variance", var)])
    ys["bn"] = (ys["cat3"] - mean) / np.sqrt(var + 0.01) * gamma
    m.layer("ReLU", "relu6", {"max_value": 1.5, "negative_slope": 0.1, "threshold": 0.5}, ["add"])
    s = ys["add"]; ys["relu6"] = np.minimum(np.where(s >= 0.5, s, 0.1 * (s - 0.5)), 1.5)
    m.layer("ReLU", "relu_plain", {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}, ["sub"]); ys["relu_plain"] = np.maximum(ys["sub"], 0)
    m.layer("LeakyReLU", "leaky", {"alpha": 0.2}, ["sub"]); ys["leaky"] = np.where(ys["sub"] > 0, ys["sub"], 0.2 * ys["sub"])
    m.layer("ELU", "elu", {"alpha": 0.7}, ["sub"]); ys["elu"] = elu(ys["sub"], 0.7)
    m.layer("ThresholdedReLU", "thresholded", {"theta": 0.3}, ["sub"]); ys["thresholded"] = np.where(ys["sub"] > 0.3, ys["sub"], 0)
    alpha = rand(1, 1, 3)
    m.layer("PReLU", "prelu", {"shared_axes": [1, 2]}, ["sub"], [("alpha", alpha)]); ys["prelu"] = np.where(ys["sub"] > 0, ys["sub"], alpha * ys["sub"])
    m.layer("Softmax", "softmax", {"axis": -1}, ["mul"]); ys["softmax"] = activation_ref(ys["mul"], "softmax")
    for act in ["selu", "hard_sigmoid", "swish", "softmax", "elu", "sigmoid", "softplus", "softsign"]:
        m.layer("Activation", "act_" + act, {"activation": act}, ["avg"]); ys["act_" + act] = activation_ref(ys["avg"], act)
    m.layer("Dropout", "dropout", {"rate": 0.5}, ["max"]); ys["dropout"] = ys["max"]
    m.layer("GaussianNoise", "noise", {"stddev": 1.0}, ["min"]); ys["noise"] = ys["min"]
    outputs = ["bn", "relu6", "relu_plain", "leaky", "elu", "thresholded", "prelu", "softmax", "act_selu", "act_hard_sigmoid",
               "act_swish", "act_softmax", "act_elu", "act_sigmoid", "dropout", "noise", "act_softplus", "act_softsign"]
    save_case("merge_norm_activations", m, m.functional(["a", "b"], outputs), [a, b], [ys[o] for o in outputs],
              fixed_length_strings=True)
    # The same model as Keras 3 writes its config: class "Functional", each call {"args": [...], "kwargs": {}}
    # with {"keras_history": [layer, call, index]} tensors (a list of them for merge layers).
    def keras3_tensor(ref):
        return {"class_name": "__keras_tensor__", "config": {"dtype": "float32", "keras_history": ref[:3]}}
    for l in m.layers:
        calls = l.get("inbound_nodes", [])
        l["inbound_nodes"] = [{"args": [keras3_tensor(c[0])] if len(c) == 1 else [[keras3_tensor(r) for r in c]], "kwargs": {}}
                              for c in calls]
    config = m.functional(["a", "b"], outputs)
    config["class_name"] = "Functional"
    save_case("merge_norm_activations_keras3_config", m, config, [a, b], [ys[o] for o in outputs],
              same_data_as="merge_norm_activations")


def geometry_sequential():
    """Keras 2.2+ Sequential without InputLayer (batch_input_shape on the first layer): Cropping2D,
    ZeroPadding2D, Permute, Reshape, Flatten and Dense act on channels-last order."""
    m = Model()
    x = rand(1, 6, 7, 2, scale=1.0)
    m.layer("Cropping2D", "crop", {"cropping": [[1, 0], [2, 1]], "data_format": "channels_last", "batch_input_shape": [None, 6, 7, 2]})
    y = x[:, 1:, 2:-1, :]
    m.layer("ZeroPadding2D", "pad", {"padding": [[0, 2], [1, 1]], "data_format": "channels_last"})
    y = np.pad(y, [(0, 0), (0, 2), (1, 1), (0, 0)])
    m.layer("Permute", "permute", {"dims": [2, 1, 3]})
    y = y.transpose(0, 2, 1, 3)
    m.layer("Reshape", "reshape", {"target_shape": [6, -1, 2]})
    y = y.reshape(1, 6, -1, 2)
    k, b = rand(2, 3), rand(3)
    m.layer("Dense", "dense_pixels", {"units": 3, "activation": "relu", "use_bias": True}, None, [("kernel", k), ("bias", b)])
    y = np.maximum(y @ k + b, 0)
    m.layer("Flatten", "flatten", {"data_format": "channels_last"})
    y = y.reshape(1, -1)
    k2, b2 = rand(y.shape[1], 4), rand(4)
    m.layer("Dense", "dense", {"units": 4, "activation": "softmax", "use_bias": True}, None, [("kernel", k2), ("bias", b2)])
    y = activation_ref(y @ k2 + b2, "softmax")
    for l in m.layers:
        l.pop("inbound_nodes", None)
    save_case("geometry_sequential", m, {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": m.layers}}, [x], [y])
    # Keras 2.0-2.1 wrote a Sequential config as the bare list of layers.
    save_case("geometry_sequential_keras20_config", m, {"class_name": "Sequential", "config": m.layers}, [x], [y],
              same_data_as="geometry_sequential")


def volumes_3d():
    """Conv3D (SAME, stride 2), MaxPooling3D, AveragePooling3D, UpSampling3D, Cropping3D, ZeroPadding3D."""
    m = Model()
    x = rand(1, 5, 6, 7, 2, scale=1.0)
    input_layer(m, "volume", [None, None, None, 2])
    k, b = rand(3, 3, 3, 2, 3), rand(3)
    m.layer("Conv3D", "conv3d", {"filters": 3, "kernel_size": [3, 3, 3], "strides": [2, 2, 2], "padding": "same",
                                 "data_format": "channels_last", "dilation_rate": [1, 1, 1], "activation": "relu",
                                 "use_bias": True}, ["volume"], [("kernel", k), ("bias", b)])
    y = np.maximum(conv_ref(x, k, b, [2, 2, 2], "same"), 0)
    m.layer("UpSampling3D", "up3d", {"size": [2, 2, 2], "data_format": "channels_last"}, ["conv3d"])
    y = upsample_nearest(y, [2, 2, 2])
    m.layer("Cropping3D", "crop3d", {"cropping": [[1, 0], [0, 1], [1, 1]], "data_format": "channels_last"}, ["up3d"])
    y = y[:, 1:, :-1, 1:-1]
    m.layer("ZeroPadding3D", "pad3d", {"padding": [[1, 1], [0, 1], [2, 0]], "data_format": "channels_last"}, ["crop3d"])
    y = np.pad(y, [(0, 0), (1, 1), (0, 1), (2, 0), (0, 0)])
    m.layer("MaxPooling3D", "max3d", {"pool_size": [2, 2, 2], "strides": [2, 2, 2], "padding": "same", "data_format": "channels_last"}, ["pad3d"])
    y_max = pool_ref(y, [2, 2, 2], [2, 2, 2], "same", "max")
    m.layer("AveragePooling3D", "avg3d", {"pool_size": [3, 3, 3], "strides": [2, 2, 2], "padding": "same", "data_format": "channels_last"}, ["pad3d"])
    y_avg = pool_ref(y, [3, 3, 3], [2, 2, 2], "same", "avg")
    save_case("volumes_3d", m, m.functional(["volume"], ["max3d", "avg3d"]), [x], [y_max, y_avg])


def bad_files():
    """Files the importer refuses: no model_config, a missing weight, an unknown layer class, a Lambda."""
    OUT.mkdir(parents=True, exist_ok=True)
    with h5py.File(OUT / "bad_no_model_config.h5", "w") as f:
        f.create_group("model_weights").attrs["layer_names"] = np.array([b"conv"])
    m = Model()
    input_layer(m, "image", [None, None, 1])
    m.layer("Conv2D", "conv", conv_cfg(2, 3), ["image"], [("kernel", rand(3, 3, 1, 2))])  # use_bias but no bias
    m.save(OUT / "bad_missing_bias.h5", m.functional(["image"], ["conv"]))
    m = Model()
    input_layer(m, "image", [None, None, 1])
    m.layer("FancyAttention", "attention", {}, ["image"])
    m.save(OUT / "bad_unknown_layer.h5", m.functional(["image"], ["attention"]))
    m = Model()
    input_layer(m, "image", [None, None, 1])
    m.layer("Lambda", "normalize", {"function": ["e30100", None, None], "function_type": "lambda", "arguments": {}}, ["image"])
    m.save(OUT / "lambda_min_max.h5", m.functional(["image"], ["normalize"]))
    x = rand(2, 4, 5, 1, scale=3.0)
    np.save(OUT / "lambda_min_max_input0.npy", x)
    lo, hi = x.min(axis=(1, 2, 3), keepdims=True), x.max(axis=(1, 2, 3), keepdims=True)
    np.save(OUT / "lambda_min_max_output0.npy", ((x - lo) / (hi - lo)).astype(np.float32))


if __name__ == "__main__":
    torch.manual_seed(0)
    conv_family()
    pool_resize()
    merge_norm_activations()
    geometry_sequential()
    volumes_3d()
    bad_files()
