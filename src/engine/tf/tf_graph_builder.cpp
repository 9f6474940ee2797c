#include "engine/tf/tf_graph_builder.hpp"

#include <algorithm>

#include "deepimage/error.hpp"
#include "engine/graph/ops.hpp"

namespace deepimage::engine {

using graph::ValueId;

TfGraphBuilder::TfGraphBuilder(std::string source) { graph_.source = std::move(source); }

ValueId TfGraphBuilder::add(const std::string& op, const std::string& name, std::vector<ValueId> inputs, TfAttributes attributes) {
  graph::Node node{.op = op, .name = name, .inputs = std::move(inputs), .outputs = {}, .attributes = std::move(attributes)};
  while (!node.inputs.empty() && node.inputs.back() == graph::no_value) node.inputs.pop_back();
  const bool all_constant = !node.inputs.empty() && std::all_of(node.inputs.begin(), node.inputs.end(), [&](ValueId v) {
    return v == graph::no_value || graph_.is_constant(v);
  });
  // ConvTranspose's output_shape operand becomes an attribute only in specialize(); it never folds here.
  if (all_constant && !(op == "ConvTranspose" && node.inputs.size() > 3)) {
    const graph::OpDef* def = graph::find_graph_op(op);
    if (!def) throw Error(ErrorCode::internal, "the TF importer wrote the unknown graph operator \"" + op + "\"");
    std::vector<const Tensor*> tensors;
    for (const ValueId v : node.inputs) tensors.push_back(v == graph::no_value ? nullptr : &*graph_.value(v).constant);
    auto out = def->reference(node, tensors);
    return constant(name, std::move(out.at(0)));
  }
  graph::Value v;
  v.name = name;
  node.outputs = {graph_.add_value(std::move(v))};
  graph_.nodes.push_back(std::move(node));
  return graph_.nodes.back().outputs[0];
}

ValueId TfGraphBuilder::constant(const std::string& name, Tensor value) { return graph_.add_constant(name, std::move(value)); }

ValueId TfGraphBuilder::ints(const std::string& name, const std::vector<std::int64_t>& values) {
  Tensor t(DType::i64, {static_cast<std::int64_t>(values.size())});
  std::copy(values.begin(), values.end(), t.data<std::int64_t>());
  return constant(name, std::move(t));
}

ValueId TfGraphBuilder::scalar(const std::string& name, DType dtype, double value) {
  Tensor t(DType::f64, {});
  *t.data<double>() = value;
  return constant(name, t.converted(dtype));
}

const Tensor* TfGraphBuilder::constant_of(ValueId id) const {
  return graph_.is_constant(id) ? &*graph_.value(id).constant : nullptr;
}

ValueId TfGraphBuilder::to_channels_first(ValueId x, std::size_t rank, const std::string& name) {
  std::vector<std::int64_t> perm = {0, static_cast<std::int64_t>(rank) - 1};
  for (std::size_t d = 1; d + 1 < rank; ++d) perm.push_back(static_cast<std::int64_t>(d));
  return add("Transpose", name + "/to_channels_first", {x}, {{"perm", perm}});
}

ValueId TfGraphBuilder::to_channels_last(ValueId x, std::size_t rank, const std::string& name) {
  std::vector<std::int64_t> perm = {0};
  for (std::size_t d = 2; d < rank; ++d) perm.push_back(static_cast<std::int64_t>(d));
  perm.push_back(1);
  return add("Transpose", name + "/to_channels_last", {x}, {{"perm", perm}});
}

graph::Node* TfGraphBuilder::biasless_convolution(ValueId result) {
  const auto it = biasless_convolutions_.find(result);
  if (it == biasless_convolutions_.end()) return nullptr;
  graph::Node& conv = graph_.nodes.at(it->second);
  if (conv.inputs.size() > 2 && conv.inputs[2] != graph::no_value) return nullptr;
  return &conv;
}

}  // namespace deepimage::engine
