#!/usr/bin/python3
"""Trains deepimage's embedded example model and writes it as a bioimage.io 0.5 bundle.

    /usr/bin/python3 scripts/train_example_model.py [--realdata ../shared/realdata] [--out examples/nuclei_unet2d]

A small 2D U-Net (2 max-pool levels, 16/32/64 features, nearest upsampling) for nuclei foreground in
fluorescence images. Deterministic: fixed seeds, 2 threads, a few minutes on 2 CPU cores.

Training data (all real microscopy, licences in the bundle README):
  - stardist tests/data img2d.tif + mask2d.tif (256x256, hand-made instance labels -> foreground);
  - BBBC038 0bf4b1, the four BBBC007 crops and the DNA channel of the BBBC022 crop, labelled by the
    published bioimage.io model unet2d_nuclei_broad (probability > 0.5): pseudo-labels, i.e. this
    model is partly distilled from that one.
Held out: stardist_testdata/img2d.tif + mask2d.tif (512x512), used only to report the IoU.
"""
import argparse
import hashlib
import json
import struct
import time
import zlib
from pathlib import Path

import numpy as np
import tifffile
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261124
MIN_PERCENTILE, MAX_PERCENTILE, EPS = 1.0, 99.8, 1e-6


def scale_range(image):
    """bioimage.io scale_range over the whole image (numpy's default linear percentiles)."""
    lo, hi = np.percentile(image, [MIN_PERCENTILE, MAX_PERCENTILE])
    return ((image - lo) / (hi - lo + EPS)).astype(np.float32)


class UNet(nn.Module):
    def __init__(self, features=(16, 32, 64)):
        super().__init__()
        f0, f1, f2 = features
        self.enc0 = self.block(1, f0)
        self.enc1 = self.block(f0, f1)
        self.bottom = self.block(f1, f2)
        self.dec1 = self.block(f2 + f1, f1)
        self.dec0 = self.block(f1 + f0, f0)
        self.head = nn.Conv2d(f0, 1, 1)
        self.pool = nn.MaxPool2d(2)
        self.up = nn.Upsample(scale_factor=2.0, mode="nearest")

    @staticmethod
    def block(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True),
                             nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))

    def forward(self, x):
        e0 = self.enc0(x)
        e1 = self.enc1(self.pool(e0))
        b = self.bottom(self.pool(e1))
        d1 = self.dec1(torch.cat([self.up(b), e1], dim=1))
        d0 = self.dec0(torch.cat([self.up(d1), e0], dim=1))
        return self.head(d0)  # logits; the bundle's postprocessing applies sigmoid


def receptive_field_radius(model, size=129):
    """Radius of the set of input pixels that influence the centre output pixel, found by
    back-propagating from that pixel through the trained network (positive input keeps ReLUs live)."""
    x = torch.rand(1, 1, size + 3, size + 3, generator=torch.Generator().manual_seed(1)) + 0.5
    x = x[:, :, :size + 3 - ((size + 3) % 4), :size + 3 - ((size + 3) % 4)].clone().requires_grad_(True)
    c = x.shape[-1] // 2
    model(x)[0, 0, c, c].backward()
    ys, xs = np.nonzero(x.grad[0, 0].abs().numpy() > 0)
    return int(max(c - ys.min(), ys.max() - c, c - xs.min(), xs.max() - c))


def nuclei_broad_labels(realdata, images):
    """Foreground of the published unet2d_nuclei_broad (zero-mean-unit-variance, fixed 512 input,
    reflect padding, sigmoid > 0.5) for images of at most 512 pixels."""
    net = torch.jit.load(str(realdata / "unet2d_nuclei_broad" / "weights.pt")).eval()
    labels = []
    for img in images:
        x = img.astype(np.float64)
        x = ((x - x.mean()) / (x.std() + 1e-6)).astype(np.float32)
        h, w = x.shape
        padded = np.pad(x, ((0, 512 - h), (0, 512 - w)), mode="reflect")
        with torch.no_grad():
            p = torch.sigmoid(net(torch.from_numpy(padded)[None, None]))[0, 0, :h, :w].numpy()
        labels.append((p > 0.5).astype(np.float32))
    return labels


def training_set(realdata):
    imgs = realdata / "images"
    ground_truth = [(tifffile.imread(imgs / "stardist_testdata/tests_img2d.tif"),
                     (tifffile.imread(imgs / "stardist_testdata/tests_mask2d.tif") > 0).astype(np.float32))]
    pseudo = [tifffile.imread(imgs / "bioimage_notebooks/BBBC038_0bf4b1.tif")]
    pseudo += [tifffile.imread(p) for p in sorted((imgs / "bioimage_notebooks/BBBC007/images").glob("*.tif"))]
    pseudo.append(tifffile.imread(imgs / "bioimage_notebooks/BBBC022/IXMtest_A02_s9.tif")[0, :395, :512])
    labelled = ground_truth + list(zip(pseudo, nuclei_broad_labels(realdata, pseudo)))
    return [(scale_range(img.astype(np.float32)), lab) for img, lab in labelled]


def random_batch(rng, data, batch, crop):
    xs, ys = [], []
    for _ in range(batch):
        img, lab = data[rng.integers(len(data))]
        if min(img.shape) < crop:  # small crops: mirror up to the crop size
            ph, pw = max(0, crop - img.shape[0]), max(0, crop - img.shape[1])
            img = np.pad(img, ((0, ph), (0, pw)), mode="reflect")
            lab = np.pad(lab, ((0, ph), (0, pw)), mode="reflect")
        y0, x0 = rng.integers(img.shape[0] - crop + 1), rng.integers(img.shape[1] - crop + 1)
        a, b = img[y0:y0 + crop, x0:x0 + crop], lab[y0:y0 + crop, x0:x0 + crop]
        k = rng.integers(4)
        a, b = np.rot90(a, k), np.rot90(b, k)
        if rng.integers(2):
            a, b = a[:, ::-1], b[:, ::-1]
        gain = rng.uniform(0.7, 1.3)  # intensity jitter around the normalised range
        xs.append(a * gain)
        ys.append(b)
    return (torch.from_numpy(np.ascontiguousarray(np.stack(xs))[:, None]),
            torch.from_numpy(np.ascontiguousarray(np.stack(ys))[:, None]))


def train(data, iterations, batch, crop):
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = UNet()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
    for it in range(iterations):
        x, y = random_batch(rng, data, batch, crop)
        logits = model(x)
        p = torch.sigmoid(logits)
        dice = 1 - (2 * (p * y).sum() + 1) / (p.sum() + y.sum() + 1)
        loss = F.binary_cross_entropy_with_logits(logits, y) + dice
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if it % 50 == 0 or it == iterations - 1:
            print(f"iteration {it:4d}  loss {loss.item():.4f}", flush=True)
    return model.eval()


def predict(model, raw):
    """The bundle's pipeline in PyTorch: scale_range -> model -> sigmoid, on the whole image, with
    the image reflect-padded to a multiple of 4 (what the model accepts) and cropped back."""
    x = scale_range(raw.astype(np.float32))
    h, w = x.shape
    ph, pw = (-h) % 4, (-w) % 4
    x = np.pad(x, ((0, ph), (0, pw)), mode="reflect")
    with torch.no_grad():
        return torch.sigmoid(model(torch.from_numpy(x)[None, None]))[0, 0, :h, :w].numpy()


def png_bytes(gray):
    """An 8-bit greyscale PNG, written by hand (no imaging library needed)."""
    h, w = gray.shape
    raw = b"".join(b"\x00" + gray[y].tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def main():
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realdata", type=Path, default=repo.parent / "shared" / "realdata")
    ap.add_argument("--out", type=Path, default=repo / "examples" / "nuclei_unet2d")
    ap.add_argument("--iterations", type=int, default=1500)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    start = time.time()
    data = training_set(args.realdata)
    model = train(data, args.iterations, batch=8, crop=96)
    train_seconds = time.time() - start
    radius = receptive_field_radius(model)
    halo = int(np.ceil(radius / 8.0) * 8)
    print(f"trained in {train_seconds:.0f} s; receptive field radius {radius} px -> halo {halo}")

    # Held-out evaluation on the 512x512 DSB2018 image with hand-made labels.
    imgs = args.realdata / "images" / "stardist_testdata"
    prob = predict(model, tifffile.imread(imgs / "img2d.tif"))
    mask = tifffile.imread(imgs / "mask2d.tif") > 0
    fg = prob > 0.5
    iou = float((fg & mask).sum() / (fg | mask).sum())
    print(f"foreground IoU on held-out stardist img2d.tif: {iou:.3f}")

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    scripted = torch.jit.script(model)
    scripted.save(str(out / "weights.pt"))
    torch.onnx.export(model, torch.zeros(1, 1, 64, 64), str(out / "weights.onnx"), opset_version=11,
                      input_names=["raw"], output_names=["logits"],
                      dynamic_axes={"raw": {2: "y", 3: "x"}, "logits": {2: "y", 3: "x"}})

    # Test tensors: a 256x256 crop of the example image and this pipeline's output on it.
    example = tifffile.imread(repo / "examples" / "images" / "nuclei_bbbc038_0bf4b1.tif")
    test_input = example.astype(np.float32)[None, None]
    np.save(out / "test_input.npy", test_input)
    np.save(out / "test_output.npy", predict(model, example)[None, None].astype(np.float32))
    cover = np.concatenate([np.clip(scale_range(example.astype(np.float32)) * 255, 0, 255),
                            predict(model, example) * 255], axis=1).astype(np.uint8)
    (out / "cover.png").write_bytes(png_bytes(cover))
    (out / "training.json").write_text(json.dumps({
        "seed": SEED, "iterations": args.iterations, "batch": 8, "crop": 96, "train_seconds": round(train_seconds),
        "receptive_field_radius": radius, "halo": halo, "heldout_foreground_iou": round(iou, 4),
        "torch": torch.__version__}, indent=2) + "\n")
    write_rdf(out, halo)
    print(f"wrote {out}")


def write_rdf(out, halo):
    space = lambda axis: f"""      - id: {axis}
        type: space
        size: {{min: 16, step: 4}}"""
    ref = lambda axis: f"""      - id: {axis}
        type: space
        halo: {halo}
        size: {{tensor_id: raw, axis_id: {axis}}}"""
    (out / "rdf.yaml").write_text(f"""# bioimage.io model description, written by scripts/train_example_model.py
format_version: 0.5.4
type: model
name: deepimage example nuclei U-Net
description: Nuclei foreground probability in 2D fluorescence images; a small U-Net trained by the deepimage project as its embedded example.
authors:
  - name: deepimage developers
cite:
  - text: "Ronneberger, Fischer, Brox. U-Net: Convolutional Networks for Biomedical Image Segmentation. MICCAI 2015."
    doi: 10.1007/978-3-319-24574-4_28
  - text: "Caicedo et al. Nucleus segmentation across imaging experiments: the 2018 Data Science Bowl. Nature Methods 2019 (BBBC038)."
    doi: 10.1038/s41592-019-0612-7
license: MIT
documentation: README.md
covers: [cover.png]
tags: [unet2d, nuclei, segmentation, fluorescence, deepimage-example]
timestamp: "2026-11-24T00:00:00Z"
inputs:
  - id: raw
    description: fluorescence image of nuclei, any intensity range
    axes:
      - type: batch
      - type: channel
        channel_names: [nuclei]
{space("y")}
{space("x")}
    data: {{type: float32}}
    test_tensor: {{source: test_input.npy, sha256: {sha256(out / "test_input.npy")}}}
    sample_tensor: {{source: cover.png, sha256: {sha256(out / "cover.png")}}}
    preprocessing:
      - id: scale_range
        kwargs: {{axes: [y, x], min_percentile: {MIN_PERCENTILE}, max_percentile: {MAX_PERCENTILE}, eps: {EPS}}}
      - id: ensure_dtype
        kwargs: {{dtype: float32}}
outputs:
  - id: probability
    description: nuclei foreground probability in [0, 1]
    axes:
      - type: batch
      - type: channel
        channel_names: [foreground]
{ref("y")}
{ref("x")}
    data: {{type: float32}}
    test_tensor: {{source: test_output.npy, sha256: {sha256(out / "test_output.npy")}}}
    postprocessing:
      - id: sigmoid
weights:
  torchscript:
    source: weights.pt
    sha256: {sha256(out / "weights.pt")}
    pytorch_version: "{torch.__version__.split('a')[0]}"
  onnx:
    source: weights.onnx
    sha256: {sha256(out / "weights.onnx")}
    opset_version: 11
config:
  bioimageio:
    reproducibility_tolerance:
      - relative_tolerance: 1.0e-4
        absolute_tolerance: 1.0e-5
        mismatched_elements_per_million: 0
""")


if __name__ == "__main__":
    main()
