// The native engine: networks imported into deepimage's own graph IR (engine/graph) and run on oneDNN
// (DnnlExecutor). Runs `onnx` weights today; the TF1 SavedModel and Keras importers feed the same engine.
//
//   auto engine = load_native(model, weights, {.threads = 2});
//   std::vector<Tensor> outs = engine->run({tile});
//
// The graph is imported once; it is specialised for each tile shape on first use (shapes are constant
// across a run, so in practice once, plus once per memory probe shape) and the few most recent plans
// are kept. The rdf's tensors are matched to the graph's by name when every rdf name is a graph name,
// else by position (exporters name tensors "input.1" or "0" whatever the rdf says).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace deepimage::engine {

// order[k] = position in the graph of the rdf's k-th tensor: by name when every rdf name is a graph name
// (graph_names, in the graph's order), else by position. A count mismatch is a broken bundle:
// Error(bad_model) naming `what` ("inputs") and `source`. Converted weights keep the same order.
std::vector<std::size_t> match_rdf_tensors(const std::vector<TensorSpec>& rdf_tensors, const std::vector<std::string>& graph_names,
                                           const std::string& what, const std::string& source);

std::unique_ptr<Engine> load_native(const model::Model& model, const WeightsSpec& weights, const EngineOptions& options);

}  // namespace deepimage::engine
