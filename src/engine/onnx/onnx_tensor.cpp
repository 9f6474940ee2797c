#include "engine/onnx/onnx_tensor.hpp"

#include <cctype>
#include <cstring>
#include <optional>

#include "core/checked_math.hpp"
#include "deepimage/error.hpp"

namespace deepimage::engine {
namespace {

template <class T, class Field>
void copy_field(Tensor& t, const Field& field, const std::string& what, const char* field_name) {
  if (field.size() != t.element_count())
    throw Error(ErrorCode::bad_model, what + ": " + field_name + " holds " + std::to_string(field.size()) +
                                          " values for a shape of " + std::to_string(t.element_count()) + " elements");
  T* out = t.data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

// The repeated field a TensorProto without raw_data keeps its values in, by element type.
const char* value_field_name(DType dtype) {
  switch (dtype) {
    case DType::f32: return "float_data";
    case DType::f64: return "double_data";
    case DType::i64: return "int64_data";
    case DType::u32:
    case DType::u64: return "uint64_data";
    default: return "int32_data";
  }
}

int stored_value_count(const onnx::TensorProto& p, DType dtype) {
  switch (dtype) {
    case DType::f32: return p.float_data_size();
    case DType::f64: return p.double_data_size();
    case DType::i64: return p.int64_data_size();
    case DType::u32:
    case DType::u64: return p.uint64_data_size();
    default: return p.int32_data_size();
  }
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
  const int stored = stored_value_count(p, dtype);
  if (stored != *elements)
    throw Error(ErrorCode::bad_model, what + ": " + value_field_name(dtype) + " holds " + std::to_string(stored) +
                                          " values for a shape of " + std::to_string(*elements) + " elements");
  Tensor t(dtype, shape);
  switch (t.dtype()) {
    case DType::f32: copy_field<float>(t, p.float_data(), what, "float_data"); break;
    case DType::f64: copy_field<double>(t, p.double_data(), what, "double_data"); break;
    case DType::i64: copy_field<std::int64_t>(t, p.int64_data(), what, "int64_data"); break;
    case DType::u32: copy_field<std::uint32_t>(t, p.uint64_data(), what, "uint64_data"); break;
    case DType::u64: copy_field<std::uint64_t>(t, p.uint64_data(), what, "uint64_data"); break;
    case DType::u8: copy_field<std::uint8_t>(t, p.int32_data(), what, "int32_data"); break;
    case DType::i8: copy_field<std::int8_t>(t, p.int32_data(), what, "int32_data"); break;
    case DType::u16: copy_field<std::uint16_t>(t, p.int32_data(), what, "int32_data"); break;
    case DType::i16: copy_field<std::int16_t>(t, p.int32_data(), what, "int32_data"); break;
    case DType::i32: copy_field<std::int32_t>(t, p.int32_data(), what, "int32_data"); break;
    case DType::boolean: copy_field<bool>(t, p.int32_data(), what, "int32_data"); break;
  }
  return t;
}

}  // namespace deepimage::engine
