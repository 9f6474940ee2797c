// The native engine as a module (libdeepimage_engine_native.so): oneDNN, its OpenMP (libgomp) and the
// importers' protobuf and HDF5 are loaded with it, on the first model it runs, never at start-up
// (engine_module.hpp).
#include <algorithm>

#include "engine/engine_module.hpp"
#include "engine/native/graph_conversion.hpp"
#include "engine/graph/passes.hpp"
#include "engine/native/graph_architecture.hpp"
#include "engine/native/graph_importers.hpp"
#include "engine/native/native_engine.hpp"
#include "engine/onnx/onnx_architecture.hpp"

namespace deepimage::engine {
namespace {

// ONNX files describe their own nodes (with ONNX's shape inference); the other formats their graph.
Architecture describe_native_layers(const model::Model& model, const WeightsSpec& weights, const std::vector<Shape>& input_shapes) {
  if (weights.format == "onnx") return describe_onnx_layers(model, weights, input_shapes);
  return describe_graph_layers(model, weights, input_shapes);
}

// The graph's feeds and fetches as its importer reads them (the importer of weights.format, so the
// TF and Keras importers' feed/fetch discovery applies to bare files too).
// Outputs whose shape the file does not declare (ONNX exporters often leave them out) get the rank
// and the sizes shape inference gives for a probe input: the inputs' declared sizes, kProbeSize where
// a size is open. Only the rank and the fixed sizes (channels) of the answer are meant to be used.
constexpr std::int64_t kProbeSize = 64;

GraphIo describe_native_io(const model::Model& model, const WeightsSpec& weights) {
  const graph::Graph g = import_graph(model, weights);
  const auto tensor = [](const graph::Graph& graph, graph::ValueId id) {
    const graph::Value& v = graph.value(id);
    return GraphTensor{v.name, v.dtype, v.shape_known ? v.shape : Shape{}};
  };
  GraphIo io;
  for (graph::ValueId id : g.inputs) io.inputs.push_back(tensor(g, id));
  for (graph::ValueId id : g.outputs) io.outputs.push_back(tensor(g, id));
  const bool inputs_known = std::all_of(io.inputs.begin(), io.inputs.end(), [](const GraphTensor& t) { return !t.shape.empty(); });
  const bool outputs_known = std::all_of(io.outputs.begin(), io.outputs.end(), [](const GraphTensor& t) { return !t.shape.empty(); });
  if (inputs_known && !outputs_known) {
    std::vector<Shape> probe;
    for (const GraphTensor& t : io.inputs) {
      Shape s = t.shape;
      for (auto& d : s) d = d > 0 ? d : kProbeSize;
      probe.push_back(s);
    }
    const graph::Graph specialised = graph::specialize(g, probe);
    for (std::size_t i = 0; i < io.outputs.size(); ++i)
      if (io.outputs[i].shape.empty()) io.outputs[i].shape = tensor(specialised, specialised.outputs.at(i)).shape;
  }
  return io;
}

}  // namespace
}  // namespace deepimage::engine

extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions() {
  using namespace deepimage::engine;
  static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_native, describe_native_layers,
                                         describe_native_io, convert_graph, torchscript_source, nullptr};
  return &functions;
}
