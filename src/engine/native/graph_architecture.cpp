#include "engine/native/graph_architecture.hpp"

#include <algorithm>
#include <set>

#include "engine/graph/passes.hpp"
#include "engine/native/graph_importers.hpp"
#include "engine/onnx/onnx_architecture.hpp"

namespace deepimage::engine {
namespace {

// Constant inputs that are settings, not learned weights (as onnx_architecture.cpp counts them).
bool is_setting_input(const std::string& op, std::size_t index) {
  if (op == "BatchNormalization") return index >= 3;
  return op == "Resize" || op == "Clip" || op == "Pad" || op == "Expand" || op == "Reshape" || op == "Transpose" ||
         op == "Slice" || op == "Squeeze" || op == "Unsqueeze" || op.rfind("Reduce", 0) == 0 || op == "Concat";
}

// One multiply-add = 2 FLOPs, for convolutions and matrix products only (architecture.hpp).
std::int64_t flops_of(const graph::Graph& g, const graph::Node& node) {
  const auto shape = [&](std::size_t k) { return k < node.inputs.size() && node.inputs[k] >= 0 ? g.value(node.inputs[k]).shape : Shape{}; };
  const Shape out = node.outputs.empty() ? Shape{} : g.value(node.outputs[0]).shape;
  const Shape w = shape(1);
  if (node.op == "Conv" && w.size() >= 3)  // each output element: (C / group) * kernel multiply-adds
    return 2 * element_count(out) * element_count(Shape(w.begin() + 1, w.end()));
  if (node.op == "ConvTranspose" && w.size() >= 3)  // each input element scatters into (C_out / group) * kernel
    return 2 * element_count(shape(0)) * element_count(Shape(w.begin() + 1, w.end()));
  if ((node.op == "MatMul" || node.op == "Gemm") && !shape(0).empty()) {
    const Shape a = shape(0);
    const std::int64_t k = node.op == "Gemm" && node.get_int("transA", 0) ? a.front() : a.back();
    return 2 * element_count(out) * k;
  }
  return 0;
}

}  // namespace

Architecture describe_native_layers(const model::Model& model, const WeightsSpec& weights, const std::vector<Shape>& input_shapes) {
  if (weights.format == "onnx") return describe_onnx_layers(model, weights, input_shapes);
  graph::Graph imported = import_graph(model, weights);
  // The example shapes are in rdf order: by name when every rdf name is a graph input's, else by position.
  std::vector<Shape> shapes(imported.inputs.size());
  for (std::size_t k = 0; k < imported.inputs.size() && k < input_shapes.size(); ++k) shapes[k] = input_shapes[k];
  std::vector<std::size_t> by_name;
  for (const auto& t : model.spec.inputs)
    for (std::size_t k = 0; k < imported.inputs.size(); ++k)
      if (imported.value(imported.inputs[k]).name == t.id) by_name.push_back(k);
  if (by_name.size() == imported.inputs.size() && by_name.size() == input_shapes.size())
    for (std::size_t i = 0; i < by_name.size(); ++i) shapes[by_name[i]] = input_shapes[i];
  for (const graph::ValueId id : imported.inputs)
    for (auto& d : imported.value(id).shape) d = -1;  // the rdf decides the sizes, as the engine does
  const graph::Graph g = graph::specialize(imported, shapes);

  Architecture a;
  a.view = "nodes";
  std::set<graph::ValueId> counted;  // a weight read by two nodes counts once, at the first
  for (const graph::Node& node : g.nodes) {
    LayerInfo layer{.name = node.name, .kind = node.op, .output_shapes = {}, .params = 0, .flops = flops_of(g, node)};
    for (const graph::ValueId out : node.outputs)
      if (out >= 0) layer.output_shapes.push_back(g.value(out).shape);
    for (std::size_t k = 0; k < node.inputs.size(); ++k) {
      const graph::ValueId in = node.inputs[k];
      if (!g.is_constant(in) || !is_float(g.value(in).dtype) || is_setting_input(node.op, k) || !counted.insert(in).second) continue;
      layer.params += g.value(in).constant->element_count();
    }
    a.total_params += layer.params;
    a.total_flops += layer.flops;
    a.layers.push_back(std::move(layer));
  }
  return a;
}

}  // namespace deepimage::engine
