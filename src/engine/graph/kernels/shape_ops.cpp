#include "engine/graph/kernels/shape_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/broadcast.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

std::string list_to_string(const std::vector<std::int64_t>& v) { return shape_to_string(v); }

Tensor reshaped_copy(const Tensor& x, const Shape& shape) {
  Tensor y = x;
  y.reshape(shape, {});
  return y;
}

// ONNX Reshape: 0 copies the input's size at that position (unless allowzero), one -1 takes the rest.
Shape reshaped_shape(const Node& node, const Shape& in, const std::vector<std::int64_t>& spec) {
  const bool allow_zero = node.get_int("allowzero", 0) != 0;
  Shape out(spec.size());
  int infer_at = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < spec.size(); ++i) {
    std::int64_t s = spec[i];
    if (s == 0 && !allow_zero) {
      if (i >= in.size())
        throw Error(ErrorCode::bad_model, node.describe() + ": shape " + list_to_string(spec) + " copies dimension " +
                                              std::to_string(i) + " of an input of shape " + shape_to_string(in));
      s = in[i];
    }
    if (s == -1) {
      if (infer_at >= 0)
        throw Error(ErrorCode::bad_model, node.describe() + ": shape " + list_to_string(spec) + " has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (s < 0)
      throw Error(ErrorCode::bad_model, node.describe() + ": shape " + list_to_string(spec) + " has a negative size");
    out[i] = s;
    known *= s;
  }
  const std::int64_t total = element_count(in);
  if (infer_at >= 0) {
    if (known == 0 || total % known != 0)
      throw Error(ErrorCode::bad_model, node.describe() + ": cannot reshape " + shape_to_string(in) + " to " +
                                            list_to_string(spec));
    out[static_cast<std::size_t>(infer_at)] = total / known;
  } else if (known != total) {
    throw Error(ErrorCode::bad_model, node.describe() + ": cannot reshape " + shape_to_string(in) + " (" +
                                          std::to_string(total) + " elements) to " + list_to_string(spec));
  }
  return out;
}

Shape flattened_shape(const Node& node, const Shape& in) {
  const auto r = static_cast<std::int64_t>(in.size());
  std::int64_t axis = node.get_int("axis", 1);
  if (axis < -r || axis > r)
    throw Error(ErrorCode::bad_model, node.describe() + ": axis " + std::to_string(axis) + " is outside [" +
                                          std::to_string(-r) + ", " + std::to_string(r) + "]");
  if (axis < 0) axis += r;
  std::int64_t rows = 1, cols = 1;
  for (std::int64_t d = 0; d < r; ++d) (d < axis ? rows : cols) *= in[static_cast<std::size_t>(d)];
  return {rows, cols};
}

// Squeeze with no axes, or an empty axes tensor (as ONNX Runtime reads it), removes every size-1 dimension.
Shape squeezed_shape(const Node& node, const Shape& in, const std::optional<std::vector<std::int64_t>>& axes_spec) {
  std::vector<bool> drop(in.size(), false);
  if (!axes_spec || axes_spec->empty()) {
    for (std::size_t d = 0; d < in.size(); ++d) drop[d] = in[d] == 1;
  } else {
    for (const int a : normalize_axes(*axes_spec, in.size(), node)) {
      if (in[static_cast<std::size_t>(a)] != 1)
        throw Error(ErrorCode::bad_model, node.describe() + ": cannot squeeze axis " + std::to_string(a) +
                                              " of size " + std::to_string(in[static_cast<std::size_t>(a)]) +
                                              " in shape " + shape_to_string(in));
      drop[static_cast<std::size_t>(a)] = true;
    }
  }
  Shape out;
  for (std::size_t d = 0; d < in.size(); ++d)
    if (!drop[d]) out.push_back(in[d]);
  return out;
}

Shape unsqueezed_shape(const Node& node, const Shape& in, const std::optional<std::vector<std::int64_t>>& axes_spec) {
  if (!axes_spec)
    throw Error(ErrorCode::bad_model, node.describe() + ": the axes input is missing");
  const std::size_t rank = in.size() + axes_spec->size();
  std::vector<bool> inserted(rank, false);
  for (const int a : normalize_axes(*axes_spec, rank, node)) inserted[static_cast<std::size_t>(a)] = true;
  Shape out;
  std::size_t next = 0;
  for (std::size_t d = 0; d < rank; ++d) out.push_back(inserted[d] ? 1 : in[next++]);
  return out;
}

std::vector<std::int64_t> shape_operand_for_expand(const Node& node, const std::vector<std::int64_t>& shape) {
  for (const auto s : shape)
    if (s < 0)
      throw Error(ErrorCode::bad_model, node.describe() + ": shape " + list_to_string(shape) + " has a negative size");
  return shape;
}

// ONNX Cast: float to integer truncates toward zero (as C++ and numpy do); out-of-range values and NaN
// are undefined in ONNX, here they saturate and NaN becomes 0 so the result never depends on UB.
template <class To, class From>
To cast_element(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(v)) return To{};
    const long double t = std::trunc(static_cast<long double>(v));
    if (t <= static_cast<long double>(std::numeric_limits<To>::lowest())) return std::numeric_limits<To>::lowest();
    if (t >= static_cast<long double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    return static_cast<To>(t);
  } else {
    return static_cast<To>(v);  // integer to integer wraps modulo 2^n, as numpy's astype does
  }
}

}  // namespace

DType dtype_of_onnx_type(const Node& node, std::int64_t onnx_type) {
  switch (onnx_type) {
    case 1: return DType::f32;
    case 2: return DType::u8;
    case 3: return DType::i8;
    case 4: return DType::u16;
    case 5: return DType::i16;
    case 6: return DType::i32;
    case 7: return DType::i64;
    case 9: return DType::boolean;
    case 11: return DType::f64;
    case 12: return DType::u32;
    case 13: return DType::u64;
    default:
      throw Error(ErrorCode::unsupported, node.describe() + ": ONNX data type " + std::to_string(onnx_type) +
                                              " is not supported (float, double, (u)int8/16/32/64 and bool are)");
  }
}

std::vector<TensorType> infer_reshape(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  const auto spec = int64_operand(node, inputs, 1, "shape");
  return {{inputs[0]->dtype, reshaped_shape(node, inputs[0]->shape, *spec)}};
}

std::vector<Tensor> reshape_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  return {reshaped_copy(x, reshaped_shape(node, x.shape(), *int64_operand(node, inputs, 1, "shape")))};
}

std::vector<TensorType> infer_flatten(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  return {{inputs[0]->dtype, flattened_shape(node, inputs[0]->shape)}};
}

std::vector<Tensor> flatten_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  return {reshaped_copy(x, flattened_shape(node, x.shape()))};
}

std::vector<TensorType> infer_squeeze(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 2);
  return {{inputs[0]->dtype, squeezed_shape(node, inputs[0]->shape, int64_operand(node, inputs, 1, "axes"))}};
}

std::vector<Tensor> squeeze_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  return {reshaped_copy(x, squeezed_shape(node, x.shape(), int64_operand(node, inputs, 1, "axes")))};
}

std::vector<TensorType> infer_unsqueeze(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  return {{inputs[0]->dtype, unsqueezed_shape(node, inputs[0]->shape, int64_operand(node, inputs, 1, "axes"))}};
}

std::vector<Tensor> unsqueeze_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  return {reshaped_copy(x, unsqueezed_shape(node, x.shape(), int64_operand(node, inputs, 1, "axes")))};
}

std::vector<TensorType> infer_expand(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  const auto shape = shape_operand_for_expand(node, *int64_operand(node, inputs, 1, "shape"));
  return {{inputs[0]->dtype, broadcast_shapes(node, {inputs[0]->shape, shape})}};
}

std::vector<Tensor> expand_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  const auto spec = shape_operand_for_expand(node, *int64_operand(node, inputs, 1, "shape"));
  const Shape shape = broadcast_shapes(node, {x.shape(), spec});
  Tensor y(x.dtype(), shape);
  const std::size_t es = dtype_size(x.dtype());
  const std::int64_t n = y.element_count();
  BroadcastWalk walk(shape, {x.shape()});
  for (std::int64_t i = 0; i < n; ++i, walk.next())
    std::memcpy(y.bytes() + static_cast<std::size_t>(i) * es, x.bytes() + static_cast<std::size_t>(walk.offset(0)) * es, es);
  return {std::move(y)};
}

Tensor shape_operator_output(const Node& node, const Shape& input_shape) {
  const auto r = static_cast<std::int64_t>(input_shape.size());
  // ONNX Shape: negative start/end count from the end, then both clamp to [0, rank].
  auto clamp = [r](std::int64_t v) { return std::clamp(v < 0 ? v + r : v, std::int64_t{0}, r); };
  const std::int64_t start = clamp(node.get_int("start", 0));
  const std::int64_t end = clamp(node.get_int("end", r));
  Tensor t(DType::i64, {std::max<std::int64_t>(0, end - start)});
  for (std::int64_t d = start; d < end; ++d) t.data<std::int64_t>()[d - start] = input_shape[static_cast<std::size_t>(d)];
  return t;
}

std::vector<TensorType> infer_shape(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  return {{DType::i64, shape_operator_output(node, inputs[0]->shape).shape()}};
}

std::vector<Tensor> shape_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return {shape_operator_output(node, inputs.at(0)->shape())};
}

std::vector<TensorType> infer_constant_of_shape(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 2);
  const auto shape = shape_operand_for_expand(node, *int64_operand(node, inputs, 0, "shape"));
  const bool has_value = inputs.size() > 1 && inputs[1] != nullptr;
  if (has_value && element_count(inputs[1]->shape) != 1)
    throw Error(ErrorCode::bad_model, node.describe() + ": value has shape " + shape_to_string(inputs[1]->shape) +
                                          ", expected one element");
  return {{has_value ? inputs[1]->dtype : DType::f32, shape}};
}

std::vector<Tensor> constant_of_shape_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const auto shape = shape_operand_for_expand(node, *int64_operand(node, inputs, 0, "shape"));
  const Tensor* value = inputs.size() > 1 ? inputs[1] : nullptr;
  Tensor y(value ? value->dtype() : DType::f32, shape);  // zero-filled: ONNX's default value is float 0
  if (value) {
    const std::size_t es = dtype_size(value->dtype());
    for (std::int64_t i = 0; i < y.element_count(); ++i)
      std::memcpy(y.bytes() + static_cast<std::size_t>(i) * es, value->bytes(), es);
  }
  return {std::move(y)};
}

std::vector<TensorType> infer_cast(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  if (!node.has("to")) throw Error(ErrorCode::bad_model, node.describe() + ": attribute \"to\" is missing");
  return {{dtype_of_onnx_type(node, node.get_int("to", 1)), inputs[0]->shape}};
}

std::vector<Tensor> cast_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  const DType to = dtype_of_onnx_type(node, node.get_int("to", 1));
  if (to == x.dtype()) return {x};
  Tensor y(to, x.shape());
  const auto n = static_cast<std::size_t>(x.element_count());
  visit_dtype(x.dtype(), [&](auto from_tag) {
    using From = decltype(from_tag);
    const From* src = x.data<From>();
    visit_dtype(to, [&](auto to_tag) {
      using To = decltype(to_tag);
      To* dst = y.data<To>();
      for (std::size_t i = 0; i < n; ++i) dst[i] = cast_element<To>(src[i]);
    });
  });
  return {std::move(y)};
}

}  // namespace deepimage::engine::graph
