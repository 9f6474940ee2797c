#!/usr/bin/python3
"""Writes tests/data/models/resize_cubic_onnx/: a one-node ONNX bundle (Resize, mode "cubic", opset 13)
that the native engine runs but `deepimage convert --to torchscript` cannot write (its TorchScript
converter has nearest and linear only). The conversion must refuse it in one line naming the node and
leave no folder behind. Rerun with Debian's python3-onnx, python3-numpy and python3-torch; the seed is fixed."""
import hashlib
import pathlib

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "models" / "resize_cubic_onnx"
out.mkdir(parents=True, exist_ok=True)

shape, resized = [1, 1, 8, 8], [1, 1, 16, 16]
scales = helper.make_tensor("scales", TensorProto.FLOAT, [4], [1.0, 1.0, 2.0, 2.0])
graph = helper.make_graph(
    [helper.make_node("Resize", ["raw", "", "scales"], ["out"], name="bicubic_upsampling", mode="cubic")],
    "resize_cubic_fixture",
    [helper.make_tensor_value_info("raw", TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, resized)],
    [scales])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="deepimage fixtures")
onnx.checker.check_model(model)
onnx.save(model, out / "resize_cubic.onnx")

x = np.random.default_rng(4343).standard_normal(shape).astype(np.float32)
# ONNX cubic with half_pixel coordinates, a = -0.75, edge values outside: PyTorch's bicubic.
y = torch.nn.functional.interpolate(torch.from_numpy(x), scale_factor=2, mode="bicubic", align_corners=False).numpy()
np.save(out / "test_input.npy", x)
np.save(out / "test_output.npy", y)
(out / "README.md").write_text("# Resize (cubic) ONNX test fixture\n\nWritten by scripts/make_convert_fixtures.py.\n")


def sha(name):
    return hashlib.sha256((out / name).read_bytes()).hexdigest()


def axes(size, scale=""):
    return f"""    axes:
      - type: batch
      - type: channel
        channel_names: [c]
      - type: space
        id: y
        size: {str(size).replace("AXIS", "y")}{scale}
      - type: space
        id: x
        size: {str(size).replace("AXIS", "x")}{scale}"""


(out / "rdf.yaml").write_text(f"""# bioimage.io model description, written by scripts/make_convert_fixtures.py
# A TEST FIXTURE: one cubic Resize node, which convert --to torchscript cannot write.
type: model
format_version: 0.5.4
name: deepimage cubic Resize ONNX test fixture
description: One ONNX Resize node in cubic mode (opset 13), to test the refusal of an operator the TorchScript converter lacks.
authors:
  - name: deepimage developers
cite:
  - text: "ONNX operator specification: Resize"
    url: https://onnx.ai/onnx/operators/onnx__Resize.html
license: MIT
documentation: README.md
tags: [test-fixture, deepimage]
timestamp: "2026-01-01T00:00:00Z"
inputs:
  - id: raw
    description: any values
{axes(8)}
    data:
      type: float32
    test_tensor:
      source: test_input.npy
      sha256: {sha("test_input.npy")}
outputs:
  - id: out
    description: the input, twice the size
{axes("{tensor_id: raw, axis_id: AXIS}", chr(10) + "        scale: 0.5")}
    data:
      type: float32
    test_tensor:
      source: test_output.npy
      sha256: {sha("test_output.npy")}
weights:
  onnx:
    source: resize_cubic.onnx
    sha256: {sha("resize_cubic.onnx")}
    opset_version: 13
""")
