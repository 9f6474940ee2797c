// Pad (ops.hpp; ONNX opset 19 form): X, pads, [constant_value], [axes] with mode constant, reflect,
// edge or wrap. pads and axes must be constant (specialize() folds them). Negative pads crop.
// Works on any element type: elements are copied, never converted.
//
//   along one axis, X = a b c d, pads (2, 2):
//     constant  0 0 | a b c d | 0 0
//     reflect   c b | a b c d | c b      (numpy's reflect: the edge is not repeated)
//     edge      a a | a b c d | d d
//     wrap      c d | a b c d | a b
#pragma once

#include <vector>

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_pad(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> pad_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
