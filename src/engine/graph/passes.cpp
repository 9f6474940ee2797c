#include "engine/graph/passes.hpp"

#include <algorithm>
#include <string>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/operands.hpp"
#include "engine/graph/kernels/padding_rules.hpp"
#include "engine/graph/kernels/shape_ops.hpp"
#include "engine/graph/ops.hpp"


namespace deepimage::engine::graph {
namespace {

std::string declared_shape(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + (shape[i] < 0 ? "?" : std::to_string(shape[i]));
  return s + ")";
}

void set_input_shapes(Graph& g, const std::vector<Shape>& input_shapes) {
  if (input_shapes.size() != g.inputs.size())
    throw Error(ErrorCode::invalid_argument, "\"" + g.source + "\" has " + std::to_string(g.inputs.size()) +
                                                 " inputs, " + std::to_string(input_shapes.size()) +
                                                 " input shapes given");
  for (std::size_t i = 0; i < input_shapes.size(); ++i) {
    Value& v = g.value(g.inputs[i]);
    const Shape& given = input_shapes[i];
    if (v.shape_known) {
      bool fits = v.shape.size() == given.size();
      for (std::size_t d = 0; fits && d < given.size(); ++d) fits = v.shape[d] < 0 || v.shape[d] == given[d];
      if (!fits)
        throw Error(ErrorCode::invalid_argument,
                    "input \"" + v.name + "\" has shape " + shape_to_string(given) + ", expected " +
                        (v.shape.size() != given.size() ? "rank " + std::to_string(v.shape.size()) + " " : "") +
                        declared_shape(v.shape));
    }
    for (const auto s : given)
      if (s < 0)
        throw Error(ErrorCode::invalid_argument, "input \"" + v.name + "\" has shape " + shape_to_string(given) +
                                                     " with a negative size");
    v.shape = given;
    v.shape_known = true;
    v.constant.reset();  // fed at run time, even where the file gave it a default (an initializer)
  }
}

std::vector<const Value*> input_values(const Graph& g, const Node& node) {
  std::vector<const Value*> inputs;
  for (const ValueId id : node.inputs) {
    if (id == no_value) {
      inputs.push_back(nullptr);
      continue;
    }
    const Value& v = g.value(id);
    if (!v.shape_known && !v.constant)
      throw Error(ErrorCode::bad_model, node.describe() + ": input \"" + v.name +
                                            "\" is neither a graph input, a constant nor the output of an earlier node");
    inputs.push_back(&v);
  }
  return inputs;
}

void set_output(Graph& g, const Node& node, std::size_t index, DType dtype, Shape shape, std::optional<Tensor> constant) {
  if (index >= node.outputs.size() || node.outputs[index] == no_value) return;  // an omitted optional output
  Value& v = g.value(node.outputs[index]);
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.shape_known = true;
  v.constant = std::move(constant);
}

void check_output_count(const Node& node, std::size_t produced) {
  if (node.outputs.size() > produced)
    throw Error(ErrorCode::bad_model, node.describe() + " has " + std::to_string(node.outputs.size()) +
                                          " outputs, the operator gives " + std::to_string(produced));
}

// Computes the node now and stores its outputs as constants (the node is then dropped).
void fold(Graph& g, const Node& node, const OpDef& op, const std::vector<const Value*>& inputs) {
  std::vector<const Tensor*> tensors;
  for (const Value* v : inputs) tensors.push_back(v ? &*v->constant : nullptr);
  std::vector<Tensor> outputs = op.reference(node, tensors);
  check_output_count(node, outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const DType dtype = outputs[i].dtype();
    const Shape shape = outputs[i].shape();
    set_output(g, node, i, dtype, shape, std::move(outputs[i]));
  }
}

// auto_pad and ConvTranspose output_shape become explicit pads (padding_rules.hpp), so kernels and
// executors see one form; other nodes are left as they are.
void resolve_padding(Node& node, const std::vector<const Value*>& inputs) {
  std::vector<Shape> shapes;
  for (const Value* v : inputs) shapes.push_back(v ? v->shape : Shape{});
  resolve_explicit_pads(node, shapes);
}

// ConvTranspose's output_shape operand (ops.hpp: TF's Conv2DBackpropInput computes it from the input's
// shape) becomes the attribute once folded, so kernels, executors and fusion see ONNX's form.
void output_shape_operand_to_attribute(const Graph& g, Node& node) {
  if (node.op != "ConvTranspose" || node.inputs.size() < 4) return;
  if (const ValueId id = node.inputs[3]; id != no_value) {
    if (!g.is_constant(id))
      throw Error(ErrorCode::unsupported, node.describe() + ": output_shape \"" + g.value(id).name +
                                              "\" depends on values known only at run time, not on the input shapes");
    node.attributes["output_shape"] = int64_values(node, *g.value(id).constant, "output_shape");
  }
  node.inputs.resize(3);
  while (!node.inputs.empty() && node.inputs.back() == no_value) node.inputs.pop_back();
}

}  // namespace

Graph specialize(const Graph& graph, const std::vector<Shape>& input_shapes) {
  Graph g = graph;
  set_input_shapes(g, input_shapes);
  remove_dead_nodes(g);  // first too, so a dead branch's unsupported or inconsistent node never matters
  std::vector<Node> remaining;
  for (Node& node : g.nodes) {
    const OpDef* op = find_graph_op(node.op);
    if (!op)
      throw Error(ErrorCode::unsupported, node.describe() + ": operator \"" + node.op +
                                              "\" is not supported by the native engine");
    output_shape_operand_to_attribute(g, node);
    const auto inputs = input_values(g, node);
    // Shape needs only its input's shape, which is known now: fold it without the data.
    if (node.op == "Shape" && !inputs.empty() && inputs[0] != nullptr) {
      Tensor shape = shape_operator_output(node, inputs.at(0)->shape);
      const Shape out_shape = shape.shape();
      set_output(g, node, 0, DType::i64, out_shape, std::move(shape));
      continue;
    }
    const bool all_constant =
        std::all_of(inputs.begin(), inputs.end(), [](const Value* v) { return v == nullptr || v->constant; });
    if (all_constant) {
      fold(g, node, *op, inputs);
      continue;
    }
    resolve_padding(node, inputs);
    const auto types = op->infer(node, inputs);
    check_output_count(node, types.size());
    for (std::size_t i = 0; i < types.size(); ++i) set_output(g, node, i, types[i].dtype, types[i].shape, std::nullopt);
    remaining.push_back(std::move(node));
  }
  g.nodes = std::move(remaining);
  remove_dead_nodes(g);
  return g;
}

void remove_dead_nodes(Graph& graph) {
  // Walk back from the outputs: a node lives when one of its outputs is needed.
  std::vector<bool> needed(graph.values.size(), false);
  for (const ValueId id : graph.outputs) needed[static_cast<std::size_t>(id)] = true;
  std::vector<bool> live_node(graph.nodes.size(), false);
  for (std::size_t n = graph.nodes.size(); n-- > 0;) {
    const Node& node = graph.nodes[n];
    live_node[n] = std::any_of(node.outputs.begin(), node.outputs.end(),
                               [&](ValueId id) { return id != no_value && needed[static_cast<std::size_t>(id)]; });
    if (!live_node[n]) continue;
    for (const ValueId id : node.inputs)
      if (id != no_value) needed[static_cast<std::size_t>(id)] = true;
  }
  std::vector<Node> nodes;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n)
    if (live_node[n]) nodes.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(nodes);

  // Keep the values something refers to, in their old order, and renumber every reference.
  std::vector<bool> used(graph.values.size(), false);
  auto mark = [&](ValueId id) {
    if (id != no_value) used[static_cast<std::size_t>(id)] = true;
  };
  for (const ValueId id : graph.inputs) mark(id);
  for (const ValueId id : graph.outputs) mark(id);
  for (const Node& node : graph.nodes) {
    for (const ValueId id : node.inputs) mark(id);
    for (const ValueId id : node.outputs) mark(id);
  }
  std::vector<ValueId> new_id(graph.values.size(), no_value);
  std::vector<Value> values;
  for (std::size_t i = 0; i < graph.values.size(); ++i)
    if (used[i]) {
      new_id[i] = static_cast<ValueId>(values.size());
      values.push_back(std::move(graph.values[i]));
    }
  graph.values = std::move(values);
  auto remap = [&](ValueId& id) {
    if (id != no_value) id = new_id[static_cast<std::size_t>(id)];
  };
  for (ValueId& id : graph.inputs) remap(id);
  for (ValueId& id : graph.outputs) remap(id);
  for (Node& node : graph.nodes) {
    for (ValueId& id : node.inputs) remap(id);
    for (ValueId& id : node.outputs) remap(id);
  }
}

}  // namespace deepimage::engine::graph
