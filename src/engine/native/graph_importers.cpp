#include "engine/native/graph_importers.hpp"

#include "deepimage/error.hpp"
#include "engine/keras/keras_import.hpp"
#include "engine/onnx/onnx_import.hpp"

namespace deepimage::engine {
namespace {

graph::Graph import_onnx_weights(const model::Model& model, const WeightsSpec& weights) {
  return import_onnx(model::read_checked(model, weights.source, weights.sha256), weights.source);
}

graph::Graph import_keras_weights(const model::Model& model, const WeightsSpec& weights) {
  return import_keras(model::read_checked(model, weights.source, weights.sha256), weights.source,
                      keras_lambda_declarations(model.spec.config));
}

}  // namespace

// Keep in step with the native engine's formats in engines.cpp (listed there without loading this module).
const std::vector<GraphImporter>& graph_importers() {
  static const std::vector<GraphImporter> importers{
      {"onnx", import_onnx_weights},
      {"keras_hdf5", import_keras_weights},
  };
  return importers;
}

graph::Graph import_graph(const model::Model& model, const WeightsSpec& weights) {
  for (const auto& importer : graph_importers())
    if (importer.format == weights.format) return importer.import(model, weights);
  throw Error(ErrorCode::internal, "the native engine has no importer for \"" + weights.format + "\" weights");
}

}  // namespace deepimage::engine
