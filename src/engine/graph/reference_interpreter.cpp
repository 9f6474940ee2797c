#include "engine/graph/reference_interpreter.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "deepimage/error.hpp"
#include "engine/graph/ops.hpp"

namespace deepimage::engine::graph {
namespace {

void check_inputs(const Graph& graph, const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph.inputs.size())
    throw Error(ErrorCode::invalid_argument, "\"" + graph.source + "\" has " + std::to_string(graph.inputs.size()) +
                                                 " inputs, " + std::to_string(inputs.size()) + " tensors given");
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Value& v = graph.value(graph.inputs[i]);
    // A size of -1 (a graph run without specialize(), as tests compare folded and unfolded runs) fits any size.
    bool fits = inputs[i].dtype() == v.dtype && (!v.shape_known || inputs[i].rank() == v.shape.size());
    for (std::size_t d = 0; fits && v.shape_known && d < v.shape.size(); ++d)
      fits = v.shape[d] < 0 || v.shape[d] == inputs[i].shape()[d];
    if (!fits)
      throw Error(ErrorCode::invalid_argument,
                  "input \"" + v.name + "\" is a " + std::string(to_string(inputs[i].dtype())) + " tensor of shape " +
                      shape_to_string(inputs[i].shape()) + ", the graph was specialised for " +
                      std::string(to_string(v.dtype)) + " " + shape_to_string(v.shape));
  }
}

}  // namespace

std::vector<Tensor> run_reference(const Graph& graph, const std::vector<Tensor>& inputs) {
  check_inputs(graph, inputs);
  const std::size_t value_count = graph.values.size();
  // Where each value's tensor is: the caller's input, a constant of the graph, or `computed`.
  std::vector<const Tensor*> tensor_of(value_count, nullptr);
  std::vector<Tensor> computed(value_count);
  for (std::size_t i = 0; i < value_count; ++i)
    if (graph.values[i].constant) tensor_of[i] = &*graph.values[i].constant;
  for (std::size_t i = 0; i < inputs.size(); ++i) tensor_of[static_cast<std::size_t>(graph.inputs[i])] = &inputs[i];

  // The last node that reads each value; graph outputs are read after the last node.
  constexpr std::size_t kAfterAll = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> last_use(value_count, 0);
  for (std::size_t n = 0; n < graph.nodes.size(); ++n)
    for (const ValueId id : graph.nodes[n].inputs)
      if (id != no_value) last_use[static_cast<std::size_t>(id)] = n;
  for (const ValueId id : graph.outputs) last_use[static_cast<std::size_t>(id)] = kAfterAll;

  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    const OpDef* op = find_graph_op(node.op);
    if (!op)
      throw Error(ErrorCode::unsupported, node.describe() + ": operator \"" + node.op +
                                              "\" is not supported by the native engine");
    std::vector<const Tensor*> args;
    for (const ValueId id : node.inputs) {
      if (id == no_value) {
        args.push_back(nullptr);
        continue;
      }
      const Tensor* t = tensor_of[static_cast<std::size_t>(id)];
      if (!t)
        throw Error(ErrorCode::bad_model, node.describe() + ": input \"" + graph.value(id).name +
                                              "\" is not computed before it is used");
      args.push_back(t);
    }
    std::vector<Tensor> results = op->reference(node, args);
    if (results.size() < node.outputs.size())
      throw Error(ErrorCode::internal, node.describe() + ": the reference kernel gave " +
                                           std::to_string(results.size()) + " outputs for " +
                                           std::to_string(node.outputs.size()));
    for (std::size_t k = 0; k < node.outputs.size(); ++k) {
      const ValueId id = node.outputs[k];
      if (id == no_value) continue;
      computed[static_cast<std::size_t>(id)] = std::move(results[k]);
      tensor_of[static_cast<std::size_t>(id)] = &computed[static_cast<std::size_t>(id)];
    }
    // Free what no later node reads (outputs nobody reads included).
    auto release = [&](ValueId id) {
      const auto i = static_cast<std::size_t>(id);
      if (id == no_value || last_use[i] > n || tensor_of[i] != &computed[i]) return;
      computed[i] = Tensor();
      tensor_of[i] = nullptr;
    };
    for (const ValueId id : node.inputs) release(id);
    for (const ValueId id : node.outputs) release(id);
  }

  std::vector<Tensor> outputs;
  for (std::size_t k = 0; k < graph.outputs.size(); ++k) {
    const ValueId id = graph.outputs[k];
    const auto i = static_cast<std::size_t>(id);
    if (!tensor_of[i])
      throw Error(ErrorCode::bad_model, "output \"" + graph.value(id).name + "\" of \"" + graph.source +
                                            "\" is not computed by any node");
    // A computed tensor moves out unless a later output is the same value; inputs and constants are copied.
    const bool repeated = std::find(graph.outputs.begin() + static_cast<std::ptrdiff_t>(k) + 1, graph.outputs.end(), id) !=
                          graph.outputs.end();
    if (tensor_of[i] == &computed[i] && !repeated)
      outputs.push_back(std::move(computed[i]));
    else
      outputs.push_back(*tensor_of[i]);
  }
  return outputs;
}

}  // namespace deepimage::engine::graph
