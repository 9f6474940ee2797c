// Element types of tensors, named as in numpy and bioimage.io (`uint8`, `float32`, ...).
//
//   DType t = dtype_from_string("uint16");   // DType::u16
//   dtype_size(t) == 2;  to_string(t) == "uint16"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace deepimage {

enum class DType { boolean, u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 };

std::size_t dtype_size(DType t);
std::string_view to_string(DType t);
bool is_float(DType t);
bool is_signed(DType t);
// Accepts the bioimage.io / numpy names ("uint8", "float32", "bool"); throws invalid_argument otherwise.
DType dtype_from_string(std::string_view name);

template <class T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<bool>() { return DType::boolean; }
template <> constexpr DType dtype_of<std::uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<std::int8_t>() { return DType::i8; }
template <> constexpr DType dtype_of<std::uint16_t>() { return DType::u16; }
template <> constexpr DType dtype_of<std::int16_t>() { return DType::i16; }
template <> constexpr DType dtype_of<std::uint32_t>() { return DType::u32; }
template <> constexpr DType dtype_of<std::int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<std::uint64_t>() { return DType::u64; }
template <> constexpr DType dtype_of<std::int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<double>() { return DType::f64; }

// Calls f(T{}) with T the C++ type of `t`: the one place a DType becomes a template argument.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::boolean: return f(bool{});
    case DType::u8: return f(std::uint8_t{});
    case DType::i8: return f(std::int8_t{});
    case DType::u16: return f(std::uint16_t{});
    case DType::i16: return f(std::int16_t{});
    case DType::u32: return f(std::uint32_t{});
    case DType::i32: return f(std::int32_t{});
    case DType::u64: return f(std::uint64_t{});
    case DType::i64: return f(std::int64_t{});
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
  }
  return f(float{});
}

}  // namespace deepimage
