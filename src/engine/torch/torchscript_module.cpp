// The torchscript engine as a module (libdeepimage_engine_torchscript.so): LibTorch is loaded with it,
// on the first TorchScript model, never at start-up (engine_module.hpp).
#include "engine/engine_module.hpp"
#include "engine/torch/torchscript_architecture.hpp"
#include "engine/torch/torchscript_compile.hpp"
#include "engine/torch/torchscript_engine.hpp"

extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions() {
  using namespace deepimage::engine;
  static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_torchscript, describe_torchscript_layers,
                                         nullptr, nullptr, nullptr, compile_torchscript};
  return &functions;
}
