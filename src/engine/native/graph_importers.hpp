// graph_importers — the one list of weight formats the native engine reads, each with its importer into
// the graph IR (graph/graph.hpp).
//
//   graph::Graph g = import_graph(model, weights);   // weights.format picks the importer
//
// An importer reads what it needs through the model's bundle (model::read_checked, which verifies the
// rdf's sha256), so a format whose weights are a folder or a zip (TF SavedModel) reads its own files.
// It returns the graph in canonical form with the graph's inputs and outputs in the order the model's
// rdf (or legacy config) names them when it can tell, and refuses with one line naming the file.
#pragma once

#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "engine/graph/graph.hpp"
#include "model/model.hpp"

namespace deepimage::engine {

struct GraphImporter {
  std::string format;  // the rdf's weights format name ("onnx", ...)
  graph::Graph (*import)(const model::Model& model, const WeightsSpec& weights);
};

const std::vector<GraphImporter>& graph_importers();

// Throws Error(internal) for a format no importer reads (the engine registry only routes listed formats here).
graph::Graph import_graph(const model::Model& model, const WeightsSpec& weights);

// Exporters write the example's size into the graph's input shapes (torch.onnx.export without
// dynamic_axes), although the network is fully convolutional and its rdf allows other sizes. The rdf
// decides which tile sizes are valid; the graph keeps only its inputs' ranks, and specialize()'s shape
// inference still refuses a size the network itself cannot take (a Reshape to a constant shape, say).
graph::Graph with_free_input_sizes(graph::Graph graph);

}  // namespace deepimage::engine
