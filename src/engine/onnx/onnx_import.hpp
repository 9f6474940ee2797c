// import_onnx — an ONNX model file as the native engine's graph (graph/graph.hpp), in canonical form.
//
//   graph::Graph g = import_onnx(bytes, "weights.onnx");
//
// Initializers and Constant nodes become constants; every opset's spelling of an operator becomes its
// one canonical form (graph/ops.hpp: the latest opset's, so an opset-9 Upsample becomes Resize and an
// opset-6 Clip's min/max attributes become constant inputs). Dropout becomes Identity. Graph inputs that are also
// initializers are constants, not inputs. Unknown operators are refused with one line naming the file,
// the operator, its domain and the node.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine {

graph::Graph import_onnx(const std::vector<std::byte>& bytes, const std::string& source);

}  // namespace deepimage::engine
