// convert_graph — the native engine's side of `deepimage convert`: weights it reads (graph_importers.hpp),
// written as another format.
//
//   std::vector<std::byte> onnx = convert_graph(model, weights, "onnx");
//
// ONNX: the imported graph as an opset-17 file (onnx/onnx_export.hpp), input sizes left free as the rdf
// allows, outputs' ranks from the rdf's axes. Other targets: Error(unsupported) naming what can be written.
//
//   TorchScriptSource s = torchscript_source(model, weights);   // the torchscript module compiles it
//
// TorchScript: the same imported graph as TorchScript source (native/torchscript_export.hpp), its
// forward taking and returning the rdf's tensors in the rdf's order, as the native engine runs them.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "deepimage/model_spec.hpp"
#include "engine/torchscript_source.hpp"
#include "model/model.hpp"

namespace deepimage::engine {

std::vector<std::byte> convert_graph(const model::Model& model, const WeightsSpec& weights, const std::string& to_format);
TorchScriptSource torchscript_source(const model::Model& model, const WeightsSpec& weights);

}  // namespace deepimage::engine
