// TorchScriptSource — a network written as TorchScript source: the hand-over between the native engine,
// which writes it from its graph (native/torchscript_export.hpp), and the torchscript engine, which
// compiles and saves it as a .pt file (torch/torchscript_compile.hpp). Only the torchscript module links
// LibTorch, so the two halves of `deepimage convert --to torchscript` live in two modules.
//
//   TorchScriptSource s = export_torchscript(graph, input_order, output_order);  // native module
//   std::vector<std::byte> pt = compile_torchscript(s);                           // torchscript module
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::engine {

struct TorchScriptSource {
  std::string code;  // the module's methods: `forward` and the helpers it calls, reading constants as self.<name>
  std::vector<std::pair<std::string, Tensor>> constants;  // registered under these names (weights as parameters)
};

}  // namespace deepimage::engine
