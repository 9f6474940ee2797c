// Running one graph operator from the registered list (ops.hpp) on tensors, as the reference
// interpreter does: shape inference first, then the reference kernel, whose output shapes must be the
// inferred ones. Fixtures come from scripts/make_graph_kernel_references.py.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/graph/ops.hpp"
#include "io/npy.hpp"

namespace deepimage::testing {

inline Tensor graph_fixture(const std::string& name) {
  return io::read_npy(std::string(DEEPIMAGE_SOURCE_DIR) + "/tests/data/engine/graph/" + name + ".npy");
}

inline engine::graph::Node graph_node(const std::string& op, std::map<std::string, engine::graph::Attribute> attributes,
                                      std::size_t output_count = 1) {
  engine::graph::Node node;
  node.op = op;
  node.name = op + "_test";
  node.attributes = std::move(attributes);
  for (std::size_t i = 0; i < output_count; ++i) node.outputs.push_back(static_cast<int>(i));
  return node;
}

// `inputs[k]` nullptr for an omitted optional input. Constant operands (Pad's pads, Resize's scales)
// are passed to inference as constants, as specialize() leaves them.
inline std::vector<Tensor> run_graph_op(const engine::graph::Node& node, const std::vector<const Tensor*>& inputs) {
  const engine::graph::OpDef* op = engine::graph::find_graph_op(node.op);
  EXPECT_NE(op, nullptr) << node.op << " is not registered";
  if (!op) return {};
  std::vector<engine::graph::Value> values(inputs.size());
  std::vector<const engine::graph::Value*> value_ptrs;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (!inputs[k]) {
      value_ptrs.push_back(nullptr);
      continue;
    }
    values[k].name = "input" + std::to_string(k);
    values[k].dtype = inputs[k]->dtype();
    values[k].shape = inputs[k]->shape();
    values[k].shape_known = true;
    if (k > 0) values[k].constant = *inputs[k];
    value_ptrs.push_back(&values[k]);
  }
  const std::vector<engine::graph::TensorType> types = op->infer(node, value_ptrs);
  std::vector<Tensor> outputs = op->reference(node, inputs);
  EXPECT_EQ(types.size(), outputs.size());
  for (std::size_t i = 0; i < std::min(types.size(), outputs.size()); ++i) {
    EXPECT_EQ(shape_to_string(types[i].shape), shape_to_string(outputs[i].shape())) << "output " << i;
    EXPECT_EQ(types[i].dtype, outputs[i].dtype()) << "output " << i;
  }
  return outputs;
}

}  // namespace deepimage::testing

namespace deepimage::testing {

template <class T>
Tensor tensor_of(Shape shape, std::vector<T> values) {
  Tensor t(dtype_of<T>(), std::move(shape));
  EXPECT_EQ(static_cast<std::size_t>(t.element_count()), values.size());
  std::copy(values.begin(), values.begin() + std::min<std::ptrdiff_t>(t.element_count(), values.size()), t.data<T>());
  return t;
}

template <class T>
std::vector<T> values_of(const Tensor& t) {
  return {t.data<T>(), t.data<T>() + t.element_count()};
}

}  // namespace deepimage::testing
