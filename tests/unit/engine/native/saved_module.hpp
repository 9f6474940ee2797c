// Runs the bytes of a saved TorchScript module (compile_torchscript's output) as LibTorch loads any .pt
// file: the tests of `convert --to torchscript` check the file, not the module before saving.
//
//   std::vector<Tensor> y = run_saved_module(compile_torchscript(source), {x});
//
// LibTorch's headers stay in saved_module.cpp (compiled as C++17 by clang, cmake/sanitizers.cmake).
#pragma once

#include <cstddef>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::testing {

// The module's forward on `inputs`; its outputs, one per element of a returned tuple.
std::vector<Tensor> run_saved_module(const std::vector<std::byte>& pt, const std::vector<Tensor>& inputs);

}  // namespace deepimage::testing
