#include "engine/native/graph_importers.hpp"

#include "deepimage/error.hpp"
#include "engine/bare_model.hpp"
#include "engine/keras/keras_import.hpp"
#include "engine/onnx/onnx_import.hpp"
#include "engine/tf/saved_model.hpp"
#include "engine/tf/tf_import.hpp"
#include "model/spec_json.hpp"

namespace deepimage::engine {
namespace {

graph::Graph import_onnx_weights(const model::Model& model, const WeightsSpec& weights) {
  return import_onnx(model::read_checked(model, weights.source, weights.sha256), weights.source);
}

// The rdf's tensor names when the SavedModel knows them (signature keys, tensor or node names), else its
// signature's (or, without one, its single placeholder and output); a bare SavedModel's names are the
// user's --input-name/--output-name, so one it lacks is an error naming it. Graph inputs and outputs are named
// by signature key when there is one, so the engine matches them to the rdf by name.
graph::Graph import_tf_saved_model_weights(const model::Model& model, const WeightsSpec& weights) {
  std::vector<std::string> inputs, outputs;
  for (const auto& t : model.spec.inputs) inputs.push_back(t.id);
  for (const auto& t : model.spec.outputs) outputs.push_back(t.id);
  tf::FrozenGraph frozen;
  try {
    frozen = tf::load_saved_model(model, weights, inputs, outputs);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::not_found || model.spec.format_version == kBareWeightsFormat) throw;
    frozen = tf::load_saved_model(model, weights, {}, {});
  }
  std::vector<std::string> feeds, fetches;
  for (const auto& t : frozen.feeds) feeds.push_back(t.name);
  for (const auto& t : frozen.fetches) fetches.push_back(t.name);
  graph::Graph g = import_tf_graph(frozen.graph, feeds, fetches, frozen.where);
  for (std::size_t k = 0; k < frozen.feeds.size(); ++k)
    if (!frozen.feeds[k].signature_key.empty()) g.value(g.inputs[k]).name = frozen.feeds[k].signature_key;
  for (std::size_t k = 0; k < frozen.fetches.size(); ++k)
    if (!frozen.fetches[k].signature_key.empty()) g.value(g.outputs[k]).name = frozen.fetches[k].signature_key;
  return g;
}

graph::Graph import_keras_weights(const model::Model& model, const WeightsSpec& weights) {
  return import_keras(model::read_checked(model, weights.source, weights.sha256), weights.source,
                      keras_lambda_declarations(config_of(model.spec)));
}

}  // namespace

// Keep in step with the native engine's formats in engines.cpp (listed there without loading this module).
const std::vector<GraphImporter>& graph_importers() {
  static const std::vector<GraphImporter> importers{
      {"onnx", import_onnx_weights},
      {"tensorflow_saved_model_bundle", import_tf_saved_model_weights},
      {"keras_hdf5", import_keras_weights},
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
