// TfNode — what an operator form (tf_operator_forms.hpp) sees of one GraphDef node: its attributes, its
// data inputs as graph values, the graph being built, and the one way to word an error about it.
//
//   const auto strides = n.ints_attr("strides");                 // [1, 2, 2, 1]
//   const auto axes = n.constant_ints(1, "reduction_indices");   // refused when computed at run time
//   throw n.refused("padding \"EXPLICIT\" is not supported");
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "deepimage/error.hpp"
#include "engine/tf/proto/graph.pb.h"
#include "engine/tf/tf_graph_builder.hpp"

namespace deepimage::engine {

struct TfNode {
  const tfproto::NodeDef& def;
  std::vector<graph::ValueId> inputs;     // data inputs in order (control inputs "^name" left out)
  std::vector<std::string> input_names;   // the same as tensor names "node:k"
  TfGraphBuilder& builder;
  std::function<int(const std::string&)> reader_count;  // how many nodes read a tensor "node:k"

  const std::string& name() const { return def.name(); }
  // `source: Op node "name"`, the head of every message about this node.
  std::string describe() const;
  Error refused(const std::string& why) const;  // ErrorCode::unsupported
  Error broken(const std::string& why) const;   // ErrorCode::bad_model

  // Input k; throws broken() when the node has fewer.
  graph::ValueId input(std::size_t k) const;
  // Input k's constant value; throws refused() naming `what` when it is computed at run time. The
  // reference lives in the graph's values: adding a value may move it.
  const Tensor& constant_input(std::size_t k, const std::string& what) const;
  std::vector<std::int64_t> constant_ints(std::size_t k, const std::string& what) const;

  bool has_attr(const std::string& key) const { return def.attr().count(key) != 0; }
  std::int64_t int_attr(const std::string& key, std::int64_t fallback) const;
  double float_attr(const std::string& key, double fallback) const;
  bool bool_attr(const std::string& key, bool fallback) const;
  std::string string_attr(const std::string& key, const std::string& fallback) const;
  std::vector<std::int64_t> ints_attr(const std::string& key) const;  // empty when absent
  // The element type attribute `key` ("T", "dtype", "DstT"); f32 when absent.
  DType type_attr(const std::string& key) const;
};

}  // namespace deepimage::engine
