#include "engine/graph/kernels/spatial_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"

namespace deepimage::engine::graph {

const Value& spatial_input_value(const Node& node, const std::vector<const Value*>& inputs, std::size_t k,
                                 const std::string& name, bool want_f32) {
  if (k >= inputs.size() || inputs[k] == nullptr)
    throw Error(ErrorCode::bad_model, node.describe() + ": input " + name + " (input " + std::to_string(k) + ") is missing");
  const Value& v = *inputs[k];
  if (want_f32 && v.dtype != DType::f32)
    throw Error(ErrorCode::bad_model, node.describe() + ": input " + name + " \"" + v.name + "\" is " +
                                          std::string(to_string(v.dtype)) + ", expected float32");
  if (!v.shape_known)
    throw Error(ErrorCode::bad_model, node.describe() + ": input " + name + " \"" + v.name + "\" has no known shape");
  return v;
}

const Tensor& spatial_input_tensor(const Node& node, const std::vector<const Tensor*>& inputs, std::size_t k,
                                   const std::string& name) {
  if (k >= inputs.size() || inputs[k] == nullptr)
    throw Error(ErrorCode::bad_model, node.describe() + ": input " + name + " (input " + std::to_string(k) + ") is missing");
  const Tensor& t = *inputs[k];
  if (t.dtype() != DType::f32)
    throw Error(ErrorCode::bad_model, node.describe() + ": input " + name + " is " + std::string(to_string(t.dtype())) +
                                          ", expected float32");
  return t;
}

const Tensor* optional_input_tensor(const Node& node, const std::vector<const Tensor*>& inputs, std::size_t k,
                                    const std::string& name) {
  if (k >= inputs.size() || inputs[k] == nullptr) return nullptr;
  return &spatial_input_tensor(node, inputs, k, name);
}

void expect_shape(const Node& node, const std::string& name, const Shape& shape, const Shape& expected) {
  if (shape != expected)
    throw Error(ErrorCode::bad_model, node.describe() + ": input " + name + " has shape " + shape_to_string(shape) +
                                          ", expected " + shape_to_string(expected));
}

Window3 window3(const Window& window, const Shape& input, const std::vector<std::int64_t>& output_sizes) {
  Window3 w{};
  const std::size_t lead = 3 - window.rank();
  for (std::size_t a = 0; a < 3; ++a) {
    if (a < lead) {
      w.in[a] = w.out[a] = w.kernel[a] = w.stride[a] = w.dilation[a] = 1;
      w.pad[a] = 0;
      continue;
    }
    const std::size_t i = a - lead;
    w.in[a] = input[2 + i];
    w.out[a] = output_sizes[i];
    w.kernel[a] = window.kernel[i];
    w.stride[a] = window.strides[i];
    w.dilation[a] = window.dilations[i];
    w.pad[a] = window.pad_begin(i);
  }
  return w;
}

IndexRange valid_range(std::int64_t count, std::int64_t stride, std::int64_t offset, std::int64_t limit) {
  IndexRange r;
  r.first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  r.end = limit - 1 - offset < 0 ? 0 : (limit - 1 - offset) / stride + 1;
  r.end = std::min(r.end, count);
  if (r.end < r.first) r.end = r.first;
  return r;
}

void check_fused_activation(const Node& node) {
  const std::string a = node.get_string("activation", "");
  if (a.empty() || a == "relu" || a == "leaky_relu" || a == "elu" || a == "sigmoid" || a == "tanh" || a == "clip") return;
  throw Error(ErrorCode::bad_model, node.describe() + ": activation \"" + a +
                                        "\" is not relu, leaky_relu, elu, sigmoid, tanh or clip");
}

void apply_fused_activation(const Node& node, float* data, std::int64_t count) {
  check_fused_activation(node);
  const std::string a = node.get_string("activation", "");
  if (a.empty()) return;
  if (a == "relu") {
    for (std::int64_t i = 0; i < count; ++i) data[i] = std::max(data[i], 0.0f);
  } else if (a == "leaky_relu") {
    const auto alpha = static_cast<float>(node.get_float("alpha", 0.01));
    for (std::int64_t i = 0; i < count; ++i) data[i] = data[i] < 0 ? alpha * data[i] : data[i];
  } else if (a == "elu") {
    const auto alpha = static_cast<float>(node.get_float("alpha", 1.0));
    for (std::int64_t i = 0; i < count; ++i) data[i] = data[i] < 0 ? alpha * std::expm1(data[i]) : data[i];
  } else if (a == "sigmoid") {
    for (std::int64_t i = 0; i < count; ++i) data[i] = 1.0f / (1.0f + std::exp(-data[i]));
  } else if (a == "tanh") {
    for (std::int64_t i = 0; i < count; ++i) data[i] = std::tanh(data[i]);
  } else {  // clip
    const auto lo = static_cast<float>(node.get_float("alpha", -std::numeric_limits<double>::infinity()));
    const auto hi = static_cast<float>(node.get_float("beta", std::numeric_limits<double>::infinity()));
    for (std::int64_t i = 0; i < count; ++i) data[i] = std::min(std::max(data[i], lo), hi);
  }
}

}  // namespace deepimage::engine::graph
