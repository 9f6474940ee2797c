// Operators that change a tensor's shape or type but not its element order: Reshape, Flatten,
// Squeeze, Unsqueeze, Expand, Shape, ConstantOfShape, Cast. Any element type.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_reshape(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_flatten(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_squeeze(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_unsqueeze(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_expand(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_shape(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_constant_of_shape(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_cast(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> reshape_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> flatten_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> squeeze_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> unsqueeze_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> expand_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> shape_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> constant_of_shape_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> cast_reference(const Node& node, const std::vector<const Tensor*>& inputs);

// Shape's output for an input of `input_shape` (its `start`/`end` attributes applied): specialize()
// folds Shape nodes with it as soon as the input's shape is known, without the input's data.
Tensor shape_operator_output(const Node& node, const Shape& input_shape);

// The DType of an ONNX TensorProto data type number (Cast's `to`); throws Error(unsupported) naming the
// node for float16, strings and the other types deepimage tensors do not hold.
DType dtype_of_onnx_type(const Node& node, std::int64_t onnx_type);

}  // namespace deepimage::engine::graph
