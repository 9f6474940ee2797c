// ConvTranspose (ops.hpp): shape inference and the reference kernel over C-order float32 tensors,
// 1 to 3 spatial axes, groups, dilations, output_padding, output_shape and auto_pad (both turned into
// explicit pads by padding_rules.hpp), and the fused activation of fuse_conv_activation().
#pragma once

#include <vector>

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_conv_transpose(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> conv_transpose_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
