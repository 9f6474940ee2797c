#!/usr/bin/python3
"""Writes tests/data/models/hardmax_onnx/: a one-node ONNX bundle whose operator (Hardmax, opset 13)
OpenCV DNN 4.6 has no layer for. The onnx engine must refuse it with a one-line error naming the
operator and the file. Rerun with Debian's python3-onnx and python3-numpy; the seed is fixed."""
import hashlib
import pathlib

import numpy as np
import onnx
from onnx import TensorProto, helper

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "models" / "hardmax_onnx"
out.mkdir(parents=True, exist_ok=True)

shape = [1, 1, 8, 8]
graph = helper.make_graph(
    [helper.make_node("Hardmax", ["raw"], ["out"], name="row_argmax", axis=-1)],
    "hardmax_fixture",
    [helper.make_tensor_value_info("raw", TensorProto.FLOAT, shape)],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, shape)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="deepimage fixtures")
onnx.checker.check_model(model)
onnx.save(model, out / "hardmax.onnx")

x = np.random.default_rng(4242).standard_normal(shape).astype(np.float32)
y = (x == x.max(axis=-1, keepdims=True)).astype(np.float32)  # what Hardmax computes (ties do not occur)
np.save(out / "test_input.npy", x)
np.save(out / "test_output.npy", y)


def sha(name):
    return hashlib.sha256((out / name).read_bytes()).hexdigest()


def axes(extra=""):
    return f"""    axes:
      - type: batch
      - type: channel
        channel_names: [c]
      - type: space
        id: y
        size: 8
      - type: space
        id: x
        size: 8{extra}"""


(out / "rdf.yaml").write_text(f"""# bioimage.io model description, written by scripts/make_onnx_fixtures.py
# A TEST FIXTURE: one Hardmax node, an operator OpenCV DNN 4.6 does not have.
type: model
format_version: 0.5.4
name: deepimage Hardmax ONNX test fixture
description: One ONNX Hardmax node (opset 13), to test the error for an operator the engine lacks.
authors:
  - name: deepimage developers
cite:
  - text: "ONNX operator specification: Hardmax"
    url: https://onnx.ai/onnx/operators/onnx__Hardmax.html
license: MIT
documentation: README.md
tags: [test-fixture, deepimage]
timestamp: "2026-01-01T00:00:00Z"
inputs:
  - id: raw
    description: any values
{axes()}
    data:
      type: float32
    test_tensor:
      source: test_input.npy
      sha256: {sha("test_input.npy")}
outputs:
  - id: out
    description: 1 at the maximum of each row, else 0
{axes()}
    data:
      type: float32
    test_tensor:
      source: test_output.npy
      sha256: {sha("test_output.npy")}
weights:
  onnx:
    source: hardmax.onnx
    sha256: {sha("hardmax.onnx")}
    opset_version: 13
""")
(out / "README.md").write_text("""# hardmax_onnx: an ONNX bundle OpenCV DNN 4.6 cannot import

Written by `scripts/make_onnx_fixtures.py`. One `Hardmax` node (opset 13), an operator OpenCV DNN 4.6
has no layer for: `deepimage test` must fail with one line naming the operator and `hardmax.onnx`.
The test tensors are what Hardmax computes (numpy), so an engine that gains the operator passes.
""")
