#!/usr/bin/python3
"""Write the tiny test-fixture models in tests/data/models/.

    /usr/bin/python3 scripts/make_test_models.py [--out tests/data/models]

Needs only Debian's python3-torch (1.13) and python3-numpy. Deterministic (fixed seed).

laplace2d_tiny/ is a fixed 3x3 Laplacian edge filter (4 x centre - the 4 neighbours, clipped to 0..255)
as a 2D bioimage.io 0.5.4 bundle with uint8 output: the cheapest real model, for tests that push a
lot of pixels through the runtime (memory bounds on large stacks). Integer weights keep every output
exact, so its uint8 test output does not depend on how a runtime rounds.

unet3d_tiny/ is a bioimage.io 0.5.4 bundle of a tiny 3D U-Net with RANDOM (fixed-seed) weights.
It is a test fixture, not a trained model: its output means nothing; it exists to exercise the
3D path of the runtime (3D axes, normalisation over z/y/x, the tile planner on three axes).
Its halo is the network's exact receptive-field radius, so tiled and whole-volume runs must agree.
"""
import argparse
import hashlib
import itertools
import os

import numpy as np
import torch
import torch.nn as nn

import receptive_field as rf

SEED = 3303
FEATURES = (4, 8, 8)          # level 0, level 1, bottom
DOWNSAMPLING = 4              # two 2x2x2 max-pools
PYTORCH_VERSION = "1.13.1"    # Debian's python3-torch 1.13.1 (reports itself as 1.13.0a0)
TIMESTAMP = "2026-01-01T00:00:00Z"  # fixed so that rerunning the script gives the same rdf.yaml
EPS = 1e-6                    # bioimage.io zero_mean_unit_variance default, written explicitly
TEST_SHAPE = (1, 1, 28, 28, 28)     # the smallest valid input (min size on every axis) keeps the folder small

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ----------------------------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------------------------
def conv(cin, cout):
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), nn.ReLU())


class UNet3dTiny(nn.Module):
    """enc0 -> pool -> enc1 -> pool -> bottom -> up, cat(enc1) -> dec1 -> up, cat(enc0) -> 1x1 head.
    One 3x3x3 convolution per block keeps the receptive field (and so the halo and the smallest
    input) small; nearest upsampling, so every runtime computes it the same."""

    def __init__(self, f=FEATURES):
        super().__init__()
        self.enc0 = conv(1, f[0])
        self.enc1 = conv(f[0], f[1])
        self.bottom = conv(f[1], f[2])
        self.dec1 = conv(f[2] + f[1], f[1])
        self.head = nn.Conv3d(f[1] + f[0], 1, 1)
        self.pool = nn.MaxPool3d(2)
        self.up = nn.Upsample(scale_factor=2.0, mode="nearest")

    def forward(self, x):
        s0 = self.enc0(x)
        s1 = self.enc1(self.pool(s0))
        b = self.bottom(self.pool(s1))
        d1 = self.dec1(torch.cat([self.up(b), s1], dim=1))
        return self.head(torch.cat([self.up(d1), s0], dim=1))


# ----------------------------------------------------------------------------------------------
# receptive field
# ----------------------------------------------------------------------------------------------
def receptive_field_extent(length=128):
    """Exact dependency interval of every output position along one axis (receptive_field.py).

    Every layer acts on each spatial axis the same way (cubic kernels, cubic pooling windows), so
    one 1D propagation gives the extent on z, y and x alike; the 1x1 head adds nothing.
    """
    x = rf.positions(length)
    s0 = rf.conv3(x)
    s1 = rf.conv3(rf.pool(s0))
    b = rf.conv3(rf.pool(s1))
    d1 = rf.conv3(rf.cat(rf.up(b), s1))
    return rf.worst_extent(rf.cat(rf.up(d1), s0))


def gradient_support_extent(length=48):
    """Independent 3D check of receptive_field_extent(): the input support of d(output)/d(input),
    per axis, for a copy whose weights are all positive (every ReLU active, no path cancels) and
    with average pooling in place of max-pooling (same windows, the gradient reaches every
    element), at every one of the 4x4x4 pooling phases."""
    net = UNet3dTiny()
    net.pool = nn.AvgPool3d(2)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.full_like(p, 0.05))
    left = [0, 0, 0]
    right = [0, 0, 0]
    centre = length // 2
    for phase in itertools.product(range(DOWNSAMPLING), repeat=3):
        x = torch.zeros(1, 1, length, length, length, requires_grad=True)
        pos = [centre + p for p in phase]
        net(x)[0, 0, pos[0], pos[1], pos[2]].backward()
        support = x.grad[0, 0].abs() > 0
        for axis in range(3):
            others = tuple(a for a in range(3) if a != axis)
            idx = torch.nonzero(support.any(dim=others[1]).any(dim=others[0])).flatten()
            left[axis] = max(left[axis], pos[axis] - int(idx.min()))
            right[axis] = max(right[axis], int(idx.max()) - pos[axis])
    return left, right


# ----------------------------------------------------------------------------------------------
# bundle
# ----------------------------------------------------------------------------------------------
def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_input(rng):
    """A smooth fixed-seed pattern plus noise, in a camera-like range so normalisation matters."""
    z, y, x = np.meshgrid(*[np.arange(n, dtype=np.float64) for n in TEST_SHAPE[2:]], indexing="ij")
    smooth = np.sin(z / 3.1) * np.cos(y / 4.3) + 0.5 * np.sin((x + y) / 5.7)
    vol = 400.0 + 120.0 * smooth + 15.0 * rng.standard_normal(TEST_SHAPE[2:])
    return vol.astype(np.float32).reshape(TEST_SHAPE)


def zero_mean_unit_variance(a):
    """bioimage.io zero_mean_unit_variance over z, y, x (per sample, per channel): population std."""
    a64 = a.astype(np.float64)
    mean = a64.mean(axis=(2, 3, 4), keepdims=True)
    std = a64.std(axis=(2, 3, 4), keepdims=True)
    return ((a64 - mean) / (std + EPS)).astype(np.float32)


def space_axis(axis_id, size_yaml, halo=None):
    text = f"      - type: space\n        id: {axis_id}\n        size: {size_yaml}\n"
    if halo is not None:
        text += f"        halo: {halo}\n"
    return text


def rdf_yaml(min_size, halo, sha):
    inputs_space = "".join(space_axis(a, f"{{min: {min_size}, step: {DOWNSAMPLING}}}") for a in "zyx")
    outputs_space = "".join(space_axis(a, f"{{tensor_id: raw, axis_id: {a}}}", halo) for a in "zyx")
    return f"""# bioimage.io model description, written by scripts/make_test_models.py
# A TEST FIXTURE with random (fixed-seed) weights: its output means nothing.
type: model
format_version: 0.5.4
name: deepimage tiny 3D U-Net test fixture
description: Tiny 3D U-Net with random fixed-seed weights (not trained), to test the 3D path of a
  runtime (axes z/y/x, normalisation, tiling on three axes). Halo = exact receptive-field radius.
authors:
  - name: deepimage developers
cite:
  - text: "Cicek, Abdulkadir, Lienkamp, Brox, Ronneberger. 3D U-Net: Learning Dense Volumetric Segmentation from Sparse Annotation. MICCAI 2016."
    doi: 10.1007/978-3-319-46723-8_49
license: MIT
documentation: README.md
tags: [unet3d, pytorch, 3d, test-fixture, deepimage]
timestamp: "{TIMESTAMP}"
inputs:
  - id: raw
    description: one channel, any intensity range (normalised per sample over z, y, x)
    axes:
      - type: batch
      - type: channel
        channel_names: [raw]
{inputs_space}    data:
      type: float32
    test_tensor:
      source: test_input.npy
      sha256: {sha['test_input.npy']}
    preprocessing:
      - id: zero_mean_unit_variance
        kwargs:
          axes: [z, y, x]
          eps: {EPS}
outputs:
  - id: out
    description: one channel, meaningless values (random weights)
    axes:
      - type: batch
      - type: channel
        channel_names: [out]
{outputs_space}    data:
      type: float32
    test_tensor:
      source: test_output.npy
      sha256: {sha['test_output.npy']}
weights:
  torchscript:
    source: weights.pt
    sha256: {sha['weights.pt']}
    pytorch_version: "{PYTORCH_VERSION}"
config:
  bioimageio:
    reproducibility_tolerance:
      - relative_tolerance: 0.0001
        absolute_tolerance: 0.00001
        mismatched_elements_per_million: 0
"""


def readme(radius, halo, min_size):
    return f"""# unet3d_tiny: a random-weights test fixture

Written by `scripts/make_test_models.py` (fixed seed {SEED}); rerun it to regenerate this folder.
A tiny 3D U-Net (features {'/'.join(map(str, FEATURES))}, one 3x3x3 convolution per block, two 2x2x2
max-pools, nearest upsampling, concatenation skips, 1x1 head) with **random, untrained weights**: its
output means nothing. It exists to test the 3D path of a runtime.

- receptive-field radius {radius} voxels per side on z, y and x (exact: interval propagation, checked
  by the gradient support of an all-positive copy at every pooling phase), halo {halo};
- input sizes {min_size} + n*{DOWNSAMPLING} per spatial axis ({min_size} - 2*{halo} >= 1);
- preprocessing zero_mean_unit_variance over z, y, x; no postprocessing;
- test tensors: a {TEST_SHAPE[2]}x{TEST_SHAPE[3]}x{TEST_SHAPE[4]} volume and the TorchScript output on it.
"""


def write_unet3d_tiny(out):
    os.makedirs(out, exist_ok=True)
    left, right = receptive_field_extent()
    g_left, g_right = gradient_support_extent()
    if g_left != [left] * 3 or g_right != [right] * 3:
        raise SystemExit(f"receptive field mismatch: intervals ({left}, {right}), gradient {g_left} {g_right}")
    radius = max(left, right)
    halo = -(-radius // DOWNSAMPLING) * DOWNSAMPLING
    min_size = -(-(2 * halo + 1) // DOWNSAMPLING) * DOWNSAMPLING
    if any(s != min_size for s in TEST_SHAPE[2:]):
        raise SystemExit(f"TEST_SHAPE {TEST_SHAPE} should use the min size {min_size} on every axis")

    torch.manual_seed(SEED)
    net = UNet3dTiny().eval()
    scripted = torch.jit.script(net)
    scripted.save(os.path.join(out, "weights.pt"))

    rng = np.random.default_rng(SEED)
    x = test_input(rng)
    with torch.no_grad():
        y = torch.jit.load(os.path.join(out, "weights.pt"))(torch.from_numpy(zero_mean_unit_variance(x)))
    np.save(os.path.join(out, "test_input.npy"), x)
    np.save(os.path.join(out, "test_output.npy"), y.numpy().astype(np.float32))

    sha = {f: sha256(os.path.join(out, f)) for f in ("weights.pt", "test_input.npy", "test_output.npy")}
    with open(os.path.join(out, "rdf.yaml"), "w") as f:
        f.write(rdf_yaml(min_size, halo, sha))
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(readme(radius, halo, min_size))
    print(f"{out}: receptive field ({left}, {right}) per axis, halo {halo}, min size {min_size}, "
          f"{sum(p.numel() for p in net.parameters())} parameters")


class Laplace2dTiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.laplace = nn.Conv2d(1, 1, 3, padding=1, bias=False)
        with torch.no_grad():
            self.laplace.weight.copy_(torch.tensor([[[[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]]]))

    def forward(self, x):
        return self.laplace(x)


LAPLACE2D_RDF = """# bioimage.io model description, written by scripts/make_test_models.py
# A TEST FIXTURE: a fixed 3x3 Laplacian filter, for tests that need a model that costs next to nothing.
type: model
format_version: 0.5.4
name: deepimage 3x3 Laplacian filter test fixture
description: One 3x3 convolution with fixed integer weights (4 x centre - the 4 neighbours), clipped
  to uint8, to push many pixels through a runtime cheaply. Halo 1 = the exact receptive-field radius.
authors:
  - name: deepimage developers
cite:
  - text: "deepimage test fixture (no publication)"
    url: https://bioimage.io
license: MIT
documentation: README.md
tags: [pytorch, 2d, test-fixture, deepimage]
timestamp: "{timestamp}"
inputs:
  - id: raw
    description: one channel, 0..255
    axes:
      - type: batch
      - type: channel
        channel_names: [raw]
      - type: space
        id: y
        size: {{min: 8, step: 1}}
      - type: space
        id: x
        size: {{min: 8, step: 1}}
    data:
      type: float32
    test_tensor:
      source: test_input.npy
      sha256: {sha_in}
outputs:
  - id: edges
    description: 4 x centre - the 4 neighbours, clipped to 0..255
    axes:
      - type: batch
      - type: channel
        channel_names: [edges]
      - type: space
        id: y
        size: {{tensor_id: raw, axis_id: y}}
        halo: 1
      - type: space
        id: x
        size: {{tensor_id: raw, axis_id: x}}
        halo: 1
    data:
      type: uint8
    test_tensor:
      source: test_output.npy
      sha256: {sha_out}
    postprocessing:
      - id: clip
        kwargs: {{min: 0, max: 255}}
      - id: ensure_dtype
        kwargs: {{dtype: uint8}}
weights:
  torchscript:
    source: weights.pt
    sha256: {sha_weights}
    pytorch_version: "{pytorch_version}"
"""


def write_laplace2d_tiny(out):
    os.makedirs(out, exist_ok=True)
    scripted = torch.jit.script(Laplace2dTiny().eval())
    scripted.save(os.path.join(out, "weights.pt"))
    rng = np.random.default_rng(SEED)
    x = rng.integers(0, 256, size=(1, 1, 16, 16)).astype(np.float32)
    with torch.no_grad():
        y = scripted(torch.from_numpy(x)).numpy()
    np.save(os.path.join(out, "test_input.npy"), x)
    np.save(os.path.join(out, "test_output.npy"), np.clip(y, 0, 255).astype(np.uint8))
    sha = {f: sha256(os.path.join(out, f)) for f in ("weights.pt", "test_input.npy", "test_output.npy")}
    with open(os.path.join(out, "rdf.yaml"), "w") as f:
        f.write(LAPLACE2D_RDF.format(timestamp=TIMESTAMP, sha_in=sha["test_input.npy"], sha_out=sha["test_output.npy"],
                                    sha_weights=sha["weights.pt"], pytorch_version=PYTORCH_VERSION))
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# laplace2d_tiny: a 3x3 Laplacian filter test fixture\n\nWritten by `scripts/make_test_models.py`. "
                "One convolution with fixed integer weights (4 x centre - the 4 neighbours), uint8 output\n"
                "(clip to 0..255, then ensure_dtype). It exists so that tests can push gigabytes of pixels\n"
                "through the runtime while the network costs next to nothing.\n")
    print(f"{out}: 3x3 Laplacian filter, halo 1")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "tests", "data", "models"))
    args = parser.parse_args()
    torch.set_num_threads(2)
    write_laplace2d_tiny(os.path.join(args.out, "laplace2d_tiny"))
    write_unet3d_tiny(os.path.join(args.out, "unet3d_tiny"))


if __name__ == "__main__":
    main()
