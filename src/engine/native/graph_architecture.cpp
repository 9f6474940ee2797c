#include "engine/native/graph_architecture.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "engine/graph/passes.hpp"
#include "engine/native/graph_importers.hpp"

namespace deepimage::engine {
namespace {

// Constant inputs that are settings rather than weights (as onnx_architecture.cpp counts them).
bool is_setting_input(const std::string& op, std::size_t index) {
  static const std::map<std::string, std::set<std::size_t>> settings = {
      {"Resize", {1, 2, 3}}, {"BatchNormalization", {3, 4}},
      {"Clip", {1, 2}},      {"Pad", {1, 2, 3}},
      {"Expand", {1}},       {"ConstantOfShape", {0}},
      {"Reshape", {1}},      {"Slice", {1, 2, 3, 4}},
      {"ReduceMin", {1}},    {"ReduceMax", {1}},
      {"ReduceMean", {1}},   {"ReduceSum", {1}},
      {"Squeeze", {1}},      {"Unsqueeze", {1}}};
  const auto it = settings.find(op);
  return it != settings.end() && it->second.count(index) > 0;
}

// 2 FLOPs per multiply-add, for convolutions and matrix products only.
std::int64_t flops_of(const graph::Graph& g, const graph::Node& node) {
  const auto shape = [&](std::size_t k) { return g.value(node.inputs.at(k)).shape; };
  const Shape out = g.value(node.outputs.at(0)).shape;
  if (node.op == "Conv" || node.op == "ConvTranspose") {
    // Conv W: (Cout, Cin/groups, k...) per output element; ConvTranspose W: (Cin, Cout/groups, k...) per input element.
    const Shape w = shape(1);
    if (w.empty() || w[0] == 0) return 0;
    return 2 * element_count(node.op == "Conv" ? out : shape(0)) * (element_count(w) / w[0]);
  }
  if (node.op == "Gemm") {
    const Shape a = shape(0);
    return a.size() == 2 ? 2 * element_count(out) * (node.get_int("transA", 0) ? a[0] : a[1]) : 0;
  }
  if (node.op == "MatMul") return shape(0).empty() ? 0 : 2 * element_count(out) * shape(0).back();
  return 0;
}

// The graph's inputs in the rdf's order: by name when every rdf name is a graph input's, else by position.
std::vector<Shape> shapes_in_graph_order(const graph::Graph& g, const ModelSpec& spec,
                                         const std::vector<Shape>& rdf_shapes) {
  std::vector<Shape> shapes = rdf_shapes;
  if (spec.inputs.size() != g.inputs.size() || rdf_shapes.size() != g.inputs.size()) return shapes;
  for (std::size_t k = 0; k < spec.inputs.size(); ++k) {
    const auto it = std::find_if(g.inputs.begin(), g.inputs.end(),
                                 [&](graph::ValueId id) { return g.value(id).name == spec.inputs[k].id; });
    if (it == g.inputs.end()) return rdf_shapes;
    shapes[static_cast<std::size_t>(it - g.inputs.begin())] = rdf_shapes[k];
  }
  return shapes;
}

}  // namespace

Architecture describe_graph_layers(const model::Model& model, const WeightsSpec& weights,
                                   const std::vector<Shape>& input_shapes) {
  graph::Graph imported = import_graph(model, weights);
  for (graph::ValueId id : imported.inputs)
    for (auto& d : imported.value(id).shape) d = -1;  // the example's sizes decide, as in the engine
  const graph::Graph g = graph::specialize(imported, shapes_in_graph_order(imported, model.spec, input_shapes));
  Architecture a;
  a.view = "nodes";
  std::set<graph::ValueId> counted;  // a weight read by two nodes counts once, at the first
  for (const auto& node : g.nodes) {
    LayerInfo layer;
    layer.name = node.name;
    layer.kind = node.op;
    for (graph::ValueId out : node.outputs) layer.output_shapes.push_back(g.value(out).shape);
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      const graph::ValueId in = node.inputs[k];
      if (!g.is_constant(in) || g.value(in).dtype != DType::f32 || g.value(in).shape.empty() ||
          is_setting_input(node.op, k))
        continue;
      if (counted.insert(in).second) layer.params += element_count(g.value(in).shape);
    }
    layer.flops = flops_of(g, node);
    a.total_params += layer.params;
    a.total_flops += layer.flops;
    a.layers.push_back(std::move(layer));
  }
  return a;
}

}  // namespace deepimage::engine
