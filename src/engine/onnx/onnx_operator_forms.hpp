// The ONNX operators the native engine runs, and how each opset's spelling of one (opsets 7 to 20)
// becomes the canonical form graph/ops.hpp describes: the latest opset's. Attributes that later became
// operand inputs (Clip's min/max, Pad's pads, Slice's starts/ends/axes, Squeeze/Unsqueeze/Reduce* axes,
// Upsample's scales) turn into constant inputs; Upsample becomes Resize; Dropout becomes Identity
// (a mask that is read: Shape -> ConstantOfShape(true));
// opset < 13 Softmax gets `legacy` = 1.
//
//   if (const OperatorForm* form = find_operator_form("Clip")) form->rewrite(node, context);
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine {

// What a form may look at besides the node: the file's node, its opset and the graph being built.
struct OnnxNodeContext {
  const onnx::NodeProto& proto;
  int opset = 0;               // of the default ONNX domain
  graph::Graph& graph;         // for the constants a form adds
  std::function<bool(graph::ValueId)> is_used;  // whether a value feeds another node or a graph output
  std::string source;          // the file name, for messages
};

// How one ONNX operator is read. `rewrite` changes the node in place: on entry node.op is the ONNX
// op_type, inputs and outputs are the file's (no_value for an omitted one) and attributes hold the
// file's int, float, string and list attributes. `oldest_opset` is the first opset whose spelling it
// knows: older ones meant something else (Add's broadcast attribute before 7, Reshape's shape attribute
// before 5, Cast's string type before 6) and are refused.
struct OperatorForm {
  void (*rewrite)(graph::Node& node, const OnnxNodeContext& context);
  int oldest_opset = 1;
};

// The form of an operator of the default domain, or nullptr when the native engine does not run it.
const OperatorForm* find_operator_form(const std::string& op_type);

// Every operator of the default domain the importer reads (Constant included), in name order.
std::vector<std::string> onnx_operators();

}  // namespace deepimage::engine
