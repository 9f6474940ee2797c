#!/usr/bin/python3
"""Write tests/data/models/stardist_passthrough/: a bundle described as StarDist's exporter describes
its models, to test that `deepimage run --objects` reads `config.stardist`.

    /usr/bin/python3 scripts/make_stardist_fixture.py [--out tests/data/models/stardist_passthrough]

A TEST FIXTURE, not a network: its input already holds what a StarDist 2D network with 32 rays would
output (channel 0 the object probability, channels 1..32 the ray distances; the tests make it from a
label image with tests/e2e/objects/star_convex_from_labels.py) and the TorchScript passes it through.
Everything else is as stardist's bioimage.io export writes it (rdf 0.4, axes byxc, the output the
input's size with 1 + n_rays channels, `config.stardist` with its thresholds), the thresholds set
unlike deepimage's defaults (0.5, 0.4) so that a test can tell which were used.

Needs Debian's python3-torch and python3-numpy. Deterministic (fixed seed).
"""
import argparse
import hashlib
import os

import numpy as np
import torch

RAYS = 32
PROB_THRESHOLD, NMS_THRESHOLD = 0.55, 0.35
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class PassThrough(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.clone()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


RDF = f"""# bioimage.io model description, written by scripts/make_stardist_fixture.py
# A TEST FIXTURE: passes StarDist-style maps through, described as stardist's exporter describes a model.
type: model
format_version: 0.4.10
name: stardist_passthrough
description: StarDist 2D outputs ({RAYS} rays) given as the input and passed through, to test config.stardist
authors:
  - name: deepimage developers
cite:
  - text: "Schmidt et al., Cell Detection with Star-Convex Polygons, MICCAI 2018"
    doi: 10.1007/978-3-030-00934-2_30
license: MIT
documentation: README.md
tags: [stardist, segmentation, instance segmentation, test-fixture, deepimage]
timestamp: "2026-01-01T00:00:00Z"
inputs:
  - name: input
    axes: byxc
    data_type: float32
    data_range: [-.inf, .inf]
    shape:
      min: [1, 16, 16, {1 + RAYS}]
      step: [0, 16, 16, 0]
outputs:
  - name: output
    axes: byxc
    data_type: float32
    data_range: [-.inf, .inf]
    shape:
      reference_tensor: input
      scale: [1.0, 1.0, 1.0, 1.0]
      offset: [0, 0, 0, 0]
test_inputs: [test_input.npy]
test_outputs: [test_output.npy]
weights:
  torchscript:
    source: weights.pt
    sha256: @sha_weights@
    pytorch_version: "1.13.1"
config:
  stardist:
    stardist_version: 0.8.5
    thresholds:
      prob: {PROB_THRESHOLD}
      nms: {NMS_THRESHOLD}
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "tests/data/models/stardist_passthrough"))
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)
    torch.jit.script(PassThrough().eval()).save(os.path.join(out, "weights.pt"))
    rng = np.random.default_rng(2018)
    test_input = rng.uniform(0, 1, size=(1, 16, 16, 1 + RAYS)).astype(np.float32)
    np.save(os.path.join(out, "test_input.npy"), test_input)
    np.save(os.path.join(out, "test_output.npy"), test_input)
    with open(os.path.join(out, "rdf.yaml"), "w") as f:
        f.write(RDF.replace("@sha_weights@", sha256(os.path.join(out, "weights.pt"))))
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("# stardist_passthrough\n\nA test fixture written by `scripts/make_stardist_fixture.py` (see its docstring): "
                "StarDist 2D outputs given as the input and passed through, described as stardist's bioimage.io export "
                "describes a model, `config.stardist` thresholds included. Not a trained model.\n")
    print(f"{out}: {RAYS} rays, thresholds prob {PROB_THRESHOLD} nms {NMS_THRESHOLD}")


if __name__ == "__main__":
    main()
