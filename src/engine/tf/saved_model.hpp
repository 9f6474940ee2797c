// saved_model — a TensorFlow 1 SavedModel read into a frozen, pruned GraphDef: the graph that computes
// the fetches from the feeds, with variables as Const nodes, Keras's learning phase folded to false
// (inference), constant Switch/Merge resolved and training-mode dropout bypassed. The TF importer maps
// that GraphDef's ops into the graph IR; nothing here knows about ops beyond those rewrites.
//
//   FrozenGraph frozen = load_saved_model(model, weights, {"input_tensor"}, {"output_tensor"});
//   frozen.feeds[0].name == "input_tensor:0";  frozen.fetches[0].name == "output_tensor:0";
//   frozen.feeds[0].dtype == tfproto::DT_FLOAT;  frozen.feeds[0].shape: {-1, -1, -1, 1} when declared
//   graph::Graph g = import_tf_graph(frozen.graph, {frozen.feeds[0].name}, {frozen.fetches[0].name},
//                                    frozen.where);                    // tf_import.hpp
//
// Feeds and fetches: the caller's names (the rdf's or a legacy config's tensor names) when given, each a
// signature key ("input"), a tensor ("input:0") or a node ("input"); otherwise the signature
// "serving_default" (or the only one) in its keys' order; without a signature (DEFCoN), the single
// Placeholder, and the single output computed from it (shape computations aside). A feed may be any
// node's output 0: that node becomes a Placeholder and what fed it is cut away.
//
// Refused with one line: several meta graphs and none tagged "serve"; TF2 SavedModels (a graph calling
// functions of its library, StatefulPartitionedCall, or variables saved by object path); a fetch that
// needs an unfed Placeholder; partitioned variables; string variables on the inference path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "engine/tf/proto/graph.pb.h"
#include "engine/tf/proto/types.pb.h"
#include "engine/tf/saved_model_files.hpp"
#include "model/model.hpp"

namespace deepimage::engine::tf {

struct FrozenTensor {
  std::string name;           // "node:k", as TensorFlow names a tensor
  std::string node;           // "node"
  int output = 0;             // k
  std::string signature_key;  // its key in the signature ("x"); empty without one
  tfproto::DataType dtype = tfproto::DT_INVALID;       // from the signature, else the node's attributes
  std::optional<std::vector<std::int64_t>> shape;      // -1 for an unknown size; nullopt: unknown rank
};

struct FrozenGraph {
  tfproto::GraphDef graph;              // only what the fetches need; feeds are Placeholder nodes
  std::vector<FrozenTensor> feeds;      // in the order asked for (or the signature's key order)
  std::vector<FrozenTensor> fetches;
  std::string tensorflow_version;       // as the SavedModel records it ("1.3.0"), may be empty
  std::string signature;                // the signature used; empty when none was
  std::string where;                    // the SavedModel, quoted, for error messages
  int variables_frozen = 0;
  int switches_resolved = 0;
  int dropouts_bypassed = 0;
};

// `weights`: the rdf's tensorflow_saved_model_bundle entry (a .zip, a folder, or "." for the bundle root).
FrozenGraph load_saved_model(const model::Model& model, const WeightsSpec& weights,
                             const std::vector<std::string>& feeds_hint, const std::vector<std::string>& fetches_hint);
FrozenGraph load_saved_model(const SavedModelFiles& files, const std::vector<std::string>& feeds_hint,
                             const std::vector<std::string>& fetches_hint);

}  // namespace deepimage::engine::tf
