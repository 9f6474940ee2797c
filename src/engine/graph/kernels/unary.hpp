// Pointwise operators of one input: Relu, Sigmoid, Tanh, Sqrt, Exp, Identity, Neg, Abs, Floor, Ceil,
// Erf, LeakyRelu and Elu (`alpha`), and Clip (optional min and max inputs). Float32/float64; Identity
// takes any type, Neg, Abs and Clip integers too.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_float_pointwise(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_numeric_pointwise(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_identity(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_clip(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> compute_relu(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_sigmoid(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_tanh(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_sqrt(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_exp(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_identity(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_neg(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_abs(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_floor(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_ceil(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_erf(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_leaky_relu(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_elu(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> compute_clip(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
