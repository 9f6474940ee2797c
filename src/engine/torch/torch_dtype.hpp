// DType to LibTorch's scalar type, for the torchscript module's files (they include LibTorch).
#pragma once

#include <c10/core/ScalarType.h>

#include <optional>

#include "deepimage/tensor.hpp"

namespace deepimage::engine {

// nullopt for a type LibTorch has none for; the caller's error names the tensor.
inline std::optional<c10::ScalarType> torch_scalar_type(DType t) {
  switch (t) {
    case DType::boolean: return c10::ScalarType::Bool;
    case DType::u8: return c10::ScalarType::Byte;
    case DType::i8: return c10::ScalarType::Char;
    case DType::i16: return c10::ScalarType::Short;
    case DType::i32: return c10::ScalarType::Int;
    case DType::i64: return c10::ScalarType::Long;
    case DType::f32: return c10::ScalarType::Float;
    case DType::f64: return c10::ScalarType::Double;
    default: return std::nullopt;
  }
}

}  // namespace deepimage::engine
