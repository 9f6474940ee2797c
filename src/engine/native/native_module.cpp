// The native engine as a module (libdeepimage_engine_native.so): oneDNN, its OpenMP (libgomp) and the
// importers' protobuf are loaded with it, on the first ONNX or TF model, never at start-up
// (engine_module.hpp).
#include "engine/engine_module.hpp"
#include "engine/native/native_engine.hpp"
#include "engine/native/graph_architecture.hpp"

extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions() {
  using namespace deepimage::engine;
  static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_native, describe_native_layers};
  return &functions;
}
