// graph_passes — rewrites of a TensorFlow 1 GraphDef that turn a SavedModel's training-and-serving graph
// into the plain inference graph the importer maps (saved_model.hpp runs them in this order):
//
//   prune_graph            keep only what the fetches need; feeds are Placeholders, so the walk stops
//                          there; control inputs ("^x") are dropped (they order init/save ops, not values)
//   fold_learning_phase    Keras's "keras_learning_phase" (Placeholder or PlaceholderWithDefault) -> Const false
//   resolve_switches       Switch/Merge whose predicate is a constant: the taken branch only
//   bypass_dropout         training-mode dropout left outside a cond -> its input
//   freeze_variables       VariableV2 / Variable, and VarHandleOp reads -> Const from the tensor bundle
//
// Tensor names: "node" or "node:k" is output k of a node; "^node" a control input.
#pragma once

#include <string>
#include <vector>

#include "engine/tf/proto/graph.pb.h"
#include "engine/tf/tensor_bundle.hpp"

namespace deepimage::engine::tf {

struct TensorName {
  std::string node;
  int output = 0;
  bool control = false;  // "^node"
};
TensorName parse_tensor_name(const std::string& name);  // invalid_argument for "a:b" with a bad index
std::string to_string(const TensorName& t);              // "node:k"

tfproto::NodeDef* find_node(tfproto::GraphDef& graph, const std::string& name);
const tfproto::NodeDef* find_node(const tfproto::GraphDef& graph, const std::string& name);
// Node names with every node's inputs before it; unsupported naming a node on a cycle (a while loop).
std::vector<int> topological_order(const tfproto::GraphDef& graph);

// Keeps the nodes the fetch nodes depend on (in their original order) and drops control inputs.
// not_found naming a fetch or an input that is not in the graph.
void prune_graph(tfproto::GraphDef& graph, const std::vector<std::string>& fetch_nodes);

// Returns how many learning-phase nodes became Const false; `feeds` (node names) are left alone.
int fold_learning_phase(tfproto::GraphDef& graph, const std::vector<std::string>& feeds);

// A Switch with a constant predicate forwards its data to the taken output and kills the other; nodes
// fed by a dead output die; a Merge with one live input becomes Identity of it. Returns the number of
// Switch nodes resolved. Run prune_graph afterwards: dead nodes are left for it. unsupported naming the
// node when one of `fetch_nodes` is dead (computed only on the branch not taken).
int resolve_switches(tfproto::GraphDef& graph, const std::vector<std::string>& fetch_nodes = {});

// The dropout patterns matched (each Mul becomes Identity of x, keeping its name):
//   TF <= 1.12 / Keras 2.0:  Mul(RealDiv(x, keep), Floor(Add(keep, R)))     (either operand order)
//   TF >= 1.13:              Mul(Mul(x, scale), Cast(GreaterEqual(R, rate))) (either operand order)
// where R is computed from a RandomUniform node (searched a few nodes deep). Returns the count.
int bypass_dropout(tfproto::GraphDef& graph);

// Variables become Const nodes of the same name holding the bundle's values: VariableV2/Variable by
// their node name; for resource variables, each ReadVariableOp of a VarHandleOp becomes a Const (the
// bundle key is the handle's shared_name, else its node name). Returns the number of tensors read.
// `where` names the SavedModel in errors.
int freeze_variables(tfproto::GraphDef& graph, const TensorBundle& bundle, const std::string& where);

}  // namespace deepimage::engine::tf
