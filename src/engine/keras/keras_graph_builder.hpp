// KerasGraphBuilder — appends graph IR nodes for the Keras importer, and keeps the layout rule in
// one place: Keras tensors are channels-last (N, spatial..., C); inside the graph every tensor of rank
// >= 3 is channels-first (N, C, spatial...), as graph/ops.hpp's operators expect. Transposes appear
// only at the graph's inputs and outputs and around the layers that act on Keras' memory order
// (Reshape, Permute, Flatten).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine::keras {

// A Keras tensor inside the graph: channels-first when rank >= 3.
struct KerasValue {
  graph::ValueId id = graph::no_value;
  int rank = 0;
};

// Keras' axis `axis` of a rank-`rank` channels-last tensor, as the axis of its channels-first form.
int channels_first_axis(std::int64_t axis, int rank);
// Permutation taking channels-last to channels-first (0, r-1, 1, ..., r-2), and its inverse.
std::vector<std::int64_t> to_channels_first_perm(int rank);
std::vector<std::int64_t> to_channels_last_perm(int rank);
// `t` with its axes permuted: result axis k is t's axis perm[k].
Tensor permuted(const Tensor& t, const std::vector<std::int64_t>& perm);

class KerasGraphBuilder {
 public:
  explicit KerasGraphBuilder(graph::Graph& graph) : graph_(graph) {}

  // One node with one output value named `name`.
  graph::ValueId node(const std::string& op, const std::string& name, std::vector<graph::ValueId> inputs,
                      std::map<std::string, graph::Attribute> attributes = {});
  graph::ValueId constant(const std::string& name, Tensor t);
  graph::ValueId ints(const std::string& name, const std::vector<std::int64_t>& values);
  graph::ValueId scalar(const std::string& name, float value);

  KerasValue to_channels_last(KerasValue v, const std::string& name);  // identity below rank 3
  KerasValue to_channels_first(KerasValue v, const std::string& name);
  // A Keras activation by its config name ("relu", "linear", "hard_sigmoid", ...) on a channels-first
  // value; `where` names the layer for the message refusing an unknown one.
  KerasValue activation(KerasValue v, const std::string& activation, const std::string& name, const std::string& where);

  graph::Graph& graph() { return graph_; }

 private:
  graph::Graph& graph_;
};

}  // namespace deepimage::engine::keras
