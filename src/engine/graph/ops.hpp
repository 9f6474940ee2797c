// The native engine's operators: ONE list (register_builtin_graph_ops() in ops.cpp), each entry with
// its shape inference and its reference kernel. The reference kernel is a plain C++ loop over C-order
// tensors: it folds constants, runs what an executor has no fast path for, and is what every fast
// kernel is tested against.
//
// Canonical forms (importers produce exactly these; attribute names are ONNX's unless noted):
//   Conv                X, W, [B], [Sum]  strides, pads (begin..., end...), dilations, group;
//                       after specialize() pads are explicit (no auto_pad). Fused forms (fusion pass):
//                       `activation` = "relu" | "leaky_relu" | "elu" | "sigmoid" | "tanh" | "clip" with
//                       `alpha`/`beta` (leaky_relu/elu slope in alpha; clip min, max in alpha, beta), and a
//                       4th input Sum added before the activation: Y = act(conv(X, W) + B + Sum).
//   ConvTranspose       X, W, [B]         strides, pads, dilations, group, output_padding; after
//                       specialize() pads are explicit (output_shape and auto_pad resolved into pads and
//                       output_padding). Same fused `activation` attributes as Conv.
//   MaxPool, AveragePool X               kernel_shape, strides, pads, dilations, ceil_mode,
//                       count_include_pad (AveragePool); explicit pads after specialize().
//   GlobalAveragePool, GlobalMaxPool  X
//   Resize              X                 mode ("nearest" | "linear" | "cubic"), coordinate_transformation_mode,
//                       nearest_mode, cubic_coeff_a, exclude_outside, extrapolation_value, and either
//                       `scales` (floats, one per axis) or `sizes` (ints, one per axis); `roi` (floats) for
//                       tf_crop_and_resize. ONNX Upsample becomes Resize (opset 7-9: "asymmetric", nearest
//                       mode "floor").
//   BatchNormalization  X, scale, B, mean, var   epsilon (inference form; training outputs refused)
//   InstanceNormalization X, scale, B            epsilon
//   Pad                 X                 pads (begin..., end...), mode ("constant"|"reflect"|"edge"), `value` (float)
//   Add, Sub, Mul, Div, Pow, PRelu      A, B   numpy broadcasting; float32, and int64 for shape arithmetic
//   Relu, Sigmoid, Tanh, Sqrt, Exp, Identity, Neg, Abs, Floor, Ceil   X
//   LeakyRelu, Elu      X                 alpha
//   Clip                X                 `min`, `max` (floats; absent: unbounded)
//   Softmax             X                 axis; `legacy` = 1 for opset < 13 (softmax over all axes >= axis)
//   Concat              inputs...         axis
//   Reshape             X                 `shape` (ints; ONNX 0 and -1 rules), allowzero
//   Flatten             X                 axis
//   Transpose           X                 perm
//   Squeeze, Unsqueeze  X                 `axes` (ints)
//   Slice               X                 `starts`, `ends`, `axes`, `steps` (ints, ONNX clamping rules)
//   Shape               X                 start, end          (output int64; always folded after specialize())
//   Gather              X, indices        axis
//   Cast                X                 `to` (string dtype name: "float32", "int64", ...)
//   ReduceMean, ReduceMax, ReduceMin, ReduceSum   X   `axes` (ints; absent: all), keepdims
//   MatMul              A, B
//   Gemm                A, B, [C]         alpha, beta, transA, transB
//   Equal, Less, Greater  A, B  (bool out);  Where  cond, A, B;  ConstantOfShape  shape-input  `value`
//   Expand              X, shape-input
// Negative axes are allowed in every axis attribute (normalize_axis() in graph.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine::graph {

struct TensorType {
  DType dtype = DType::f32;
  Shape shape;
};

// Output types from the inputs' types; inputs[k] is nullptr for an omitted optional input. May read a
// constant input's data (Expand's shape, Gather's indices). Throws Error(bad_model) via node.describe().
using InferFn = std::function<std::vector<TensorType>(const Node& node, const std::vector<const Value*>& inputs)>;
// Outputs from inputs (C-order tensors; nullptr for an omitted optional input).
using ComputeFn = std::function<std::vector<Tensor>(const Node& node, const std::vector<const Tensor*>& inputs)>;

struct OpDef {
  std::string name;
  InferFn infer;
  ComputeFn reference;
};

const std::vector<OpDef>& builtin_graph_ops();
// The op called `name`, or nullptr.
const OpDef* find_graph_op(const std::string& name);

}  // namespace deepimage::engine::graph
