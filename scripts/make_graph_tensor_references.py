#!/usr/bin/python3
"""Rebuilds the numpy references in tests/data/engine/graph/ for the graph IR's elementwise, shape,
indexing, reduction and matrix-product kernels (tests/unit/engine/graph/tensor_kernels_test.cpp).
Fixed seeds; each case writes <case>_<input>.npy and <case>_y*.npy, computed in float64 with numpy and
saved as float32; the C++ test holds the same attributes in ONNX form.

Run with /usr/bin/python3 (numpy) from the repository root."""
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "engine", "graph")


def save(case, **arrays):
    for name, a in arrays.items():
        a = np.asarray(a)
        if a.dtype == np.float64:
            a = a.astype(np.float32)
        np.save(os.path.join(OUT, f"{case}_{name}.npy"), a)


def rand(rng, *shape, low=-1.0, high=1.0):
    # float32 inputs, held in float64 for the reference arithmetic
    return rng.uniform(low, high, size=shape).astype(np.float32).astype(np.float64)


def arithmetic(rng):
    a, b = rand(rng, 2, 3, 4), rand(rng, 3, 1, low=0.5, high=2.0)
    save("arith", a=a, b=b, add=a + b, sub=a - b, mul=a * b, div=a / b)
    base, exponent = rand(rng, 2, 3, low=0.1, high=3.0), rand(rng, 3, low=-2.0, high=2.0)
    save("pow", a=base, b=exponent, y=base ** exponent)
    x, slope = rand(rng, 2, 3, 4, 5), rand(rng, 3, 1, 1)
    save("prelu", x=x, slope=slope, y=np.where(x < 0, x * slope, x))


def unary(rng):
    x = rand(rng, 3, 4, 5, low=-3.0, high=3.0)
    erf = np.vectorize(math.erf)
    save("unary", x=x, relu=np.maximum(x, 0), sigmoid=1 / (1 + np.exp(-x)), tanh=np.tanh(x), exp=np.exp(x),
         abs=np.abs(x), neg=-x, floor=np.floor(x), ceil=np.ceil(x), erf=erf(x), sqrt=np.sqrt(np.abs(x)),
         leaky_relu=np.where(x < 0, 0.1 * x, x), elu=np.where(x < 0, 0.5 * (np.exp(x) - 1), x),
         clip=np.clip(x, -0.5, 1.25))


def softmax(rng):
    x = rand(rng, 2, 3, 4, low=-4.0, high=4.0)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    axis1 = e / e.sum(axis=1, keepdims=True)
    flat = x.reshape(2, 12)  # legacy (opset < 13) axis 1: softmax over axes 1 and 2 together
    f = np.exp(flat - flat.max(axis=1, keepdims=True))
    legacy = (f / f.sum(axis=1, keepdims=True)).reshape(2, 3, 4)
    save("softmax", x=x, axis1=axis1, legacy1=legacy)


def indexing(rng):
    x = rand(rng, 2, 3, 4, 5)
    save("transpose", x=x, y=x.transpose(0, 2, 3, 1))
    s = rand(rng, 4, 5, 6)
    save("slice", x=s, negative_step=s[-1::-2, :, 1:5:2], clamped=s[:, 1:, :], reverse_all=s[:, ::-1, :])
    g = rand(rng, 3, 4, 5)
    indices = np.array([[0, -1], [2, 1]], dtype=np.int64)
    save("gather", x=g, indices=indices, axis1=np.take(g, indices % 4, axis=1))
    e = rand(rng, 3, 1)
    save("expand", x=e, y=np.broadcast_to(e, (2, 3, 4)))
    cond = rng.uniform(size=(3, 1)) < 0.5
    wa, wb = rand(rng, 2, 3, 4), rand(rng, 4)
    save("where", cond=cond, a=wa, b=wb, y=np.where(cond, wa, wb))


def reductions(rng):
    x = rand(rng, 2, 3, 4, 5)
    save("reduce", x=x, mean_1_3_keep=x.mean(axis=(1, 3), keepdims=True), sum_all=x.sum(),
         max_last_keep=x.max(axis=-1, keepdims=True), min_0_2=x.min(axis=(0, 2)))


def matrix_products(rng):
    a, b = rand(rng, 2, 1, 3, 4), rand(rng, 5, 4, 2)
    v, m = rand(rng, 4), rand(rng, 2, 3, 4)
    save("matmul", a=a, b=b, y=np.matmul(a, b), v=v, vb=np.matmul(v, b), m=m, mv=np.matmul(m, v))
    ga, gb, gc = rand(rng, 4, 3), rand(rng, 5, 4), rand(rng, 5)
    save("gemm", a=ga, b=gb, c=gc, y=0.5 * ga.T @ gb.T + 2.0 * gc)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261201)
    for make in (arithmetic, unary, softmax, indexing, reductions, matrix_products):
        make(rng)


if __name__ == "__main__":
    main()
