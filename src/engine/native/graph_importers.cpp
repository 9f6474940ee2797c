#include "engine/native/graph_importers.hpp"

#include "deepimage/error.hpp"
#include "engine/onnx/onnx_import.hpp"

namespace deepimage::engine {
namespace {

graph::Graph import_onnx_weights(const model::Model& model, const WeightsSpec& weights) {
  return import_onnx(model::read_checked(model, weights.source, weights.sha256), weights.source);
}

}  // namespace

// Keep in step with the native engine's formats in engines.cpp (listed there without loading this module).
const std::vector<GraphImporter>& graph_importers() {
  static const std::vector<GraphImporter> importers{
      {"onnx", import_onnx_weights},
  };
  return importers;
}

graph::Graph import_graph(const model::Model& model, const WeightsSpec& weights) {
  for (const auto& importer : graph_importers())
    if (importer.format == weights.format) return importer.import(model, weights);
  throw Error(ErrorCode::internal, "the native engine has no importer for \"" + weights.format + "\" weights");
}

graph::Graph with_free_input_sizes(graph::Graph graph) {
  for (graph::ValueId id : graph.inputs)
    for (auto& d : graph.value(id).shape) d = -1;
  return graph;
}

}  // namespace deepimage::engine
