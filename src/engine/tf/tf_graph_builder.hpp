// TfGraphBuilder — the graph/graph.hpp graph a GraphDef becomes, and the helpers the TF operator forms
// (tf_operator_forms.hpp) share to write it: nodes of one output, constants, and the Transposes that
// move a tensor between TF's channels-last order and the graph's channels-first one.
//
//   TfGraphBuilder b("saved_model.pb");
//   ValueId xt = b.to_channels_first(x, 4, "conv1");          // NHWC -> NCHW
//   ValueId y = b.add("Conv", "conv1", {xt, w}, {{"auto_pad", std::string("SAME_UPPER")}});
//
// add() folds a node whose inputs are all constant into a constant at once (its reference kernel), so a
// kernel transposed from HWIO to OIHW, or an axis computed from constants, is a constant the next form
// can read.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine {

using TfAttributes = std::map<std::string, graph::Attribute>;

class TfGraphBuilder {
 public:
  explicit TfGraphBuilder(std::string source);

  graph::Graph& graph() { return graph_; }
  const std::string& source() const { return graph_.source; }

  // A node `op` (graph/ops.hpp) named `name` with one output value of that name; a constant instead
  // when every input is constant (and there is at least one).
  graph::ValueId add(const std::string& op, const std::string& name, std::vector<graph::ValueId> inputs, TfAttributes attributes = {});
  graph::ValueId constant(const std::string& name, Tensor value);
  graph::ValueId ints(const std::string& name, const std::vector<std::int64_t>& values);  // int64, 1-d
  graph::ValueId scalar(const std::string& name, DType dtype, double value);
  // The value's constant, or nullptr when it is computed at run time.
  const Tensor* constant_of(graph::ValueId id) const;

  // Transposes between channels-last (N, spatial..., C) and channels-first (N, C, spatial...) for a
  // tensor of `rank`.
  graph::ValueId to_channels_first(graph::ValueId x, std::size_t rank, const std::string& name);
  graph::ValueId to_channels_last(graph::ValueId x, std::size_t rank, const std::string& name);

  // Convolutions without a bias, by the value their form returns: BiasAdd folds its bias into them
  // when it is that value's only reader.
  void note_biasless_convolution(graph::ValueId result, std::size_t node_index) { biasless_convolutions_[result] = node_index; }
  // The conv node whose bias input may be set for `result`, or nullptr.
  graph::Node* biasless_convolution(graph::ValueId result);

 private:
  graph::Graph graph_;
  std::map<graph::ValueId, std::size_t> biasless_convolutions_;
};

}  // namespace deepimage::engine
