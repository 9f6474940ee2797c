// TensorFlow TensorProto -> Tensor: Const nodes' values and the frozen variables of a SavedModel.
//
//   Tensor w = tensor_from_tf_proto(node.attr().at("value").tensor(), "saved_model.pb: Const node \"w\"");
//
// A TensorProto holds its values either in tensor_content (raw little-endian bytes, as in memory here)
// or in the repeated field of its element type (float_val, double_val, int_val for int32 and the smaller
// integers, int64_val, bool_val, uint32_val, uint64_val). TF writes a tensor whose elements are all equal
// as ONE value in that field: it stands for the whole shape; fewer values than elements repeat the last
// one, as TensorFlow's own reader does.
#pragma once

#include <string>

#include "deepimage/tensor.hpp"
#include "engine/tf/proto/tensor.pb.h"
#include "engine/tf/proto/types.pb.h"

namespace deepimage::engine {

// The DType of a TF element type; reference types (a TF1 variable's output, DT_FLOAT_REF) count as their
// value type. Throws Error(unsupported) naming `what` and the type for half, bfloat16, strings,
// complex, quantized and resource types.
DType dtype_from_tf(tfproto::DataType type, const std::string& what);

// TF's name of an element type ("DT_HALF"), for messages.
std::string tf_type_name(tfproto::DataType type);

// Throws Error(unsupported) for element types without a DType, Error(bad_model) when tensor_content's
// size does not match the shape or a value field holds more values than the shape has elements.
// `what` starts every message.
Tensor tensor_from_tf_proto(const tfproto::TensorProto& proto, const std::string& what);

}  // namespace deepimage::engine
