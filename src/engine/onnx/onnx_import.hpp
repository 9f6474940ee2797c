// import_onnx — an ONNX model file as the native engine's graph (graph/graph.hpp), in canonical form.
//
//   graph::Graph g = import_onnx(bytes, "weights.onnx");
//
// Initializers and Constant nodes become constants; every opset's spelling of an operator becomes its
// one canonical form (graph/ops.hpp: the latest opset's, so an opset-9 Upsample becomes Resize and an
// opset-6 Clip's min/max attributes become constant inputs; engine/onnx/onnx_operator_forms.hpp lists
// the operators and their upgrades). Dropout becomes Identity. Graph inputs that are also initializers
// are constants, not inputs; a graph input's unnamed or symbolic sizes are -1. Refused with one line
// naming the file (Error(unsupported) or Error(bad_model)): unknown operators and other domains
// (naming the operator, its domain and the node), spellings older than an operator's oldest known
// opset, training-time outputs that something reads, weights in external files, element types with no
// DType (float16, ...), and nodes out of topological order.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine {

graph::Graph import_onnx(const std::vector<std::byte>& bytes, const std::string& source);

}  // namespace deepimage::engine
