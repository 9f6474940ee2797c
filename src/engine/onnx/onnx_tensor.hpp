// ONNX TensorProto <-> Tensor: initializers, Constant node values and the node tests' .pb files.
//
//   Tensor w = tensor_from_proto(init, "weights.onnx: initializer \"conv1.weight\"");
//
// A TensorProto holds its values either packed in raw_data (little-endian, as in memory here) or in the
// repeated field the ONNX specification assigns to the element type (float_data, int32_data for the
// small integer types and bool, int64_data, double_data, uint64_data for uint32/uint64). Values kept in
// an external file are refused: an imported graph has no path to resolve them against.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "deepimage/tensor.hpp"

namespace deepimage::engine {

// The DType of an ONNX element type number (TensorProto.DataType); throws Error(unsupported) naming
// `what` and the type for types the native engine has no DType for (float16, bfloat16, string, complex).
DType dtype_from_onnx(int onnx_type, const std::string& what);

// Throws Error(unsupported) for external or segmented data and types without a DType, Error(bad_model)
// when the stored values do not fill the declared shape. `what` starts every message.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what);

// ONNX's name of an element type number ("float16"), for messages.
std::string onnx_type_name(int onnx_type);

}  // namespace deepimage::engine
