// Binary and ternary elementwise operators with numpy broadcasting: Add, Sub, Mul, Div, Pow, Max, Min,
// PRelu, Equal, Less, Greater, Where. Max and Min take two inputs and propagate NaN. Arithmetic runs on float32/float64 and on int32/int64 (exporters' shape
// arithmetic) and the other integer types; integer Div truncates toward zero as ONNX does.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_arithmetic(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_comparison(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_prelu(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_where(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> add_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> sub_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> mul_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> div_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> pow_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> max_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> min_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> prelu_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> equal_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> less_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> greater_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> where_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
