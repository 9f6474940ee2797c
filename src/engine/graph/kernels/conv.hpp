// Conv (ops.hpp has its canonical form): shape inference and the reference kernel over C-order
// float32 tensors, 1 to 3 spatial axes, groups, dilations, and the fused activation and residual Sum
// input that fuse_conv_activation() writes.
#pragma once

#include <vector>

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_conv(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> conv_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
