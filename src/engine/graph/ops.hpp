// The native engine's operators: ONE list (register_builtin_graph_ops() in ops.cpp), each entry with
// its shape inference and its reference kernel. The reference kernel is a plain C++ loop over C-order
// tensors: it folds constants, runs what an executor has no fast path for, and is what every fast
// kernel is tested against.
//
// Canonical forms: the LATEST ONNX opset's form of each operator (inputs and attribute names as ONNX
// 18 writes them); importers upgrade older spellings (attributes that later became operand inputs turn
// into constant inputs). Operand inputs (Reshape's shape, Slice's starts/ends/axes/steps, Resize's
// roi/scales/sizes, Pad's pads/constant_value/axes, Squeeze/Unsqueeze axes, Clip min/max, Expand's
// shape, ...) may be computed by other nodes (Shape -> Gather -> Concat chains); specialize() folds them
// into constants, and shape inference and executors require them constant (the error names the node).
//   Conv                X, W, [B]       strides, pads (begin..., end...), dilations, group; after
//                       specialize() pads are explicit (auto_pad resolved, attribute removed). Fused forms
//                       (fuse_conv_activation): `activation` = "relu" | "leaky_relu" | "elu" | "sigmoid" |
//                       "tanh" | "clip" with `alpha`/`beta` (leaky_relu/elu slope in alpha; clip min, max in
//                       alpha, beta), and a 4th input Sum added before the activation:
//                       Y = act(conv(X, W) + B + Sum).
//   ConvTranspose       X, W, [B], [output_shape]   strides, pads, dilations, group, output_padding,
//                       output_shape; after specialize() pads and output_padding are explicit (output_shape,
//                       auto_pad resolved). The output_shape operand (int64 spatial sizes; not ONNX's: TF's
//                       Conv2DBackpropInput computes it from the input's shape at run time) becomes the
//                       attribute in specialize() once folded. Same fused `activation` attributes as Conv
//                       (no Sum input).
//   MaxPool, AveragePool X             kernel_shape, strides, pads, dilations, ceil_mode, count_include_pad;
//                       explicit pads after specialize(). GlobalAveragePool, GlobalMaxPool X.
//   Resize              X, [roi], [scales], [sizes]   mode, coordinate_transformation_mode, nearest_mode,
//                       cubic_coeff_a, exclude_outside, extrapolation_value (opset 13/18 semantics). ONNX
//                       Upsample (opset 7-9) becomes Resize "asymmetric" with nearest_mode "floor".
//   BatchNormalization  X, scale, B, mean, var   epsilon (inference form; training outputs refused)
//   InstanceNormalization X, scale, B            epsilon
//   Pad                 X, pads, [constant_value], [axes]   mode ("constant" | "reflect" | "edge")
//   Add, Sub, Mul, Div, Pow, Max, Min, PRelu   A, B   numpy broadcasting; float32, and int64 for shape arithmetic
//   Relu, Sigmoid, Tanh, Sqrt, Exp, Log, Softplus, Identity, Neg, Abs, Floor, Ceil, Erf   X
//   LeakyRelu, Elu      X               alpha
//   Clip                X, [min], [max]
//   Softmax             X               axis; `legacy` = 1 for opset < 13 (softmax over all axes >= axis)
//   Concat              inputs...       axis
//   Reshape             X, shape        allowzero (ONNX 0 and -1 rules)
//   Flatten             X               axis
//   Transpose           X               perm
//   Squeeze, Unsqueeze  X, [axes]
//   Slice               X, starts, ends, [axes], [steps]   (ONNX clamping rules)
//   Shape               X               start, end   (int64 output; always folded by specialize())
//   Gather              X, indices      axis
//   Tile                X, repeats      (one count per axis)
//   Cast                X               to (ONNX TensorProto data type number, as in the file)
//   ReduceMean, ReduceMax, ReduceMin, ReduceSum, ReduceProd   X, [axes]   keepdims, noop_with_empty_axes
//   MatMul              A, B;   Gemm  A, B, [C]   alpha, beta, transA, transB
//   Equal, Less, Greater  A, B (bool);  Where  cond, A, B;  ConstantOfShape  shape  value (a 1-element
//   tensor attribute, stored as a constant input 2 by the importer);  Expand  X, shape
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
