// ReduceMean, ReduceMax, ReduceMin, ReduceSum, ReduceProd: over the axes input (all axes when it is omitted or
// empty, none when it is empty and noop_with_empty_axes = 1), keeping reduced axes as size 1 when
// keepdims = 1 (the default). Float32/float64 and int32/int64; sums and products accumulate in double
// (int64 for integers).
#pragma once

#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {

std::vector<TensorType> infer_reduce(const Node& node, const std::vector<const Value*>& inputs);

std::vector<Tensor> reduce_mean_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> reduce_max_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> reduce_min_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> reduce_sum_reference(const Node& node, const std::vector<const Tensor*>& inputs);
std::vector<Tensor> reduce_prod_reference(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace deepimage::engine::graph
