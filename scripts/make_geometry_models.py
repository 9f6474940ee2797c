#!/usr/bin/python3
"""Write the geometry test bundles in tests/data/models/geometry/.

    /usr/bin/python3 scripts/make_geometry_models.py [--out tests/data/models/geometry]

Every shape rule the bioimage.io spec allows, each in a tiny bundle whose network computes something
a test can recompute with a naive loop: the 3x3 box mean of the input (zero padding inside the
network; the declared halo covers it), then a per-bundle change of geometry:

  channels_{first,last}_{fixed,param}_{1,2,33}   output channel k = box * (k + 1) + k, axes bcyx or
                                                 byxc (the network permutes, so its output is not
                                                 contiguous); fixed bundles are rdf 0.4 (output channel
                                                 size = scale 0 + 2 * offset), param bundles rdf 0.5
  superres2x_{v04,v05}        nearest 2x upsampling of the box mean: output scale 2 (0.4) / axis scale 0.5 (0.5)
  downsample2x_v05            2x2 average pooling of the box mean: output axis scale 2
  crop16_{v04,v05}            the box mean cropped by 8 pixels on every side (offset -16 in total)
  expand_null_v04             input byx, output bcyx with scale null on c: channel 0 the box mean,
                              channel 1 the input (0.4 expands c to 2 * offset = 2)
  uint8_out_v05               the box mean with output data type uint8 and no ensure_dtype op
  score_v05                   a score per image (axes b, c: the mean and the maximum of the input), an
                              output without spatial axes

Needs Debian's python3-torch and python3-numpy. Deterministic (fixed seed). Test tensors come from
running the saved TorchScript on the test input, as bioimage.io's own packaging does.
"""
import argparse
import hashlib
import os

import numpy as np
import torch
import torch.nn.functional as F

SEED = 8008
PYTORCH_VERSION = "1.13.1"
TIMESTAMP = "2026-01-01T00:00:00Z"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXED = 24                 # fixed-size bundles: 24 x 24
PARAM_MIN, PARAM_STEP = 16, 8
PARAM_TEST = (16, 24)      # test input of parameterised bundles (y, x)


def box(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=True)


class Channels(torch.nn.Module):
    def __init__(self, n: int, channel_last: bool):
        super().__init__()
        self.channel_last = channel_last
        self.register_buffer("gain", torch.arange(1, n + 1, dtype=torch.float32).view(1, n, 1, 1))
        self.register_buffer("bias", torch.arange(0, n, dtype=torch.float32).view(1, n, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channel_last:
            x = x.permute(0, 3, 1, 2)
        y = box(x) * self.gain + self.bias
        if self.channel_last:
            y = y.permute(0, 2, 3, 1)
        return y


class SuperRes(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(box(x), scale_factor=2.0, mode="nearest")


class Downsample(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(box(x), 2)


class Crop(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return box(x)[:, :, 8:-8, 8:-8]


class ExpandChannel(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.unsqueeze(1)
        return torch.cat([box(x), x], dim=1)


class Score(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)


class Box(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return box(x)


from typing import Optional, Tuple  # noqa: E402 (here, below the other modules: see optional_input_bundle)


class OptionalExtra(torch.nn.Module):
    def forward(self, x: torch.Tensor, extra: Optional[torch.Tensor] = None) -> torch.Tensor:
        y = box(x)
        if extra is not None:
            y = y + extra
        return y


class BoxPair(torch.nn.Module):
    def forward(self, x: torch.Tensor, half: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return box(x), box(half)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def header(name, description, version):
    return f"""# bioimage.io model description, written by scripts/make_geometry_models.py
# A TEST FIXTURE: a 3x3 box mean and a change of geometry, recomputable by a naive loop.
type: model
format_version: {version}
name: {name}
description: {description}
authors:
  - name: deepimage developers
cite:
  - text: "deepimage test fixture (no publication)"
    url: https://bioimage.io
license: MIT
documentation: README.md
tags: [pytorch, 2d, test-fixture, deepimage]
timestamp: "{TIMESTAMP}"
"""


# Weights and tolerance, the same in both rdf versions.
TRAILER = f"""weights:
  torchscript:
    source: weights.pt
    sha256: @sha_weights@
    pytorch_version: "{PYTORCH_VERSION}"
config:
  bioimageio:
    reproducibility_tolerance:
      - relative_tolerance: 0.0001
        absolute_tolerance: 0.0001
        mismatched_elements_per_million: 0
"""


def v05_space(axis_id, size, halo=0, scale=None):
    text = f"      - type: space\n        id: {axis_id}\n        size: {size}\n"
    if halo:
        text += f"        halo: {halo}\n"
    if scale is not None:
        text += f"        scale: {scale}\n"
    return text


def v05_rdf(name, description, in_axes, out_axes, out_type="float32"):
    return header(name, description, "0.5.4") + f"""inputs:
  - id: raw
    axes:
{in_axes}    data:
      type: float32
    test_tensor:
      source: test_input.npy
      sha256: @sha_in@
outputs:
  - id: out
    axes:
{out_axes}    data:
      type: {out_type}
    test_tensor:
      source: test_output.npy
      sha256: @sha_out@
"""  + TRAILER


def v04_rdf(name, description, in_axes, in_shape, out_axes, out_shape, out_halo):
    return header(name, description, "0.4.10") + f"""inputs:
  - name: raw
    axes: {in_axes}
    data_type: float32
    shape: {in_shape}
outputs:
  - name: out
    axes: {out_axes}
    data_type: float32
    shape: {out_shape}
    halo: {out_halo}
test_inputs: [test_input.npy]
test_outputs: [test_output.npy]
"""  + TRAILER


def write_bundle(out, module, rdf, test_input, dtype=np.float32, preprocess=lambda x: x):
    os.makedirs(out, exist_ok=True)
    scripted = torch.jit.script(module.eval())
    scripted.save(os.path.join(out, "weights.pt"))
    with torch.no_grad():
        net_input = torch.from_numpy(np.ascontiguousarray(preprocess(test_input)))
        y = torch.jit.load(os.path.join(out, "weights.pt"))(net_input).contiguous().numpy()
    if dtype == np.uint8:
        y = np.clip(np.rint(y), 0, 255)  # the rounding and saturation of deepimage's ensure_dtype (docs/ops.md)
    np.save(os.path.join(out, "test_input.npy"), test_input)
    np.save(os.path.join(out, "test_output.npy"), y.astype(dtype))
    finish_bundle(out, rdf, " (see its docstring):\nthe 3x3 box mean of the input and one change of geometry")
    print(f"{out}: test input {test_input.shape} -> output {y.shape}")


def finish_bundle(out, rdf, what):
    """Writes rdf.yaml with the sha256 of the test input, test output and weights filled in, and the
    README saying what the bundle computes (`what`, after the script's name)."""
    for key, f in (("sha_in", "test_input.npy"), ("sha_out", "test_output.npy"), ("sha_weights", "weights.pt")):
        rdf = rdf.replace(f"@{key}@", sha256(os.path.join(out, f)))
    with open(os.path.join(out, "rdf.yaml"), "w") as f:
        f.write(rdf)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(f"# {os.path.basename(out)}\n\nA geometry test fixture written by `scripts/make_geometry_models.py`"
                f"{what}. Not a trained model.\n")


def image(rng, shape):
    return rng.uniform(0, 255, size=shape).astype(np.float32)


def channel_bundles(root, rng):
    for last in (False, True):
        for fixed in (True, False):
            for n in (1, 2, 33):
                name = f"channels_{'last' if last else 'first'}_{'fixed' if fixed else 'param'}_{n}"
                yx = (FIXED, FIXED) if fixed else PARAM_TEST
                shape = (1,) + yx + (1,) if last else (1, 1) + yx
                desc = f"{n} output channels (k = box * (k + 1) + k), {'channel-last' if last else 'channel-first'}"
                if fixed:  # rdf 0.4, output sized by reference: c = 0 * c_in + 2 * (n / 2)
                    axes = "byxc" if last else "bcyx"
                    in_shape = [1, FIXED, FIXED, 1] if last else [1, 1, FIXED, FIXED]
                    scale = [1, 1, 1, 0] if last else [1, 0, 1, 1]
                    offset = [0, 0, 0, n / 2] if last else [0, n / 2, 0, 0]
                    halo = [0, 1, 1, 0] if last else [0, 0, 1, 1]
                    rdf = v04_rdf(name, desc, axes, in_shape, axes,
                                  f"{{reference_tensor: raw, scale: {scale}, offset: {offset}}}", halo)
                else:
                    rule = f"{{min: {PARAM_MIN}, step: {PARAM_STEP}}}"
                    in_c = "      - type: channel\n        channel_names: [raw]\n"
                    names = ", ".join(f"c{k}" for k in range(n))
                    out_c = f"      - type: channel\n        channel_names: [{names}]\n"
                    in_yx = v05_space("y", rule) + v05_space("x", rule)
                    out_yx = "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=1) for a in "yx")
                    b = "      - type: batch\n"
                    rdf = v05_rdf(name, desc, b + (in_yx + in_c if last else in_c + in_yx),
                                  b + (out_yx + out_c if last else out_c + out_yx))
                write_bundle(os.path.join(root, name), Channels(n, last), rdf, image(rng, shape))


def scaled_bundles(root, rng):
    b = "      - type: batch\n"
    c = "      - type: channel\n        channel_names: [raw]\n"
    rule = f"{{min: {PARAM_MIN}, step: {PARAM_STEP}}}"
    in_yx = v05_space("y", rule, scale=1.0) + v05_space("x", rule, scale=1.0)
    test = image(rng, (1, 1) + PARAM_TEST)

    out = "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=2, scale=0.5) for a in "yx")
    write_bundle(os.path.join(root, "superres2x_v05"), SuperRes(),
                 v05_rdf("superres2x_v05", "nearest 2x upsampling of the box mean", b + c + in_yx, b + c + out), test)
    write_bundle(os.path.join(root, "superres2x_v04"), SuperRes(),
                 v04_rdf("superres2x_v04", "nearest 2x upsampling of the box mean", "bcyx",
                         f"{{min: [1, 1, {PARAM_MIN}, {PARAM_MIN}], step: [0, 0, {PARAM_STEP}, {PARAM_STEP}]}}", "bcyx",
                         "{reference_tensor: raw, scale: [1, 1, 2, 2], offset: [0, 0, 0, 0]}", [0, 0, 2, 2]), test)

    out = "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=1, scale=2.0) for a in "yx")
    write_bundle(os.path.join(root, "downsample2x_v05"), Downsample(),
                 v05_rdf("downsample2x_v05", "2x2 average pooling of the box mean", b + c + in_yx, b + c + out), test)

    crop_rule = "{min: 24, step: 8}"
    crop_in = v05_space("y", crop_rule) + v05_space("x", crop_rule)
    crop_test = image(rng, (1, 1, 32, 40))
    out = "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}, offset: -16}}") for a in "yx")
    write_bundle(os.path.join(root, "crop16_v05"), Crop(),
                 v05_rdf("crop16_v05", "the box mean cropped by 8 pixels per side", b + c + crop_in, b + c + out), crop_test)
    write_bundle(os.path.join(root, "crop16_v04"), Crop(),
                 v04_rdf("crop16_v04", "the box mean cropped by 8 pixels per side", "bcyx",
                         "{min: [1, 1, 24, 24], step: [0, 0, 8, 8]}", "bcyx",
                         "{reference_tensor: raw, scale: [1, 1, 1, 1], offset: [0, 0, -8, -8]}", [0, 0, 0, 0]), crop_test)

    write_bundle(os.path.join(root, "expand_null_v04"), ExpandChannel(),
                 v04_rdf("expand_null_v04", "channel 0 the box mean, channel 1 the input", "byx",
                         f"{{min: [1, {PARAM_MIN}, {PARAM_MIN}], step: [0, {PARAM_STEP}, {PARAM_STEP}]}}", "bcyx",
                         "{reference_tensor: raw, scale: [1, null, 1, 1], offset: [0, 1, 0, 0]}", [0, 0, 1, 1]),
                 image(rng, (1,) + PARAM_TEST))

    out = "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=1) for a in "yx")
    write_bundle(os.path.join(root, "uint8_out_v05"), Box(),
                 v05_rdf("uint8_out_v05", "the box mean, written as uint8 (data.type, no op)",
                         b + c + v05_space("y", rule) + v05_space("x", rule), b + c + out, out_type="uint8"),
                 test, dtype=np.uint8)

    write_bundle(os.path.join(root, "score_v05"), Score(),
                 v05_rdf("score_v05", "the mean and the maximum of the image, one score each",
                         b + c + v05_space("y", rule) + v05_space("x", rule),
                         b + "      - type: channel\n        channel_names: [mean, max]\n"), test)

    # index_v05: the score bundle with an index axis instead of a channel axis (b, i: the mean and the
    # maximum): an output without spatial axes that is a list, not channels.
    write_bundle(os.path.join(root, "index_v05"), Score(),
                 v05_rdf("index_v05", "the mean and the maximum of the image along an index axis",
                         b + c + v05_space("y", rule) + v05_space("x", rule),
                         b + "      - type: index\n        size: 2\n"), test)

    # named_axes_v05: the box mean with axis ids of its own (channel "ch", space "row", "col"), referenced
    # by the output's sizes and by zero_mean_unit_variance's axes. deepimage maps them to letters by type
    # and order (the last space axis is x). (Described here, not in the docstring above: lines added
    # there would move the modules' source lines, which TorchScript records, and change every weights.pt.)
    named_c = "      - type: channel\n        id: ch\n        channel_names: [raw]\n"
    named_in = b + named_c + v05_space("row", rule) + v05_space("col", rule)
    named_out = b + named_c + "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=1) for a in ("row", "col"))
    named_rdf = v05_rdf("named_axes_v05", "the box mean of the normalised input, with axis ids row, col and ch",
                        named_in, named_out)
    named_rdf = named_rdf.replace("      type: float32\n    test_tensor:\n      source: test_input.npy",
                                  "      type: float32\n    preprocessing:\n      - id: zero_mean_unit_variance\n"
                                  "        kwargs: {axes: [row, col], eps: 1.0e-06}\n    test_tensor:\n      source: test_input.npy", 1)
    write_bundle(os.path.join(root, "named_axes_v05"), Box(), named_rdf, image(rng, (1, 1) + PARAM_TEST),
                 preprocess=lambda x: (x - x.mean(axis=(2, 3), keepdims=True)) / (x.std(axis=(2, 3), keepdims=True) + 1e-6))


def optional_input_bundle(root, rng):
    """optional_input_v05: the box mean plus an optional second input `extra` (rdf 0.5 `optional: true`)
    when given. Its module and import sit below the others: lines added above them would move the
    modules' source lines, which TorchScript records, and change every other weights.pt."""
    out = os.path.join(root, "optional_input_v05")
    os.makedirs(out, exist_ok=True)
    torch.jit.script(OptionalExtra().eval()).save(os.path.join(out, "weights.pt"))
    x = image(rng, (1, 1) + PARAM_TEST)
    extra = image(rng, (1, 1) + PARAM_TEST)
    with torch.no_grad():
        y = torch.jit.load(os.path.join(out, "weights.pt"))(torch.from_numpy(x), torch.from_numpy(extra)).numpy()
    np.save(os.path.join(out, "test_input.npy"), x)
    np.save(os.path.join(out, "test_extra.npy"), extra)
    np.save(os.path.join(out, "test_output.npy"), y.astype(np.float32))
    rule = f"{{min: {PARAM_MIN}, step: {PARAM_STEP}}}"
    b = "      - type: batch\n"
    c = "      - type: channel\n        channel_names: [raw]\n"
    yx = v05_space("y", rule) + v05_space("x", rule)
    rdf = v05_rdf("optional_input_v05", "the box mean, plus the optional input extra when given", b + c + yx,
                  b + c + "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=1) for a in "yx"))
    extra_input = (f"  - id: extra\n    optional: true\n    axes:\n{b + c + yx}    data:\n      type: float32\n"
                   f"    test_tensor:\n      source: test_extra.npy\n      sha256: {sha256(os.path.join(out, 'test_extra.npy'))}\n")
    finish_bundle(out, rdf.replace("outputs:\n", extra_input + "outputs:\n", 1),
                  ": the 3x3 box mean of the input,\nplus the optional second input when given")
    print(f"{out}: test inputs {x.shape}, {extra.shape} -> output {y.shape}")


def half_input_bundle(root, rng):
    """half_input_v05: two inputs, the second sized after the first at half its size (0.5 axis scales:
    {tensor_id: raw, axis_id: y} with scale 2 against 1), and the box mean of each, each output sized
    after its own input. Tiles of the second input are the first's halved."""
    out = os.path.join(root, "half_input_v05")
    os.makedirs(out, exist_ok=True)
    torch.jit.script(BoxPair().eval()).save(os.path.join(out, "weights.pt"))
    x = image(rng, (1, 1, 32, 48))
    half = image(rng, (1, 1, 16, 24))
    with torch.no_grad():
        y, y_half = torch.jit.load(os.path.join(out, "weights.pt"))(torch.from_numpy(x), torch.from_numpy(half))
    np.save(os.path.join(out, "test_input.npy"), x)
    np.save(os.path.join(out, "test_half.npy"), half)
    np.save(os.path.join(out, "test_output.npy"), y.numpy().astype(np.float32))
    np.save(os.path.join(out, "test_output_half.npy"), y_half.numpy().astype(np.float32))
    rule = f"{{min: {PARAM_MIN}, step: {PARAM_STEP}}}"
    b = "      - type: batch\n"
    c = "      - type: channel\n        channel_names: [raw]\n"
    raw_yx = v05_space("y", rule, scale=1.0) + v05_space("x", rule, scale=1.0)
    half_yx = "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", scale=2.0) for a in "yx")
    rdf = v05_rdf("half_input_v05", "the box mean of each of two inputs, the second at half the first's size", b + c + raw_yx,
                  b + c + "".join(v05_space(a, f"{{tensor_id: raw, axis_id: {a}}}", halo=1, scale=1.0) for a in "yx"))
    half_input = (f"  - id: half\n    axes:\n{b + c + half_yx}    data:\n      type: float32\n"
                  f"    test_tensor:\n      source: test_half.npy\n      sha256: {sha256(os.path.join(out, 'test_half.npy'))}\n")
    half_output = (f"  - id: out_half\n    axes:\n{b + c}" +
                   "".join(v05_space(a, f"{{tensor_id: half, axis_id: {a}}}", halo=1, scale=2.0) for a in "yx") +
                   f"    data:\n      type: float32\n    test_tensor:\n      source: test_output_half.npy\n"
                   f"      sha256: {sha256(os.path.join(out, 'test_output_half.npy'))}\n")
    finish_bundle(out, rdf.replace("outputs:\n", half_input + "outputs:\n", 1).replace("weights:\n", half_output + "weights:\n", 1),
                  ": the 3x3 box mean of each of\ntwo inputs, the second at half the first's size")
    print(f"{out}: test inputs {x.shape}, {half.shape} -> outputs {y.shape}, {y_half.shape}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "tests", "data", "models", "geometry"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    channel_bundles(args.out, rng)
    scaled_bundles(args.out, rng)
    optional_input_bundle(args.out, rng)
    half_input_bundle(args.out, rng)


if __name__ == "__main__":
    main()
