// Softmax: opset-13 form over one `axis` (default -1); with `legacy` = 1 (opset < 13) over all axes
// from `axis` (default 1) on, the input seen as a 2-d matrix.
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_softmax(const Node& node, const std::vector<const Value*>& inputs);
std::vector<Tensor> softmax_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
