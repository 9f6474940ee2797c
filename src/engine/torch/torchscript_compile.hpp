// compile_torchscript — TorchScript source and its constants (engine/torchscript_source.hpp) compiled by
// LibTorch into a module and saved: the bytes of a .pt file that torch::jit::load and Python's
// torch.jit.load read. The torchscript module's side of `deepimage convert --to torchscript`.
//
//   std::vector<std::byte> pt = compile_torchscript(export_torchscript(graph, {0}, {0}));
//
// A source LibTorch refuses is a converter bug: Error(internal) with LibTorch's one-line cause.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/torchscript_source.hpp"

namespace deepimage::engine {

std::vector<std::byte> compile_torchscript(const TorchScriptSource& source);

}  // namespace deepimage::engine
