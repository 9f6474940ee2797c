// import_tf_graph — a frozen TensorFlow 1 GraphDef as the native engine's graph (graph/graph.hpp).
//
//   graph::Graph g = import_tf_graph(frozen, {"input:0"}, {"activation_11/Identity:0"}, "saved_model.pb");
//
// `frozen` is what engine/tf's SavedModel loader returns: variables already Const nodes, training
// branches resolved. The graph's inputs are the feeds, in order, named as given ("input_tensor" or
// "input_tensor:0"; a feed may be an intermediate tensor: the graph starts there), its outputs the
// fetches, named as given. Only what the fetches need is imported, cut at the feeds; control inputs
// are ignored. Each operation becomes its graph operators (tf_operator_forms.hpp lists them and the TF
// semantics kept), TF's NHWC layout is kept with the Transposes around channels-first operators
// cancelled (graph/passes.hpp cancel_transposes). Refused with one line naming the file: unknown
// operations (naming the operation and the node), operands the engine needs constant that are
// computed, an unfed Placeholder, a read output the engine does not compute, cycles (TF1 while loops).
#pragma once

#include <string>
#include <vector>

#include "engine/graph/graph.hpp"
#include "engine/tf/proto/graph.pb.h"

namespace deepimage::engine {

graph::Graph import_tf_graph(const tfproto::GraphDef& frozen, const std::vector<std::string>& feeds,
                             const std::vector<std::string>& fetches, const std::string& source);

}  // namespace deepimage::engine
