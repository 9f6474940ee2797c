#!/usr/bin/python3
"""Counts the FLOPs of one forward pass of a TorchScript model at a given input shape.

    /usr/bin/python3 bench/count_flops.py examples/nuclei_unet2d/weights.pt 1,1,512,512
    -> prints GFLOP (1e9 FLOP) for that input, as `deepimage bench --gflop-per-tile` takes it

How: the module runs once under a TorchDispatchMode that sees every ATen op the TorchScript
interpreter dispatches, with real shapes. One multiply-add counts as 2 FLOP; counted are the ops
that carry the arithmetic of a CNN: convolution (plain and transposed, any dimensionality, groups)
and matrix products (mm, addmm, bmm). Element-wise ops, pooling, activations and copies are left
out (for a U-Net they are under 1 % of the multiply-adds), so the figure is a slight undercount and
GFLOP/s derived from it is conservative.
"""
import argparse
import math

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten


# Ops whose arguments put `transposed` where; plain convolutions are never transposed.
CONVOLUTIONS = {aten.conv1d, aten.conv2d, aten.conv3d, aten.convolution, aten._convolution}
TRANSPOSED = {aten.conv_transpose1d, aten.conv_transpose2d, aten.conv_transpose3d}


def conv_flops(packet, args, out):
    x, w = args[0], args[1]
    transposed = packet in TRANSPOSED or (packet in (aten.convolution, aten._convolution) and bool(args[6]))
    kernel = math.prod(w.shape[2:])
    if transposed:
        # Each input pixel scatters a (Cout/groups x kernel) patch; weight is (Cin, Cout/groups, k..).
        return 2 * x.shape[0] * x.shape[1] * math.prod(x.shape[2:]) * w.shape[1] * kernel
    # Each output pixel gathers (Cin/groups x kernel); weight is (Cout, Cin/groups, k..).
    return 2 * out.shape[0] * out.shape[1] * math.prod(out.shape[2:]) * w.shape[1] * kernel


class FlopCounter(TorchDispatchMode):
    """Sees each op as the TorchScript interpreter calls it (aten::conv2d, not the aten::convolution
    it decomposes into: inside __torch_dispatch__ the mode is off), so nothing is counted twice."""

    def __init__(self):
        super().__init__()
        self.flops = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        packet = func.overloadpacket
        if packet in CONVOLUTIONS or packet in TRANSPOSED:
            self.flops += conv_flops(packet, args, out)
        elif packet is aten.mm:
            self.flops += 2 * args[0].shape[0] * args[0].shape[1] * args[1].shape[1]
        elif packet is aten.addmm:
            self.flops += 2 * args[1].shape[0] * args[1].shape[1] * args[2].shape[1]
        elif packet is aten.bmm:
            self.flops += 2 * args[0].shape[0] * args[0].shape[1] * args[0].shape[2] * args[1].shape[2]
        return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("weights", help="TorchScript file (.pt)")
    p.add_argument("shape", help="input shape, comma separated, e.g. 1,1,512,512")
    a = p.parse_args()
    shape = [int(v) for v in a.shape.split(",")]
    module = torch.jit.load(a.weights, map_location="cpu").eval()
    x = torch.zeros(shape)
    counter = FlopCounter()
    with torch.inference_mode(), counter:
        module(x)
    print(f"{counter.flops / 1e9:.6f}")


if __name__ == "__main__":
    main()
