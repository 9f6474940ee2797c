// Runs a specialised graph node by node with the reference kernels (ops.hpp): the slow, obviously
// correct executor that fast executors are compared with, and the fallback for ops they lack.
//
//   std::vector<Tensor> y = run_reference(specialize(g, {x.shape()}), {x});
#pragma once

#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine::graph {

// `inputs` in graph.inputs order with the shapes the graph was specialised for; outputs in
// graph.outputs order. Intermediate tensors are freed after their last use.
std::vector<Tensor> run_reference(const Graph& graph, const std::vector<Tensor>& inputs);

}  // namespace deepimage::engine::graph
