// The ONNX operators the native engine runs, and how each opset's spelling of one (opsets 7 to 20)
// becomes the canonical form graph/ops.hpp describes: the latest opset's. Attributes that later became
// operand inputs (Clip's min/max, Pad's pads, Slice's starts/ends/axes, Squeeze/Unsqueeze/Reduce* axes,
// Upsample's scales) turn into constant inputs; Upsample becomes Resize; Dropout becomes Identity;
// opset < 13 Softmax gets `legacy` = 1.
//
//   if (const CanonicalForm form = find_canonical_form("Clip")) form(node, context);
#pragma once

#include <onnx/onnx_pb.h>

#include <functional>
#include <string>

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

// Rewrites `node` in place. On entry node.op is the ONNX op_type, inputs and outputs are the file's
// (no_value for an omitted one) and attributes hold the file's int, float, string and list attributes.
using CanonicalForm = void (*)(graph::Node& node, const OnnxNodeContext& context);

// The form for an operator of the default domain, or nullptr when the native engine does not run it.
CanonicalForm find_canonical_form(const std::string& op_type);

}  // namespace deepimage::engine
