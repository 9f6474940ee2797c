// The native engine as a module (libdeepimage_engine_native.so): oneDNN, its OpenMP (libgomp) and the
// importers' protobuf and HDF5 are loaded with it, on the first model it runs, never at start-up
// (engine_module.hpp).
#include "engine/engine_module.hpp"
#include "engine/native/graph_conversion.hpp"
#include "engine/native/graph_architecture.hpp"
#include "engine/native/native_engine.hpp"
#include "engine/onnx/onnx_architecture.hpp"

namespace {

// ONNX files describe their own nodes (with ONNX's shape inference); the other formats their graph.
deepimage::Architecture describe_native_layers(const deepimage::model::Model& model, const deepimage::WeightsSpec& weights,
                                               const std::vector<deepimage::Shape>& input_shapes) {
  if (weights.format == "onnx") return deepimage::engine::describe_onnx_layers(model, weights, input_shapes);
  return deepimage::engine::describe_graph_layers(model, weights, input_shapes);
}

}  // namespace

extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions() {
  using namespace deepimage::engine;
  static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_native, describe_native_layers,
                                         convert_graph};
  return &functions;
}
