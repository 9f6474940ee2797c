// Pointwise operators of one input: Relu, Sigmoid, Tanh, Sqrt, Exp, Log, Softplus, Identity, Neg, Abs, Floor, Ceil,
// Erf, LeakyRelu and Elu (`alpha`), and Clip (optional min and max inputs). Float32/float64; Identity
// takes any type, Neg, Abs and Clip integers too.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_float_pointwise(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_numeric_pointwise(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_identity(const Node& node, const std::vector<const Value*>& inputs);
std::vector<TensorType> infer_clip(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> relu_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> sigmoid_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> tanh_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> sqrt_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> exp_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> log_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> softplus_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> identity_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> neg_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> abs_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> floor_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> ceil_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> erf_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> leaky_relu_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> elu_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> clip_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
