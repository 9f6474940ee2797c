// The native engine as a module (libdeepimage_engine_native.so): oneDNN, its OpenMP (libgomp) and the
// ONNX importer's protobuf are loaded with it, on the first ONNX model, never at start-up
// (engine_module.hpp).
#include "engine/engine_module.hpp"
#include "engine/native/graph_importers.hpp"
#include "engine/native/native_engine.hpp"
#include "engine/onnx/onnx_architecture.hpp"

namespace deepimage::engine {
namespace {

// The graph's feeds and fetches as its importer reads them (the importer of weights.format, so the
// TF and Keras importers' feed/fetch discovery applies to bare files too).
GraphIo describe_native_io(const model::Model& model, const WeightsSpec& weights) {
  const graph::Graph g = import_graph(model, weights);
  const auto tensor = [&](graph::ValueId id) {
    const graph::Value& v = g.value(id);
    return GraphTensor{v.name, v.dtype, v.shape_known ? v.shape : Shape{}};
  };
  GraphIo io;
  for (graph::ValueId id : g.inputs) io.inputs.push_back(tensor(id));
  for (graph::ValueId id : g.outputs) io.outputs.push_back(tensor(id));
  return io;
}

}  // namespace
}  // namespace deepimage::engine

extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions() {
  using namespace deepimage::engine;
  static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_native, describe_onnx_layers,
                                         describe_native_io};
  return &functions;
}
