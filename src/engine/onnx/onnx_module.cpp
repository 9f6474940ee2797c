// The onnx engine (OpenCV DNN) as a module (libdeepimage_engine_onnx.so): OpenCV, its OpenMP and TBB
// and protobuf are loaded with it, on the first ONNX model, never at start-up (engine_module.hpp).
#include "engine/engine_module.hpp"
#include "engine/onnx/onnx_architecture.hpp"
#include "engine/onnx/onnx_engine.hpp"

extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions() {
  using namespace deepimage::engine;
  static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_onnx, describe_onnx_layers};
  return &functions;
}
