// BatchNormalization (inference form) and InstanceNormalization (ops.hpp): shape inference and
// reference kernels over C-order float32 tensors (N, C, spatial...), computed in double.
//   BatchNormalization:    Y = (X - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + B[c]
//   InstanceNormalization: the same with the mean and (population) variance of each (n, c) plane.
#pragma once

#include <vector>

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_batch_normalization(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> batch_normalization_reference(const Node& node, const std::vector<const Tensor*>& inputs);

std::vector<TensorType> infer_instance_normalization(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> instance_normalization_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
