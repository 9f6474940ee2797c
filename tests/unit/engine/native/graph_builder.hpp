// Small hand-built graphs for the executor tests: values get their shapes from the registered shape
// inference (ops.hpp), as specialize() would give them, and random data comes from a fixed seed.
//
//   GraphBuilder b;
//   ValueId x = b.input({1, 3, 9, 7});
//   ValueId y = b.node("Conv", {x, b.random_constant({4, 3, 3, 3}), no_value}, {{"pads", Ints{1, 1, 1, 1}}});
//   Graph g = b.finish({y});
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"
#include "engine/graph/ops.hpp"

namespace deepimage::testing {

using engine::graph::Attribute;
using engine::graph::Graph;
using engine::graph::no_value;
using engine::graph::Node;
using engine::graph::ValueId;
using Ints = std::vector<std::int64_t>;

inline Tensor random_tensor(const Shape& shape, std::uint32_t seed, float low = -1.0f, float high = 1.0f) {
  Tensor t(DType::f32, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(low, high);
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

class GraphBuilder {
 public:
  ValueId input(const Shape& shape) {
    engine::graph::Value v;
    v.name = "input" + std::to_string(graph_.inputs.size());
    v.shape = shape;
    v.shape_known = true;
    const ValueId id = graph_.add_value(std::move(v));
    graph_.inputs.push_back(id);
    return id;
  }
  ValueId constant(Tensor t) { return graph_.add_constant("c" + std::to_string(graph_.values.size()), std::move(t)); }
  ValueId random_constant(const Shape& shape, float low = -1.0f, float high = 1.0f) {
    return constant(random_tensor(shape, seed_++, low, high));
  }
  ValueId ints(const Ints& values) {
    Tensor t(DType::i64, {static_cast<std::int64_t>(values.size())});
    for (std::size_t i = 0; i < values.size(); ++i) t.data<std::int64_t>()[i] = values[i];
    return constant(std::move(t));
  }
  ValueId floats(const std::vector<float>& values) {
    Tensor t(DType::f32, {static_cast<std::int64_t>(values.size())});
    for (std::size_t i = 0; i < values.size(); ++i) t.data<float>()[i] = values[i];
    return constant(std::move(t));
  }
  ValueId scalar(float value) {
    Tensor t(DType::f32, {});
    t.data<float>()[0] = value;
    return constant(std::move(t));
  }

  // Adds the node; its outputs' types come from the op's shape inference.
  ValueId node(const std::string& op, std::vector<ValueId> inputs, std::map<std::string, Attribute> attributes = {}) {
    return nodes(op, std::move(inputs), std::move(attributes), 1)[0];
  }
  std::vector<ValueId> nodes(const std::string& op, std::vector<ValueId> inputs,
                             std::map<std::string, Attribute> attributes, std::size_t output_count) {
    Node n;
    n.op = op;
    n.name = op + "_" + std::to_string(graph_.nodes.size());
    n.inputs = std::move(inputs);
    n.attributes = std::move(attributes);
    const engine::graph::OpDef* def = engine::graph::find_graph_op(op);
    EXPECT_NE(def, nullptr) << op << " is not registered";
    std::vector<const engine::graph::Value*> in;
    for (ValueId v : n.inputs) in.push_back(v == no_value ? nullptr : &graph_.value(v));
    std::vector<engine::graph::TensorType> types;
    if (def) types = def->infer(n, in);
    types.resize(output_count);
    for (std::size_t k = 0; k < output_count; ++k) {
      engine::graph::Value v;
      v.name = n.name + "_out" + std::to_string(k);
      v.dtype = types[k].dtype;
      v.shape = types[k].shape;
      v.shape_known = true;
      n.outputs.push_back(graph_.add_value(std::move(v)));
    }
    graph_.nodes.push_back(n);
    return n.outputs;
  }
  // Adds the node with untyped outputs, as an importer leaves a node whose operands are computed at run
  // time (a Reshape to a Shape -> Concat result): specialize() types them.
  ValueId untyped_node(const std::string& op, std::vector<ValueId> inputs, std::map<std::string, Attribute> attributes = {}) {
    Node n;
    n.op = op;
    n.name = op + "_" + std::to_string(graph_.nodes.size());
    n.inputs = std::move(inputs);
    n.attributes = std::move(attributes);
    engine::graph::Value v;
    v.name = n.name + "_out0";
    n.outputs.push_back(graph_.add_value(std::move(v)));
    graph_.nodes.push_back(n);
    return n.outputs[0];
  }
  Graph finish(std::vector<ValueId> outputs) {
    graph_.outputs = std::move(outputs);
    graph_.source = "test graph";
    return graph_;
  }

 private:
  Graph graph_;
  std::uint32_t seed_ = 1234;
};

}  // namespace deepimage::testing
