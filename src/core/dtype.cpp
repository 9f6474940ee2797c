#include "deepimage/dtype.hpp"

#include <array>
#include <utility>

#include "deepimage/error.hpp"

namespace deepimage {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  std::size_t size;
};

constexpr std::array<DTypeInfo, 11> kDTypes{{
    {DType::boolean, "bool", 1},
    {DType::u8, "uint8", 1},
    {DType::i8, "int8", 1},
    {DType::u16, "uint16", 2},
    {DType::i16, "int16", 2},
    {DType::u32, "uint32", 4},
    {DType::i32, "int32", 4},
    {DType::u64, "uint64", 8},
    {DType::i64, "int64", 8},
    {DType::f32, "float32", 4},
    {DType::f64, "float64", 8},
}};

const DTypeInfo& info(DType t) {
  for (const auto& i : kDTypes)
    if (i.dtype == t) return i;
  throw Error(ErrorCode::internal, "unknown dtype");
}

}  // namespace

std::size_t dtype_size(DType t) { return info(t).size; }
std::string_view to_string(DType t) { return info(t).name; }
bool is_float(DType t) { return t == DType::f32 || t == DType::f64; }
bool is_signed(DType t) {
  return t == DType::i8 || t == DType::i16 || t == DType::i32 || t == DType::i64 || is_float(t);
}

DType dtype_from_string(std::string_view name) {
  for (const auto& i : kDTypes)
    if (i.name == name) return i.dtype;
  if (name == "boolean") return DType::boolean;
  std::string known;
  for (const auto& i : kDTypes) known += (known.empty() ? "" : ", ") + std::string(i.name);
  throw Error(ErrorCode::invalid_argument,
              "unknown data type \"" + std::string(name) + "\" (expected one of: " + known + ")");
}

}  // namespace deepimage
