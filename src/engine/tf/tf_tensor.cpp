#include "engine/tf/tf_tensor.hpp"

#include <algorithm>
#include <cstring>

#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

// One value per element, or fewer: the last given value fills the rest (TF's compact form of a
// constant filled with one value). An empty field with elements to fill means zeros.
template <class T, class Field>
void copy_values(Tensor& t, const Field& field, const std::string& what, const char* field_name) {
  const std::int64_t n = t.element_count();
  if (field.size() > n)
    throw Error(ErrorCode::bad_model, what + ": " + field_name + " holds " + std::to_string(field.size()) +
                                          " values for a shape of " + std::to_string(n) + " elements");
  T* out = t.data<T>();
  for (std::int64_t i = 0; i < n; ++i)
    out[i] = field.empty() ? T{} : static_cast<T>(field.Get(static_cast<int>(std::min<std::int64_t>(i, field.size() - 1))));
}

}  // namespace

std::string tf_type_name(tfproto::DataType type) {
  return tfproto::DataType_IsValid(type) ? tfproto::DataType_Name(type) : "type " + std::to_string(static_cast<int>(type));
}

DType dtype_from_tf(tfproto::DataType type, const std::string& what) {
  const int value = static_cast<int>(type) > 100 ? static_cast<int>(type) - 100 : static_cast<int>(type);
  switch (value) {
    case tfproto::DT_FLOAT: return DType::f32;
    case tfproto::DT_DOUBLE: return DType::f64;
    case tfproto::DT_INT32: return DType::i32;
    case tfproto::DT_UINT8: return DType::u8;
    case tfproto::DT_INT16: return DType::i16;
    case tfproto::DT_INT8: return DType::i8;
    case tfproto::DT_INT64: return DType::i64;
    case tfproto::DT_BOOL: return DType::boolean;
    case tfproto::DT_UINT16: return DType::u16;
    case tfproto::DT_UINT32: return DType::u32;
    case tfproto::DT_UINT64: return DType::u64;
    default:
      throw Error(ErrorCode::unsupported, what + " has element type " + tf_type_name(type) +
                                              ", which the native engine does not support");
  }
}

Tensor tensor_from_tf_proto(const tfproto::TensorProto& p, const std::string& what) {
  if (p.tensor_shape().unknown_rank()) throw Error(ErrorCode::bad_model, what + " has a tensor of unknown rank");
  Shape shape;
  for (const auto& d : p.tensor_shape().dim()) {
    if (d.size() < 0) throw Error(ErrorCode::bad_model, what + " has a tensor with the unknown dimension " + std::to_string(d.size()));
    shape.push_back(d.size());
  }
  Tensor t(dtype_from_tf(p.dtype(), what), shape);
  if (!p.tensor_content().empty()) {
    // tensor_content is little-endian, as every machine we build for.
    if (p.tensor_content().size() != t.byte_count())
      throw Error(ErrorCode::bad_model, what + ": tensor_content holds " + std::to_string(p.tensor_content().size()) +
                                            " bytes for " + std::to_string(t.byte_count()) + " bytes of " +
                                            std::string(to_string(t.dtype())) + " " + shape_to_string(shape));
    std::memcpy(t.bytes(), p.tensor_content().data(), t.byte_count());
    return t;
  }
  switch (t.dtype()) {
    case DType::f32: copy_values<float>(t, p.float_val(), what, "float_val"); break;
    case DType::f64: copy_values<double>(t, p.double_val(), what, "double_val"); break;
    case DType::i64: copy_values<std::int64_t>(t, p.int64_val(), what, "int64_val"); break;
    case DType::u32: copy_values<std::uint32_t>(t, p.uint32_val(), what, "uint32_val"); break;
    case DType::u64: copy_values<std::uint64_t>(t, p.uint64_val(), what, "uint64_val"); break;
    case DType::u8: copy_values<std::uint8_t>(t, p.int_val(), what, "int_val"); break;
    case DType::i8: copy_values<std::int8_t>(t, p.int_val(), what, "int_val"); break;
    case DType::u16: copy_values<std::uint16_t>(t, p.int_val(), what, "int_val"); break;
    case DType::i16: copy_values<std::int16_t>(t, p.int_val(), what, "int_val"); break;
    case DType::i32: copy_values<std::int32_t>(t, p.int_val(), what, "int_val"); break;
    case DType::boolean: copy_values<bool>(t, p.bool_val(), what, "bool_val"); break;
  }
  return t;
}

}  // namespace deepimage::engine
