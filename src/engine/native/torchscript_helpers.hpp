// The TorchScript methods every converted module carries beside `forward` (torchscript_export.hpp): the
// ONNX rules torch has no single op for (Reshape's 0 and -1, Slice's clamping, SAME padding, Resize's
// coordinate modes, ...), written once in TorchScript and called as self._name(...).
//
// TorchScript compiled by LibTorch alone (Module::define) knows aten ops as torch.<op> and Python's
// builtins, but not torch.nn.functional, math or dtype names: dtypes are written as their ScalarType
// numbers (4 int64, 6 float32, 7 float64, 11 bool).
#pragma once

#include <string>

namespace deepimage::engine {

const std::string& torchscript_helpers();

}  // namespace deepimage::engine
