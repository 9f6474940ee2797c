#!/usr/bin/python3
"""Train deepimage's own example model and write it as a bioimage.io 0.5.4 bundle.

    /usr/bin/python3 scripts/train_example_model.py [REALDATA] [--out examples/nuclei_unet2d]

REALDATA defaults to ../shared/realdata relative to the repository root. Needs only Debian's
python3-torch (1.13), python3-numpy and python3-tifffile; runs on 2 CPU threads in a few minutes and
is deterministic (fixed seeds, deterministic algorithms, a fixed number of iterations).

What it does, in order:
  1. loads the training images (real nuclei images with ground truth; the held-out evaluation image
     stardist_testdata/img2d.tif is never read before training ends),
  2. trains a small 2D U-Net (1 channel in, 1 logit out) on random crops with flips, rot90, zoom and
     intensity augmentation, BCE-with-logits + soft Dice,
  3. evaluates foreground IoU on the held-out image with the exact pipeline the bundle declares,
  4. writes weights (TorchScript, ONNX), test tensors, cover, rdf.yaml and README.md,
  5. copies the example image to examples/images/ (byte for byte).
The bundle's halo comes from an exact receptive-field computation (receptive_field_extent()).
"""
import argparse
import datetime
import hashlib
import os
import shutil
import struct
import sys
import time
import zlib

import numpy as np
import tifffile
import torch
import torch.nn as nn
import torch.nn.functional as F

import receptive_field as rf

SEED = 1505
THREADS = 2
PATCH = 96
BATCH = 12
ITERATIONS = 2400
LEARNING_RATE = 3e-3
ZOOM_RANGE = (0.7, 2.5)      # nuclei in the training images are 8-30 px wide; the zoom covers both
GAIN_RANGE = (0.5, 1.3)      # bright mitotic nuclei push ordinary ones down to ~0.3-0.5 after scaling
FEATURES = (8, 16, 32, 64)
CONVS = {"enc0": 2, "enc1": 2, "enc2": 1, "bottom": 1, "dec2": 1, "dec1": 2, "dec0": 2}
DOWNSAMPLING = 8             # three 2x2 max-pools
PERCENTILES = (1.0, 99.8)
EPS = 1e-6                   # bioimage.io scale_range default eps, written explicitly into rdf.yaml
ONNX_OPSET = 11              # OpenCV DNN 4.6 reads opset 11 Conv/MaxPool/Resize/Concat
PYTORCH_VERSION = "1.13.1"   # Debian's python3-torch 1.13.1 (reports itself as 1.13.0a0)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SOURCES = {
    "stardist": "github.com/stardist/stardist @ 650d3a19bf7380ec0476d672397ff0388687a9d3",
    "notebooks": "github.com/haesleinhuepf/BioImageAnalysisNotebooks @ 3766d2f6056aa0058241b80a66c234977e833762",
}
EXAMPLE_IMAGE = ("images/bioimage_notebooks/BBBC038_0bf4b1.tif", "nuclei_bbbc038_0bf4b1.tif")
HELD_OUT = ("images/stardist_testdata/img2d.tif", "images/stardist_testdata/mask2d.tif")


# ----------------------------------------------------------------------------------------------
# model
# ----------------------------------------------------------------------------------------------
def conv_block(cin, cout, count):
    layers = []
    for i in range(count):
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, padding=1), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class UNet2d(nn.Module):
    """3-level U-Net; nearest upsampling (no ConvTranspose) so every runtime computes it the same.
    CONVS gives the number of 3x3 convolutions per block; the coarse levels have one each because a
    convolution at down-sampling factor k widens the receptive field by k pixels per side."""

    def __init__(self, f=FEATURES, n=None):
        super().__init__()
        n = CONVS if n is None else n
        self.enc0 = conv_block(1, f[0], n["enc0"])
        self.enc1 = conv_block(f[0], f[1], n["enc1"])
        self.enc2 = conv_block(f[1], f[2], n["enc2"])
        self.bottom = conv_block(f[2], f[3], n["bottom"])
        self.dec2 = conv_block(f[3] + f[2], f[2], n["dec2"])
        self.dec1 = conv_block(f[2] + f[1], f[1], n["dec1"])
        self.dec0 = conv_block(f[1] + f[0], f[0], n["dec0"])
        self.head = nn.Conv2d(f[0], 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2.0, mode="nearest")

    def forward(self, x):
        s0 = self.enc0(x)
        s1 = self.enc1(self.pool(s0))
        s2 = self.enc2(self.pool(s1))
        b = self.bottom(self.pool(s2))
        d2 = self.dec2(torch.cat([self.up(b), s2], 1))
        d1 = self.dec1(torch.cat([self.up(d2), s1], 1))
        d0 = self.dec0(torch.cat([self.up(d1), s0], 1))
        return self.head(d0)


def receptive_field_extent(length=1024):
    """Exact 1D dependency interval of every output pixel (receptive_field.py). The kernels are
    square, so the 2D field is the product of two such 1D intervals; the 1x1 head adds nothing."""
    def block(d, count):
        for _ in range(count):
            d = rf.conv3(d)
        return d

    x = rf.positions(length)
    s0 = block(x, CONVS["enc0"])
    s1 = block(rf.pool(s0), CONVS["enc1"])
    s2 = block(rf.pool(s1), CONVS["enc2"])
    b = block(rf.pool(s2), CONVS["bottom"])
    d2 = block(rf.cat(rf.up(b), s2), CONVS["dec2"])
    d1 = block(rf.cat(rf.up(d2), s1), CONVS["dec1"])
    d0 = block(rf.cat(rf.up(d1), s0), CONVS["dec0"])
    return rf.worst_extent(d0)


def gradient_support_extent(length=256):
    """Independent check of receptive_field_extent(): the input support of d(output)/d(input) for a
    network whose weights are all positive (so every ReLU is active and no path cancels), with
    average pooling in place of max-pooling (same windows, but the gradient reaches every element)."""
    net = UNet2d()
    net.pool = nn.AvgPool2d(2)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.full_like(p, 0.05))
    left = right = 0
    for phase in range(DOWNSAMPLING):
        x = torch.zeros(1, 1, 8, length, requires_grad=True)
        centre = length // 2 + phase
        net(x)[0, 0, 4, centre].backward()
        cols = torch.nonzero(x.grad[0, 0].abs().sum(0)).flatten()
        left = max(left, centre - int(cols.min()))
        right = max(right, int(cols.max()) - centre)
    return left, right


# ----------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------
def scale_range(image):
    """bioimage.io scale_range over the whole sample, numpy's default (linear) percentiles."""
    image = image.astype(np.float32)
    lo, hi = np.percentile(image, PERCENTILES)
    return ((image - np.float32(lo)) / (np.float32(hi) - np.float32(lo) + np.float32(EPS))).astype(np.float32)


class Sample:
    def __init__(self, name, image, target, weight, group, license_note):
        self.name, self.group, self.license_note = name, group, license_note
        self.image = scale_range(image)
        self.target = target.astype(np.float32)
        self.weight = weight.astype(np.float32)


def load_training_set(realdata):
    img = os.path.join(realdata, "images")
    stardist_license = "BSD-3-Clause (stardist repository); image from the 2018 Data Science Bowl (BBBC038)"
    notebooks_license = "CC-BY-4.0 (BioImageAnalysisNotebooks content); BBBC terms at bbbc.broadinstitute.org"
    samples = []
    mask = tifffile.imread(os.path.join(img, "stardist_testdata/tests_mask2d.tif"))
    samples.append(Sample("stardist_testdata/tests_img2d.tif + tests_mask2d.tif",
                          tifffile.imread(os.path.join(img, "stardist_testdata/tests_img2d.tif")),
                          mask > 0, np.ones(mask.shape), "dsb", stardist_license))
    labels = tifffile.imread(os.path.join(img, "bioimage_notebooks/blobs_labeled.tif"))
    samples.append(Sample("bioimage_notebooks/blobs.tif + blobs_labeled.tif",
                          tifffile.imread(os.path.join(img, "bioimage_notebooks/blobs.tif")),
                          labels > 0, np.ones(labels.shape), "blobs",
                          "CC-BY-4.0 (BioImageAnalysisNotebooks content); ImageJ's \"blobs\" sample image"))
    # BBBC007 "masks" are sparse scribbles for a pixel classifier: 1 = background, 2 = nucleus,
    # 0 = not annotated. Treating them as dense masks (mask > 0) would teach that unannotated nuclei
    # and the background scribbles are foreground, so only annotated pixels enter the loss.
    folder = os.path.join(img, "bioimage_notebooks/BBBC007")
    for name in sorted(os.listdir(os.path.join(folder, "images"))):
        scribbles = tifffile.imread(os.path.join(folder, "masks", name))
        samples.append(Sample("bioimage_notebooks/BBBC007/images/" + name + " + masks/" + name,
                              tifffile.imread(os.path.join(folder, "images", name)),
                              scribbles == 2, scribbles > 0, "bbbc007", notebooks_license))
    return samples


GROUP_PROBABILITY = {"dsb": 0.6, "blobs": 0.1, "bbbc007": 0.3}   # blobs: generous threshold labels, another domain


def random_patch(sample, rng):
    """One PATCH x PATCH crop at a random zoom; reflect-pads when the zoomed window is larger than
    the image (BBBC007 crops are ~100 px)."""
    zoom = float(np.exp(rng.uniform(np.log(ZOOM_RANGE[0]), np.log(ZOOM_RANGE[1]))))
    window = max(8, int(round(PATCH / zoom)))
    h, w = sample.image.shape
    py, px = max(0, window - h), max(0, window - w)
    planes = [np.pad(a, ((0, py), (0, px)), mode="reflect") if (py or px) else a
              for a in (sample.image, sample.target, sample.weight)]
    h, w = planes[0].shape
    y0 = int(rng.integers(0, h - window + 1))
    x0 = int(rng.integers(0, w - window + 1))
    crop = torch.from_numpy(np.stack([a[y0:y0 + window, x0:x0 + window] for a in planes]))[None]
    crop = F.interpolate(crop, size=(PATCH, PATCH), mode="bilinear", align_corners=False)[0]
    image = crop[0] * float(rng.uniform(*GAIN_RANGE)) + float(rng.uniform(-0.05, 0.05))
    image = image + float(rng.uniform(0.0, 0.04)) * torch.from_numpy(
        rng.standard_normal((PATCH, PATCH)).astype(np.float32))
    target = (crop[1] > 0.5).float()
    weight = (crop[2] > 0.5).float()
    k = int(rng.integers(0, 4))
    flip = bool(rng.integers(0, 2))
    out = []
    for a in (image, target, weight):
        a = torch.rot90(a, k, (0, 1))
        out.append(torch.flip(a, (1,)) if flip else a)
    return out


def random_batch(samples, rng):
    groups = list(GROUP_PROBABILITY)
    probs = np.array([GROUP_PROBABILITY[g] for g in groups])
    images, targets, weights = [], [], []
    for _ in range(BATCH):
        group = groups[int(rng.choice(len(groups), p=probs))]
        members = [s for s in samples if s.group == group]
        image, target, weight = random_patch(members[int(rng.integers(0, len(members)))], rng)
        images.append(image)
        targets.append(target)
        weights.append(weight)
    return (torch.stack(images)[:, None].contiguous(), torch.stack(targets)[:, None],
            torch.stack(weights)[:, None])


def loss_fn(logits, target, weight):
    bce = (F.binary_cross_entropy_with_logits(logits, target, reduction="none") * weight).sum()
    bce = bce / weight.sum().clamp(min=1.0)
    prob = torch.sigmoid(logits) * weight
    dice = 1.0 - (2.0 * (prob * target).sum() + 1.0) / (prob.sum() + (target * weight).sum() + 1.0)
    return bce + dice


def train(samples):
    rng = np.random.default_rng(SEED)
    model = UNet2d()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LEARNING_RATE, total_steps=ITERATIONS,
                                                   pct_start=0.1)
    model.train()
    start = time.time()
    running = None
    for it in range(1, ITERATIONS + 1):
        image, target, weight = random_batch(samples, rng)
        loss = loss_fn(model(image), target, weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if it % 100 == 0 or it == ITERATIONS:
            print(f"iteration {it}/{ITERATIONS}  loss {running:.4f}  {time.time() - start:.0f} s", flush=True)
    model.eval()
    return model, time.time() - start


# ----------------------------------------------------------------------------------------------
# evaluation and bundle
# ----------------------------------------------------------------------------------------------
def predict(model, raw):
    """The pipeline the bundle declares: scale_range -> float32 -> network -> sigmoid."""
    with torch.no_grad():
        x = torch.from_numpy(scale_range(raw))[None, None]
        return torch.sigmoid(model(x))[0, 0].numpy()


def foreground_iou(prob, mask):
    a, b = prob > 0.5, mask > 0
    return float((a & b).sum()) / float((a | b).sum())


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_png(path, grey):
    """8-bit greyscale PNG by hand (zlib + struct): no imaging library needed."""
    grey = np.ascontiguousarray(grey, dtype=np.uint8)
    h, w = grey.shape
    raw = b"".join(b"\x00" + grey[r].tobytes() for r in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def export_onnx(model, path):
    dummy = torch.zeros(1, 1, 64, 64)
    torch.onnx.export(model, dummy, path, opset_version=ONNX_OPSET, input_names=["raw"],
                      output_names=["probability"], do_constant_folding=True,
                      dynamic_axes={"raw": {0: "batch", 2: "y", 3: "x"},
                                    "probability": {0: "batch", 2: "y", 3: "x"}})


def check_onnx_with_opencv(path, test_input, expected_logits):
    """Numeric check of the ONNX file where python3-opencv is installed; skipped otherwise."""
    try:
        import cv2
    except ImportError:
        print("onnx check: cv2 not available, skipped (file written, not run)")
        return None
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(test_input)
    got = net.forward()
    diff = float(np.abs(got - expected_logits).max())
    print(f"onnx check: OpenCV {cv2.__version__} DNN max |logit difference| {diff:.2e}")
    return diff


def rdf_yaml(info):
    return f"""# bioimage.io model description, written by scripts/train_example_model.py
type: model
format_version: 0.5.4
name: deepimage nuclei U-Net 2D
description: Small 2D U-Net that predicts the foreground probability of fluorescent nuclei. Trained by
  deepimage on a few real images with ground truth, to ship a model whose every byte is reproducible.
authors:
  - name: deepimage developers
cite:
  - text: "Ronneberger, Fischer, Brox. U-Net: Convolutional Networks for Biomedical Image Segmentation. MICCAI 2015."
    doi: 10.1007/978-3-319-24574-4_28
  - text: "Caicedo et al. Nucleus segmentation across imaging experiments: the 2018 Data Science Bowl (BBBC038). Nature Methods 2019."
    doi: 10.1038/s41592-019-0612-7
  - text: "Schmidt, Weigert, Broaddus, Myers. Cell Detection with Star-convex Polygons (StarDist test data). MICCAI 2018."
    doi: 10.1007/978-3-030-00934-2_30
  - text: "Jones, Carpenter, Golland. Voronoi-Based Segmentation of Cells on Image Manifolds (BBBC007). CVBIA 2005."
    url: https://bbbc.broadinstitute.org/BBBC007
  - text: "Ljosa, Sokolnicki, Carpenter. Annotated high-throughput microscopy image sets for validation (BBBC). Nature Methods 2012."
    doi: 10.1038/nmeth.2083
license: MIT
documentation: README.md
covers:
  - cover.png
tags: [unet2d, pytorch, nuclei, fluorescence, segmentation, semantic-segmentation, 2d, deepimage]
timestamp: "{info['timestamp']}"
inputs:
  - id: raw
    description: one fluorescence channel of nuclei (any intensity range; scaled by percentiles)
    axes:
      - type: batch
      - type: channel
        channel_names: [nuclei]
      - type: space
        id: y
        size: {{min: {info['min_size']}, step: {DOWNSAMPLING}}}
      - type: space
        id: x
        size: {{min: {info['min_size']}, step: {DOWNSAMPLING}}}
    data:
      type: float32
    test_tensor:
      source: test_input.npy
      sha256: {info['sha']['test_input.npy']}
    sample_tensor:
      source: sample_input.tif
      sha256: {info['sha']['sample_input.tif']}
    preprocessing:
      - id: scale_range
        kwargs:
          axes: [y, x]
          min_percentile: {PERCENTILES[0]}
          max_percentile: {PERCENTILES[1]}
          eps: {EPS:.1e}
      - id: ensure_dtype
        kwargs:
          dtype: float32
outputs:
  - id: probability
    description: foreground (nucleus) probability in [0, 1]
    axes:
      - type: batch
      - type: channel
        channel_names: [foreground]
      - type: space
        id: y
        size: {{tensor_id: raw, axis_id: y}}
        halo: {info['halo']}
      - type: space
        id: x
        size: {{tensor_id: raw, axis_id: x}}
        halo: {info['halo']}
    data:
      type: float32
    test_tensor:
      source: test_output.npy
      sha256: {info['sha']['test_output.npy']}
    sample_tensor:
      source: sample_output.tif
      sha256: {info['sha']['sample_output.tif']}
    postprocessing:
      - id: sigmoid
weights:
  torchscript:
    source: weights.pt
    sha256: {info['sha']['weights.pt']}
    pytorch_version: "{PYTORCH_VERSION}"
  onnx:
    source: weights.onnx
    sha256: {info['sha']['weights.onnx']}
    opset_version: {ONNX_OPSET}
    parent: torchscript
config:
  bioimageio:
    reproducibility_tolerance:
      - relative_tolerance: 0.0001
        absolute_tolerance: 0.00001
        mismatched_elements_per_million: 0
"""


def readme(info):
    rows = "\n".join(f"| `{s.name}` | {s.image.shape[0]}x{s.image.shape[1]} | {GROUP_PROBABILITY[s.group]} | {s.license_note} |"
                     for s in info["samples"])
    onnx_line = ("not run here (python3-opencv absent when the bundle was built)" if info["onnx_diff"] is None
                 else f"OpenCV DNN reproduces the TorchScript logits to {info['onnx_diff']:.1e} (max abs)")
    return f"""# deepimage nuclei U-Net 2D

deepimage's own example model: a small 2D U-Net that turns one fluorescence channel of nuclei into a
foreground probability. It was trained by deepimage's developers with
`scripts/train_example_model.py`, so everything in this folder can be rebuilt from public data.
It is a demonstration and test model, not a state-of-the-art segmenter.

## Architecture
- Input 1 channel, output 1 channel (logits; the bundle's `sigmoid` postprocessing makes probabilities).
- Encoder: {CONVS['enc0']}/{CONVS['enc1']}/{CONVS['enc2']} 3x3 convolutions (padding 1) + ReLU at the three levels with
  {FEATURES[0]}/{FEATURES[1]}/{FEATURES[2]} features, 2x2 max-pool between levels; bottleneck {CONVS['bottom']} convolution with {FEATURES[3]} features;
  total down-sampling factor {DOWNSAMPLING}.
- Decoder: nearest-neighbour 2x upsampling, concatenation with the encoder features, then
  {CONVS['dec2']}/{CONVS['dec1']}/{CONVS['dec0']} 3x3 convolutions + ReLU (coarse to fine); a final 1x1 convolution. The coarse levels
  have a single convolution because each one there widens the receptive field by 4-8 pixels per side.
  No normalisation layers, no transposed convolutions, so TorchScript, ONNX and any other runtime
  compute the same function. {info['params']} parameters.
- Weights: `weights.pt` (TorchScript, `torch.jit.script`, PyTorch {PYTORCH_VERSION}) and `weights.onnx`
  (opset {ONNX_OPSET}, dynamic batch/y/x, exported from the same model).

## Receptive field, halo and valid input sizes
The script propagates, layer by layer, the interval of input pixels each feature-map pixel depends
on (`receptive_field_extent()`); the worst case over the 8 pooling phases is **{info['rf'][0]} pixels to
one side and {info['rf'][1]} to the other** (radius {info['radius']}). A gradient check on an all-positive copy of
the network gives the same extents ({info['rf_check'][0]}, {info['rf_check'][1]}). The declared output halo is
**{info['halo']}** pixels per side (the radius rounded up to a multiple of {DOWNSAMPLING}): a prediction more than
{info['halo']} pixels from a tile's border does not depend on what lies beyond it.

Input sizes along y and x are `{info['min_size']} + n*{DOWNSAMPLING}`: a multiple of {DOWNSAMPLING} (three 2x2
pools) and larger than twice the halo, as the bioimage.io 0.5 rules require for an output with a
halo. Because of the pooling, the network is shift-equivariant only for shifts that are multiples of
{DOWNSAMPLING}: tiles whose origins differ by other amounts give slightly different predictions even
inside the halo-cropped region.

## Pre- and post-processing
`scale_range` over the whole sample (axes y, x) with percentiles {PERCENTILES[0]} and {PERCENTILES[1]}
(numpy's default linear interpolation) and eps {EPS}: `(x - p_low) / (p_high - p_low + eps)`, then
`ensure_dtype float32`; after the network, `sigmoid`.

## Training data
Real nuclei images with ground truth, all from `../shared/realdata/images` (copies of public repositories):

| file | size | crop share (per group) | license / terms |
| --- | --- | --- | --- |
{rows}

Sources: stardist test data from {SOURCES['stardist']} (BSD-3-Clause, `stardist/data`
and `stardist/tests/data`); BBBC007 crops and `blobs` from {SOURCES['notebooks']}
(content CC-BY-4.0, code BSD-3-Clause; the BBBC images are from the Broad Bioimage Benchmark
Collection, terms at https://bbbc.broadinstitute.org). `tests_img2d.tif` is a Data Science Bowl 2018
(BBBC038) image distinct from the held-out `img2d.tif` (checked by normalised cross-correlation).

- `tests_mask2d.tif` and `blobs_labeled.tif` are instance labels; the target is `label > 0`.
- The BBBC007 "masks" are sparse scribble annotations (1 = background, 2 = nucleus, 0 = unannotated);
  only annotated pixels enter the loss (target `== 2`, weight `> 0`).
- Not used: the 3D synthetic `img3d.tif` (61x57 px slices of synthetic blobs), images without ground
  truth, and the held-out evaluation image.

## Training
`/usr/bin/python3 scripts/train_example_model.py` (seed {SEED}, `torch.set_num_threads({THREADS})`,
deterministic algorithms). {ITERATIONS} iterations of Adam (one-cycle learning rate, peak {LEARNING_RATE}) on batches of
{BATCH} random {PATCH}x{PATCH} crops, each at a random zoom in {ZOOM_RANGE[0]}-{ZOOM_RANGE[1]}x, random rot90 and flip, random
gain {GAIN_RANGE[0]}-{GAIN_RANGE[1]}, offset and Gaussian noise after `scale_range`. Loss: binary cross-entropy with logits +
soft Dice, both restricted to annotated pixels. The loop runs a fixed number of iterations, so the
weights do not depend on the machine's speed. Training took **{info['train_seconds']:.0f} s** on 2 CPU threads
({info['cpu']}).

## Validation
Held-out image: `stardist_testdata/img2d.tif` (512x512, Data Science Bowl 2018, from the stardist
repository), never seen in training. Foreground IoU of `probability > 0.5` against `mask2d.tif > 0`,
computed with this bundle's exact pipeline in PyTorch on the whole image:

**IoU = {info['iou']:.3f}** (on the training image `tests_img2d.tif`: {info['iou_train']:.3f}).

For comparison, the bioimage.io model `unet2d_nuclei_broad` reaches 0.78 on `img2d.tif` (measured in
`../shared/realdata`).

## Test tensors
`test_input.npy` is the example image `examples/images/nuclei_bbbc038_0bf4b1.tif` (BBBC038, 256x256,
no ground truth, not used in training) as float32 `(1, 1, 256, 256)`. `test_output.npy` is
`sigmoid(model(scale_range(test_input)))` computed by PyTorch on the whole tensor with numpy
percentiles: the independent reference other runtimes must reproduce. `sample_*.tif` hold the same
data as 2D TIFFs, `cover.png` shows input | output. ONNX: {onnx_line}.

## License
Model weights and this description: MIT (deepimage). The training data keep their own licenses (above).
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("realdata", nargs="?", default=os.path.join(REPO_ROOT, "..", "shared", "realdata"))
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "examples", "nuclei_unet2d"))
    parser.add_argument("--images-out", default=os.path.join(REPO_ROOT, "examples", "images"))
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.realdata, "images")):
        sys.exit(f"error: \"{args.realdata}\" has no images/ folder (expected ../shared/realdata)")

    torch.manual_seed(SEED)
    np.random.seed(SEED)
    torch.set_num_threads(THREADS)
    torch.use_deterministic_algorithms(True)

    rf = receptive_field_extent()
    rf_check = gradient_support_extent()
    radius = max(rf)
    halo = -(-radius // DOWNSAMPLING) * DOWNSAMPLING
    min_size = 2 * halo + DOWNSAMPLING
    print(f"receptive field extents {rf} (gradient check {rf_check}), radius {radius}, halo {halo}, "
          f"input size {min_size} + n*{DOWNSAMPLING}")
    if rf != rf_check:
        sys.exit("error: receptive-field computation and gradient check disagree")

    samples = load_training_set(args.realdata)
    model, train_seconds = train(samples)
    print(f"training time {train_seconds:.1f} s")

    images = os.path.join(args.realdata, "images")
    held_img = tifffile.imread(os.path.join(args.realdata, HELD_OUT[0]))
    held_mask = tifffile.imread(os.path.join(args.realdata, HELD_OUT[1]))
    iou = foreground_iou(predict(model, held_img), held_mask)
    iou_train = foreground_iou(predict(model, tifffile.imread(os.path.join(images, "stardist_testdata/tests_img2d.tif"))),
                               tifffile.imread(os.path.join(images, "stardist_testdata/tests_mask2d.tif")))
    print(f"held-out foreground IoU (img2d.tif) {iou:.4f}; training image tests_img2d.tif {iou_train:.4f}")

    out = args.out
    os.makedirs(out, exist_ok=True)
    os.makedirs(args.images_out, exist_ok=True)
    example_src = os.path.join(args.realdata, EXAMPLE_IMAGE[0])
    shutil.copyfile(example_src, os.path.join(args.images_out, EXAMPLE_IMAGE[1]))

    raw = tifffile.imread(example_src)
    test_input = raw.astype(np.float32)[None, None]
    with torch.no_grad():
        logits = model(torch.from_numpy(scale_range(test_input[0, 0]))[None, None])
        test_output = torch.sigmoid(logits).numpy().astype(np.float32)
    np.save(os.path.join(out, "test_input.npy"), test_input)
    np.save(os.path.join(out, "test_output.npy"), test_output)
    tifffile.imwrite(os.path.join(out, "sample_input.tif"), test_input[0, 0])
    tifffile.imwrite(os.path.join(out, "sample_output.tif"), test_output[0, 0])
    cover = np.concatenate([np.clip(scale_range(raw), 0, 1), test_output[0, 0]], axis=1)
    write_png(os.path.join(out, "cover.png"), np.round(cover * 255))

    scripted = torch.jit.script(model)
    scripted.save(os.path.join(out, "weights.pt"))
    export_onnx(model, os.path.join(out, "weights.onnx"))

    reloaded = torch.jit.load(os.path.join(out, "weights.pt"))
    with torch.no_grad():
        x = torch.from_numpy(scale_range(test_input[0, 0]))[None, None]
        again = torch.sigmoid(reloaded(x)).numpy()
    print(f"torchscript reload: max |probability difference| {np.abs(again - test_output).max():.2e}")
    onnx_diff = check_onnx_with_opencv(os.path.join(out, "weights.onnx"), x.numpy(), logits.numpy())

    files = ["test_input.npy", "test_output.npy", "sample_input.tif", "sample_output.tif", "weights.pt", "weights.onnx"]
    info = {
        "timestamp": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "min_size": min_size, "halo": halo, "rf": rf, "rf_check": rf_check, "radius": radius,
        "sha": {f: sha256(os.path.join(out, f)) for f in files},
        "samples": samples, "train_seconds": train_seconds, "iou": iou, "iou_train": iou_train,
        "params": sum(p.numel() for p in model.parameters()), "onnx_diff": onnx_diff,
        "cpu": f"{THREADS} threads, PyTorch {torch.__version__}",
    }
    with open(os.path.join(out, "rdf.yaml"), "w") as f:
        f.write(rdf_yaml(info))
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(readme(info))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
