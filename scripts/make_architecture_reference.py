#!/usr/bin/python3
"""Write tests/data/architecture/*.json: what `deepimage info --architecture` must report, computed
independently in PyTorch eager mode.

    /usr/bin/python3 scripts/make_architecture_reference.py [--realdata ../shared/realdata]

For each TorchScript model below, an eager nn.Module with the same submodule names is built and the
TorchScript file's state_dict is loaded into it (strict: same names, same shapes), and its output on
the test input must equal the TorchScript output, so the eager copy is the same network. Then:
  - forward hooks on the leaf modules give each call's output shape, in execution order;
  - parameters per module are sum(p.numel()) over the module, the total over the whole model;
  - FLOPs are computed by hand (one multiply-add = 2 FLOPs): a convolution 2 * Cin/groups * prod(kernel) * Cout
    * N * prod(out spatial), a transposed one 2 * Cin * Cout/groups * prod(kernel) * N * prod(in spatial), a
    Linear 2 * in_features * output size; other layers cost 0 in deepimage's convention.
It also writes grouped_transposed_linear_tiny/, a fixture bundle (TorchScript + ONNX) for the FLOP
rules the U-Nets do not reach.
Needs Debian's python3-torch and python3-numpy only.
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "scripts"))
import make_test_models as fixtures  # noqa: E402  (the eager classes of the tiny fixtures)
import train_example_model as example  # noqa: E402  (the eager class of examples/nuclei_unet2d)


def eager_leaf(script_module):
    """An eager copy of a scripted torch.nn leaf module, from its attributes."""
    kind = script_module.original_name
    if kind in ("Conv2d", "Conv3d"):
        cls = getattr(nn, kind)
        m = script_module
        return cls(m.in_channels, m.out_channels, tuple(m.kernel_size), stride=tuple(m.stride), padding=tuple(m.padding),
                   dilation=tuple(m.dilation), groups=m.groups, bias=m.bias is not None, padding_mode=m.padding_mode)
    if kind == "ReLU":
        return nn.ReLU()
    if kind in ("MaxPool2d", "MaxPool3d"):
        m = script_module
        return getattr(nn, kind)(m.kernel_size, stride=m.stride, padding=m.padding, dilation=m.dilation, ceil_mode=m.ceil_mode)
    if kind == "Upsample":
        m = script_module
        return nn.Upsample(size=getattr(m, "size", None), scale_factor=getattr(m, "scale_factor", None), mode=m.mode,
                           align_corners=getattr(m, "align_corners", None))
    raise ValueError(f"no eager copy for {kind}")


def eager_tree(script_module):
    """Sequential/ModuleList containers and leaves copied with the same names."""
    children = list(script_module.named_children())
    if not children:
        return eager_leaf(script_module)
    if script_module.original_name == "ModuleList":
        return nn.ModuleList([eager_tree(c) for _, c in children])
    return nn.Sequential(*[eager_tree(c) for _, c in children])


class UNet2dNucleiBroad(nn.Module):
    """The forward of unet2d_nuclei_broad's weights.pt (its TorchScript code), written in eager mode."""

    def __init__(self, scripted):
        super().__init__()
        for name in ("encoders", "downsamplers", "base", "decoders", "upsamplers", "output"):
            setattr(self, name, eager_tree(getattr(scripted, name)))

    def forward(self, x):
        skips = []
        for encoder, down in zip(self.encoders, self.downsamplers):
            x = encoder(x)
            skips.append(x)
            x = down(x)
        x = self.base(x)
        for decoder, up, skip in zip(self.decoders, self.upsamplers, reversed(skips)):
            x = decoder(torch.cat([skip, up(x)], 1))
        return self.output(x)


class GroupedTransposedLinear(nn.Module):
    """A test fixture for the FLOP rules the U-Nets do not reach: a grouped convolution, a transposed
    convolution (2x upsampling) and a Linear layer over the channels."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.grouped = nn.Conv2d(4, 4, 3, padding=1, groups=2)
        self.up = nn.ConvTranspose2d(4, 2, 2, stride=2)
        self.mix = nn.Linear(2, 3)

    def forward(self, x):
        y = self.up(self.grouped(self.conv(x)))
        return self.mix(y.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


FIXTURE_RDF = """# bioimage.io model description, written by scripts/make_architecture_reference.py
# A TEST FIXTURE for `info --architecture`: random weights, its output means nothing.
type: model
format_version: 0.5.4
name: grouped_transposed_linear_tiny
description: conv 1->4, grouped conv 4->4 (2 groups), transposed conv 4->2 (2x), Linear 2->3 over channels.
  Halo 4 output pixels = the two 3x3 convolutions' radius 2, doubled.
authors:
  - name: deepimage developers
cite:
  - text: "deepimage test fixture (no publication)"
    url: https://bioimage.io
license: MIT
documentation: README.md
tags: [pytorch, 2d, test-fixture, deepimage]
timestamp: "2026-01-01T00:00:00Z"
inputs:
  - id: raw
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
      sha256: {input_sha}
outputs:
  - id: out
    axes:
      - type: batch
      - type: channel
        channel_names: [a, b, c]
      - type: space
        id: y
        size: {{tensor_id: raw, axis_id: y}}
        halo: 4
        scale: 0.5
      - type: space
        id: x
        size: {{tensor_id: raw, axis_id: x}}
        halo: 4
        scale: 0.5
    data:
      type: float32
    test_tensor:
      source: test_output.npy
      sha256: {output_sha}
weights:
  torchscript:
    source: weights.pt
    sha256: {pt_sha}
    pytorch_version: "1.13.1"
  onnx:
    source: weights.onnx
    sha256: {onnx_sha}
    opset_version: 11
"""


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_fixture(folder):
    """The GroupedTransposedLinear bundle (TorchScript and ONNX), fixed seed."""
    os.makedirs(folder, exist_ok=True)
    torch.manual_seed(909)
    net = GroupedTransposedLinear().eval()
    x = torch.from_numpy(np.random.default_rng(909).standard_normal((1, 1, 12, 10)).astype(np.float32))
    with torch.no_grad():
        y = net(x)
    torch.jit.save(torch.jit.script(net), os.path.join(folder, "weights.pt"))
    torch.onnx.export(net, x, os.path.join(folder, "weights.onnx"), opset_version=11, input_names=["raw"],
                      output_names=["out"], dynamic_axes={"raw": {2: "y", 3: "x"}, "out": {2: "y2", 3: "x2"}})
    np.save(os.path.join(folder, "test_input.npy"), x.numpy())
    np.save(os.path.join(folder, "test_output.npy"), y.numpy())
    with open(os.path.join(folder, "README.md"), "w") as f:
        f.write("# grouped_transposed_linear_tiny\n\nWritten by `scripts/make_architecture_reference.py` (seed 909): a test "
                "fixture for `info --architecture` with random weights (a grouped convolution, a transposed convolution and a "
                "Linear layer over the channels, in TorchScript and ONNX). Its output means nothing.\n")
    with open(os.path.join(folder, "rdf.yaml"), "w") as f:
        f.write(FIXTURE_RDF.format(input_sha=sha256(os.path.join(folder, "test_input.npy")),
                                   output_sha=sha256(os.path.join(folder, "test_output.npy")),
                                   pt_sha=sha256(os.path.join(folder, "weights.pt")),
                                   onnx_sha=sha256(os.path.join(folder, "weights.onnx"))))
    return net


def conv_flops(module, out):
    """By hand: a convolution does Cin/groups * prod(kernel) multiply-adds per output element; a
    transposed one Cout/groups * prod(kernel) per input element; a Linear in_features per output element."""
    k = math.prod(module.kernel_size)
    if isinstance(module, nn.ConvTranspose2d):
        n, _, h, w = module.last_input_shape
        return 2 * module.in_channels * (module.out_channels // module.groups) * k * n * h * w
    return 2 * (module.in_channels // module.groups) * k * module.out_channels * out.numel() // module.out_channels


def reference(eager, scripted, inputs, name):
    missing = eager.load_state_dict(scripted.state_dict(), strict=True)
    assert not missing.missing_keys and not missing.unexpected_keys
    eager.eval()
    rows = []

    def hook(qualified):
        def record(module, inputs, out):
            module.last_input_shape = tuple(inputs[0].shape)
            row = {"name": qualified, "kind": type(module).__name__, "output_shape": list(out.shape),
                   "params": sum(p.numel() for p in module.parameters()), "flops": 0}
            if isinstance(module, (nn.Conv2d, nn.Conv3d, nn.ConvTranspose2d)):
                row["flops"] = conv_flops(module, out)
            if isinstance(module, nn.Linear):
                row["flops"] = 2 * module.in_features * out.numel()
            rows.append(row)
        return record

    for qualified, module in eager.named_modules():
        if qualified and not list(module.children()):
            module.register_forward_hook(hook(qualified))
    with torch.no_grad():
        xs = [torch.from_numpy(x) for x in inputs]
        ours, theirs = eager(*xs), scripted(*xs)
    assert torch.equal(ours, theirs), f"{name}: the eager copy does not compute what the TorchScript file does"
    return {
        "model": name,
        "input_shapes": [list(x.shape) for x in inputs],
        "leaf_module_calls": rows,
        "total_params": sum(p.numel() for p in eager.parameters()),
        "total_flops": sum(r["flops"] for r in rows),
    }


def dumps(ref):
    """JSON with one leaf call per line, so that a diff shows which layer changed."""
    rows = ref.get("leaf_module_calls")
    head = {k: v for k, v in ref.items() if k != "leaf_module_calls"}
    text = json.dumps(head, indent=1)
    if rows is None:
        return text + "\n"
    body = ",\n  ".join(json.dumps(r) for r in rows)
    return text[:-2] + ',\n "leaf_module_calls": [\n  ' + body + "\n ]\n}\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--realdata", default=os.path.join(REPO_ROOT, "..", "shared", "realdata"))
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "tests", "data", "architecture"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    models = os.path.join(REPO_ROOT, "tests", "data", "models")
    fixture = os.path.join(args.out, "grouped_transposed_linear_tiny")
    fixture_net = write_fixture(fixture)
    cases = [
        ("laplace2d_tiny", os.path.join(models, "laplace2d_tiny"), fixtures.Laplace2dTiny, "test_input.npy"),
        ("unet3d_tiny", os.path.join(models, "unet3d_tiny"), fixtures.UNet3dTiny, "test_input.npy"),
        ("grouped_transposed_linear_tiny", fixture, lambda: fixture_net, "test_input.npy"),
        ("nuclei_unet2d", os.path.join(REPO_ROOT, "examples", "nuclei_unet2d"), example.UNet2d, "test_input.npy"),
        ("unet2d_nuclei_broad", os.path.join(args.realdata, "unet2d_nuclei_broad"), None, "test_input.npy"),
    ]
    for name, folder, cls, test_input in cases:
        scripted = torch.jit.load(os.path.join(folder, "weights.pt")).eval()
        eager = cls() if cls else UNet2dNucleiBroad(scripted)
        x = np.load(os.path.join(folder, test_input)).astype(np.float32)
        x = (x - x.mean()) / (x.std() + 1e-6)  # the values do not change shapes; normalised keeps them sane
        ref = reference(eager, scripted, [x], name)
        with open(os.path.join(args.out, name + ".json"), "w") as f:
            f.write(dumps(ref))
        print(f"{name}: {len(ref['leaf_module_calls'])} leaf calls, {ref['total_params']} params, {ref['total_flops']} FLOPs")
    # A traced model with two inputs and two outputs, whose Python source is not here: only what the
    # loaded module itself tells (its parameters; the shapes of its outputs on the test inputs).
    folder = os.path.join(args.realdata, "unet2d_multi_tensor")
    traced = torch.jit.load(os.path.join(folder, "weights_torchscript_traced.pt")).eval()
    xs = [np.load(os.path.join(folder, f"test_input_{i}.npy")).astype(np.float32) for i in range(2)]
    with torch.no_grad():
        outs = traced(*[torch.from_numpy(x) for x in xs])
    ref = {"model": "unet2d_multi_tensor", "input_shapes": [list(x.shape) for x in xs],
           "total_params": sum(p.numel() for p in traced.parameters()),
           "conv_modules": sum(1 for _, m in traced.named_modules() if m.original_name == "Conv2d"),
           "output_shapes": [list(o.shape) for o in outs]}
    with open(os.path.join(args.out, "unet2d_multi_tensor.json"), "w") as f:
        f.write(dumps(ref))
    print(f"unet2d_multi_tensor: {ref['total_params']} params, outputs {ref['output_shapes']}")


if __name__ == "__main__":
    main()
