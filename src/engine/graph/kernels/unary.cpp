#include "engine/graph/kernels/unary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

constexpr std::initializer_list<DType> kFloatTypes = {DType::f32, DType::f64};
constexpr std::initializer_list<DType> kNumericTypes = {DType::f32, DType::f64, DType::i8,  DType::i16, DType::i32,
                                                       DType::i64, DType::u8,  DType::u16, DType::u32, DType::u64};

// y = f(x) for float inputs; f gets and returns the element type.
template <class F>
std::vector<Tensor> float_pointwise(const Node& node, const std::vector<const Tensor*>& inputs, F f) {
  const Tensor& x = *inputs.at(0);
  require_dtype(node, "input X", x.dtype(), kFloatTypes);
  Tensor y(x.dtype(), x.shape());
  const auto n = x.element_count();
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (std::int64_t i = 0; i < n; ++i) py[i] = static_cast<T>(f(px[i]));
  };
  if (x.dtype() == DType::f32)
    run(float{});
  else
    run(double{});
  return {std::move(y)};
}

// y = f(x) for any numeric input.
template <class F>
std::vector<Tensor> numeric_pointwise(const Node& node, const std::vector<const Tensor*>& inputs, F f) {
  const Tensor& x = *inputs.at(0);
  require_dtype(node, "input X", x.dtype(), kNumericTypes);
  Tensor y(x.dtype(), x.shape());
  const auto n = x.element_count();
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      const T* px = x.data<T>();
      T* py = y.data<T>();
      for (std::int64_t i = 0; i < n; ++i) py[i] = static_cast<T>(f(px[i]));
    }
  });
  return {std::move(y)};
}

}  // namespace

std::vector<TensorType> infer_float_pointwise(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  require_dtype(node, "input X", inputs[0]->dtype, kFloatTypes);
  return {{inputs[0]->dtype, inputs[0]->shape}};
}

std::vector<TensorType> infer_numeric_pointwise(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  require_dtype(node, "input X", inputs[0]->dtype, kNumericTypes);
  return {{inputs[0]->dtype, inputs[0]->shape}};
}

std::vector<TensorType> infer_identity(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  return {{inputs[0]->dtype, inputs[0]->shape}};
}

std::vector<TensorType> infer_clip(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 3);
  require_dtype(node, "input X", inputs[0]->dtype, kNumericTypes);
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    if (inputs[i] == nullptr) continue;
    if (inputs[i]->dtype != inputs[0]->dtype || element_count(inputs[i]->shape) != 1)
      throw Error(ErrorCode::bad_model, node.describe() + ": " + (i == 1 ? "min" : "max") + " is a " +
                                            std::string(to_string(inputs[i]->dtype)) + " tensor of shape " +
                                            shape_to_string(inputs[i]->shape) + ", expected one " +
                                            std::string(to_string(inputs[0]->dtype)));
  }
  return {{inputs[0]->dtype, inputs[0]->shape}};
}

std::vector<Tensor> relu_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  // x < 0, not x > 0: NaN stays NaN, as in PyTorch and ONNX Runtime.
  return numeric_pointwise(node, inputs, [](auto x) { return x < 0 ? decltype(x){0} : x; });
}

std::vector<Tensor> sigmoid_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  // Written so exp never overflows: for x < 0, e^x / (1 + e^x).
  return float_pointwise(node, inputs, [](auto x) {
    using T = decltype(x);
    if (x >= 0) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  });
}

std::vector<Tensor> tanh_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::tanh(x); });
}

std::vector<Tensor> sqrt_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::sqrt(x); });
}

std::vector<Tensor> exp_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::exp(x); });
}

std::vector<Tensor> log_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::log(x); });
}

// log(1 + e^x), written so e^x never overflows: x + log(1 + e^-x) for x > 0.
std::vector<Tensor> softplus_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); });
}

std::vector<Tensor> identity_reference(const Node&, const std::vector<const Tensor*>& inputs) {
  return {*inputs.at(0)};
}

std::vector<Tensor> neg_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return numeric_pointwise(node, inputs, [](auto x) { return -x; });
}

std::vector<Tensor> abs_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return numeric_pointwise(node, inputs, [](auto x) {
    if constexpr (std::is_unsigned_v<decltype(x)>)
      return x;
    else
      return x < 0 ? -x : x;
  });
}

std::vector<Tensor> floor_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::floor(x); });
}

std::vector<Tensor> ceil_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::ceil(x); });
}

std::vector<Tensor> erf_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return float_pointwise(node, inputs, [](auto x) { return std::erf(x); });
}

std::vector<Tensor> leaky_relu_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const double alpha = node.get_float("alpha", 0.01);
  return float_pointwise(node, inputs, [alpha](auto x) {
    using T = decltype(x);
    return x < 0 ? static_cast<T>(alpha) * x : x;
  });
}

std::vector<Tensor> elu_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const double alpha = node.get_float("alpha", 1.0);
  return float_pointwise(node, inputs, [alpha](auto x) {
    using T = decltype(x);
    return x < 0 ? static_cast<T>(alpha) * (std::exp(x) - T(1)) : x;
  });
}

std::vector<Tensor> clip_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  require_dtype(node, "input X", x.dtype(), kNumericTypes);
  std::vector<Tensor> out;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T lo = std::numeric_limits<T>::lowest();
      T hi = std::numeric_limits<T>::max();
      if constexpr (std::is_floating_point_v<T>) lo = -std::numeric_limits<T>::infinity(), hi = -lo;
      if (inputs.size() > 1 && inputs[1]) lo = inputs[1]->data<T>()[0];
      if (inputs.size() > 2 && inputs[2]) hi = inputs[2]->data<T>()[0];
      // ONNX: with min > max every element becomes max; std::min(std::max(x, lo), hi) does that.
      out = numeric_pointwise(node, {&x}, [lo, hi](T v) { return std::isnan(static_cast<double>(v)) ? v : std::min(std::max(v, lo), hi); });
    }
  });
  return out;
}

}  // namespace deepimage::engine::graph
