#include "engine/onnx/onnx_tensor.hpp"

#include <cctype>
#include <cstring>
#include <optional>

#include "core/checked_math.hpp"
#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

// The values of a TensorProto without raw_data, from the repeated field its type keeps them in; their
// count is checked against the shape's before the tensor is allocated (see tensor_from_proto).
template <class T, class Field>
Tensor tensor_from_field(DType dtype, const Shape& shape, std::int64_t elements, const Field& field, const std::string& what,
                         const char* field_name) {
  if (field.size() != elements)
    throw Error(ErrorCode::bad_model, what + ": " + field_name + " holds " + std::to_string(field.size()) +
                                          " values for a shape of " + std::to_string(elements) + " elements");
  Tensor t(dtype, shape);
  T* out = t.data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
  return t;
}

}  // namespace

std::string onnx_type_name(int onnx_type) {
  if (!onnx::TensorProto::DataType_IsValid(onnx_type)) return "type " + std::to_string(onnx_type);
  std::string name = onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnx_type));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

DType dtype_from_onnx(int onnx_type, const std::string& what) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: return DType::f32;
    case onnx::TensorProto::DOUBLE: return DType::f64;
    case onnx::TensorProto::UINT8: return DType::u8;
    case onnx::TensorProto::INT8: return DType::i8;
    case onnx::TensorProto::UINT16: return DType::u16;
    case onnx::TensorProto::INT16: return DType::i16;
    case onnx::TensorProto::UINT32: return DType::u32;
    case onnx::TensorProto::INT32: return DType::i32;
    case onnx::TensorProto::UINT64: return DType::u64;
    case onnx::TensorProto::INT64: return DType::i64;
    case onnx::TensorProto::BOOL: return DType::boolean;
    default:
      throw Error(ErrorCode::unsupported, what + " has element type " + onnx_type_name(onnx_type) +
                                              " (" + std::to_string(onnx_type) + "), which the native engine does not support");
  }
}

Tensor tensor_from_proto(const onnx::TensorProto& p, const std::string& what) {
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string file;
    for (const auto& entry : p.external_data())
      if (entry.key() == "location") file = entry.value();
    throw Error(ErrorCode::unsupported, what + " keeps its values in the external file \"" + file +
                                            "\", which the native engine does not read; save the model with its "
                                            "weights inside the .onnx file");
  }
  if (p.has_segment()) throw Error(ErrorCode::unsupported, what + " is stored in segments, which the native engine does not read");
  Shape shape;
  for (const auto d : p.dims()) {
    if (d < 0) throw Error(ErrorCode::bad_model, what + " has a negative dimension " + std::to_string(d));
    shape.push_back(d);
  }
  const DType dtype = dtype_from_onnx(p.data_type(), what);
  // The values stored must fill the declared shape, checked before anything is allocated: a few bytes
  // of protobuf may declare a shape of terabytes.
  const std::optional<std::int64_t> elements = checked_product(shape);
  const std::optional<std::int64_t> bytes = elements ? checked_multiply(*elements, static_cast<std::int64_t>(dtype_size(dtype))) : std::nullopt;
  if (!bytes)
    throw Error(ErrorCode::bad_model, what + " declares shape " + shape_to_string(shape) + ": more than 2^63 bytes");
  if (p.has_raw_data()) {
    // raw_data is little-endian, as every machine we build for.
    if (p.raw_data().size() != static_cast<std::uint64_t>(*bytes))
      throw Error(ErrorCode::bad_model, what + ": raw_data holds " + std::to_string(p.raw_data().size()) + " bytes for " +
                                            std::to_string(*bytes) + " bytes of " + std::string(to_string(dtype)) +
                                            " " + shape_to_string(shape));
    Tensor t(dtype, shape);
    if (t.byte_count() != 0) std::memcpy(t.bytes(), p.raw_data().data(), t.byte_count());
    return t;
  }
  Tensor t;
  switch (dtype) {
    case DType::f32: t = tensor_from_field<float>(dtype, shape, *elements, p.float_data(), what, "float_data"); break;
    case DType::f64: t = tensor_from_field<double>(dtype, shape, *elements, p.double_data(), what, "double_data"); break;
    case DType::i64: t = tensor_from_field<std::int64_t>(dtype, shape, *elements, p.int64_data(), what, "int64_data"); break;
    case DType::u32: t = tensor_from_field<std::uint32_t>(dtype, shape, *elements, p.uint64_data(), what, "uint64_data"); break;
    case DType::u64: t = tensor_from_field<std::uint64_t>(dtype, shape, *elements, p.uint64_data(), what, "uint64_data"); break;
    case DType::u8: t = tensor_from_field<std::uint8_t>(dtype, shape, *elements, p.int32_data(), what, "int32_data"); break;
    case DType::i8: t = tensor_from_field<std::int8_t>(dtype, shape, *elements, p.int32_data(), what, "int32_data"); break;
    case DType::u16: t = tensor_from_field<std::uint16_t>(dtype, shape, *elements, p.int32_data(), what, "int32_data"); break;
    case DType::i16: t = tensor_from_field<std::int16_t>(dtype, shape, *elements, p.int32_data(), what, "int32_data"); break;
    case DType::i32: t = tensor_from_field<std::int32_t>(dtype, shape, *elements, p.int32_data(), what, "int32_data"); break;
    case DType::boolean: t = tensor_from_field<bool>(dtype, shape, *elements, p.int32_data(), what, "int32_data"); break;
  }
  return t;
}

}  // namespace deepimage::engine
