// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (ops.hpp): shape inference and reference
// kernels over C-order float32 tensors with 1 to 3 spatial axes. Pads never count as a maximum;
// AveragePool divides by the window's positions inside the input, or inside the padded input with
// count_include_pad (a ceil_mode window reaching past the end padding counts only up to its end, as
// PyTorch and ONNX Runtime do).
#pragma once

#include <vector>

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_max_pool(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> max_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs);

std::vector<TensorType> infer_average_pool(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> average_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs);

// Both global pools: (N, C, spatial...) -> (N, C, 1, ...).
std::vector<TensorType> infer_global_pool(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> global_average_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> global_max_pool_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
