// Engine modules: an engine that links a heavy library (LibTorch, OpenCV, oneDNN) is built as a shared
// module, lib/deepimage/libdeepimage_engine_<name>.so, and opened only when a model first needs it, so
// that `info`, `models` and the other engines never pay its start-up (LibTorch maps ~290 libraries).
//
//   // engines.cpp: name, weight formats and library version are known without opening the module
//   engines.push_back(engine_module("torchscript", {"torchscript"}, torchscript_library_version()));
//
//   // src/engine/torch/torchscript_module.cpp: the module's one exported function
//   extern "C" const EngineFunctions* deepimage_engine_functions() {
//     static const EngineFunctions functions{kEngineModuleAbi, DEEPIMAGE_VERSION, load_torchscript,
//                                            describe_torchscript_layers, nullptr, nullptr, nullptr,
//                                            compile_torchscript};
//     return &functions;
//   }
//
// The module links the shared libdeepimage_core and libdeepimage_model, as the executable does, so
// Tensor, Model and Error exist once in the process and a deepimage::Error thrown in the module is
// caught as one outside it (docs/engines.md, "Engine modules"). Modules are looked up in
// $DEEPIMAGE_MODULE_DIR, else in the folder "deepimage" beside libdeepimage_engine.so (build/lib/deepimage
// in the build tree, <prefix>/lib/deepimage when installed). A module is never closed: its engines and
// their thread pools live until the process ends.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/engine.hpp"

namespace deepimage::engine {

// Bumped whenever EngineFunctions or the types it passes change shape; a module built against another
// value is refused with a message instead of crashing.
inline constexpr int kEngineModuleAbi = 4;

// What a module hands over; the first two fields keep their place in every version, so that any module
// can be told why it does not fit. `deepimage_version` is the version the module was built with; it must equal
// the executable's, because C++ types (Tensor, Model, WeightsSpec) cross the boundary.
struct EngineFunctions {
  int abi;
  const char* deepimage_version;
  std::unique_ptr<Engine> (*load)(const model::Model&, const WeightsSpec&, const EngineOptions&);
  Architecture (*describe_layers)(const model::Model&, const WeightsSpec&, const std::vector<Shape>&);
  GraphIo (*describe_io)(const model::Model&, const WeightsSpec&);  // nullptr: the engine cannot tell
  // The weights written in another format (`convert`), or nullptr when the module converts nothing.
  std::vector<std::byte> (*convert)(const model::Model&, const WeightsSpec&, const std::string& to_format);
  // `convert --to torchscript` in two halves (engine/torchscript_source.hpp): the network as TorchScript
  // source (the native module), and that source compiled into a .pt file (the torchscript module);
  // nullptr in a module without that half.
  TorchScriptSource (*torchscript_source)(const model::Model&, const WeightsSpec&);
  std::vector<std::byte> (*compile_torchscript)(const TorchScriptSource&);
};

// The registry entry of an engine in module libdeepimage_engine_<name>.so: `load` and `describe_layers`
// open the module on their first call (throwing Error(engine) naming the path and the loader's reason
// when it is missing or broken) and forward to it.
EngineInfo engine_module(std::string name, std::vector<std::string> weight_formats, std::string library);

// Where modules are looked for: $DEEPIMAGE_MODULE_DIR when set, else <folder of libdeepimage_engine.so>/deepimage.
std::filesystem::path engine_module_dir();

}  // namespace deepimage::engine

// The C entry point every module defines once (unmangled, so the loader finds it by this name).
extern "C" const deepimage::engine::EngineFunctions* deepimage_engine_functions();
