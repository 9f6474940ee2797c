// Binary and ternary elementwise operators with numpy broadcasting: Add, Sub, Mul, Div, Pow, PRelu,
// Equal, Less, Greater, Where. Arithmetic runs on float32/float64 and on int32/int64 (exporters' shape
// arithmetic); integer Div truncates toward zero as ONNX does.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_arithmetic(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_comparison(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_prelu(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_where(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> compute_add(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_sub(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_mul(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_div(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_pow(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_prelu(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_equal(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_less(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_greater(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_where(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
