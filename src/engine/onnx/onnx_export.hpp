// export_onnx — the native engine's graph (graph/graph.hpp) as an ONNX model, opset 17.
//
//   onnx::ModelProto m = export_onnx(import_graph(model, weights), "deepimage 0.9");
//   std::string bytes = m.SerializeAsString();     // `deepimage convert --to onnx` writes this
//
// The graph's canonical forms are ONNX 18's; opset 17 is written because it is the newest that Debian's
// libonnx (1.12) checks, and every runtime in use reads it. The few operands opset 18 added go back to
// their opset-17 spelling: Reduce{Mean,Max,Min}'s axes input becomes the `axes` attribute, Pad's `axes`
// input is folded into full-rank pads; Softmax with `legacy` (a file older than opset 13) becomes
// Flatten -> Softmax -> Reshape, its old meaning. Constants become initializers; a graph input's
// unknown sizes become named symbolic dimensions. Fused forms (specialize()'s output) are not
// exported: give the imported graph. Refused with Error(unsupported), naming the node: an operator or
// attribute with no opset-17 spelling.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

#include "engine/graph/graph.hpp"

namespace deepimage::engine {

inline constexpr int kOnnxExportOpset = 17;

// `output_ranks` (the rdf's axes per output) name the outputs' ranks where neither the graph nor libonnx's
// shape inference can; without them such a graph is refused.
onnx::ModelProto export_onnx(const graph::Graph& graph, const std::string& producer_version,
                             const std::vector<int>& output_ranks = {});

// The ONNX element type number (TensorProto.DataType) of a DType.
int onnx_type_of(DType dtype);

// A tensor as an ONNX TensorProto named `name`, values in raw_data.
onnx::TensorProto tensor_to_proto(const Tensor& tensor, const std::string& name);

}  // namespace deepimage::engine
