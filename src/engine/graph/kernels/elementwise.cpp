#include "engine/graph/kernels/elementwise.hpp"

#include <cmath>
#include <string>
#include <type_traits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/broadcast.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

// Every numeric type: float32 for tensors, int64 for exporters' shape arithmetic, and the rest because
// ONNX defines them (uint8 images multiplied by a mask).
constexpr std::initializer_list<DType> kArithmeticTypes = {DType::f32, DType::f64, DType::i8,  DType::i16, DType::i32,
                                                           DType::i64, DType::u8,  DType::u16, DType::u32, DType::u64};

void require_same_dtype(const Node& node, DType a, DType b) {
  if (a != b)
    throw Error(ErrorCode::bad_model, node.describe() + ": inputs are " + std::string(to_string(a)) + " and " +
                                          std::string(to_string(b)) + ", expected one type");
}

// out[i] = f(a[ia], b[ib]) over the broadcast shape, with A and B of C++ type T and the result of R.
template <class T, class R, class F>
Tensor broadcast_binary(const Node& node, const Tensor& a, const Tensor& b, F f) {
  const Shape shape = broadcast_shapes(node, {a.shape(), b.shape()});
  Tensor out(dtype_of<R>(), shape);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  R* y = out.data<R>();
  const std::int64_t n = out.element_count();
  // The common cases without the walk's bookkeeping: equal shapes, and a scalar second operand.
  if (a.shape() == shape && b.shape() == shape) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = f(pa[i], pb[i]);
  } else if (a.shape() == shape && b.element_count() == 1) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = f(pa[i], pb[0]);
  } else {
    BroadcastWalk walk(shape, {a.shape(), b.shape()});
    for (std::int64_t i = 0; i < n; ++i, walk.next()) y[i] = f(pa[walk.offset(0)], pb[walk.offset(1)]);
  }
  return out;
}

template <class F>
std::vector<Tensor> arithmetic(const Node& node, const std::vector<const Tensor*>& inputs, F f) {
  const Tensor& a = *inputs.at(0);
  const Tensor& b = *inputs.at(1);
  require_dtype(node, "input A", a.dtype(), kArithmeticTypes);
  require_same_dtype(node, a.dtype(), b.dtype());
  return {visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>)
      return broadcast_binary<T, T>(node, a, b, [&](T x, T z) { return static_cast<T>(f(x, z)); });
    else
      return Tensor();
  })};
}

template <class Compare>
std::vector<Tensor> comparison(const Node& node, const std::vector<const Tensor*>& inputs, Compare compare) {
  const Tensor& a = *inputs.at(0);
  const Tensor& b = *inputs.at(1);
  require_same_dtype(node, a.dtype(), b.dtype());
  return {visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    return broadcast_binary<T, bool>(node, a, b, [&](T x, T z) { return compare(x, z); });
  })};
}

}  // namespace

std::vector<TensorType> infer_arithmetic(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  require_dtype(node, "input A", inputs[0]->dtype, kArithmeticTypes);
  // Pow may raise to an exponent of another type (x ** 2 exported with an int64 2); the result is A's type.
  if (node.op != "Pow") require_same_dtype(node, inputs[0]->dtype, inputs[1]->dtype);
  return {{inputs[0]->dtype, broadcast_shapes(node, {inputs[0]->shape, inputs[1]->shape})}};
}

std::vector<TensorType> infer_comparison(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  require_same_dtype(node, inputs[0]->dtype, inputs[1]->dtype);
  return {{DType::boolean, broadcast_shapes(node, {inputs[0]->shape, inputs[1]->shape})}};
}

std::vector<TensorType> infer_prelu(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 2, 2);
  require_dtype(node, "input X", inputs[0]->dtype, {DType::f32, DType::f64});
  require_same_dtype(node, inputs[0]->dtype, inputs[1]->dtype);
  // The slope broadcasts to X, never X to the slope.
  if (broadcast_shapes(node, {inputs[0]->shape, inputs[1]->shape}) != inputs[0]->shape)
    throw Error(ErrorCode::bad_model, node.describe() + ": slope of shape " + shape_to_string(inputs[1]->shape) +
                                          " does not broadcast to the input's shape " +
                                          shape_to_string(inputs[0]->shape));
  return {{inputs[0]->dtype, inputs[0]->shape}};
}

std::vector<TensorType> infer_where(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 3, 3);
  require_dtype(node, "condition", inputs[0]->dtype, {DType::boolean});
  require_same_dtype(node, inputs[1]->dtype, inputs[2]->dtype);
  return {{inputs[1]->dtype, broadcast_shapes(node, {inputs[0]->shape, inputs[1]->shape, inputs[2]->shape})}};
}

std::vector<Tensor> add_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [](auto a, auto b) { return a + b; });
}

std::vector<Tensor> sub_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [](auto a, auto b) { return a - b; });
}

std::vector<Tensor> mul_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [](auto a, auto b) { return a * b; });
}

std::vector<Tensor> div_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [&](auto a, auto b) {
    using T = decltype(a);
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) throw Error(ErrorCode::invalid_argument, node.describe() + ": integer division by zero");
      // INT_MIN / -1 overflows; negate in unsigned arithmetic, which wraps as ONNX Runtime's result does.
      if constexpr (std::is_signed_v<T>)
        if (b == -1) return static_cast<T>(std::make_unsigned_t<T>{0} - static_cast<std::make_unsigned_t<T>>(a));
    }
    return static_cast<T>(a / b);  // C++ integer division truncates toward zero, as ONNX's Div does
  });
}

std::vector<Tensor> pow_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& base = *inputs.at(0);
  const Tensor exponent = inputs.at(1)->converted(base.dtype());
  return arithmetic(node, {&base, &exponent}, [](auto a, auto b) {
    using T = decltype(a);
    return static_cast<T>(std::pow(a, b));
  });
}

// x != x is NaN: the larger (smaller) of a NaN and a number is NaN, as in numpy's maximum and TF's Maximum.
std::vector<Tensor> max_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [](auto a, auto b) { return a != a || a > b ? a : b; });
}

std::vector<Tensor> min_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [](auto a, auto b) { return a != a || a < b ? a : b; });
}

std::vector<Tensor> prelu_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return arithmetic(node, inputs, [](auto x, auto slope) { return x < 0 ? x * slope : x; });
}

std::vector<Tensor> equal_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return comparison(node, inputs, [](auto a, auto b) { return a == b; });
}

std::vector<Tensor> less_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return comparison(node, inputs, [](auto a, auto b) { return a < b; });
}

std::vector<Tensor> greater_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return comparison(node, inputs, [](auto a, auto b) { return a > b; });
}

std::vector<Tensor> where_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& cond = *inputs.at(0);
  const Tensor& a = *inputs.at(1);
  const Tensor& b = *inputs.at(2);
  require_dtype(node, "condition", cond.dtype(), {DType::boolean});
  require_same_dtype(node, a.dtype(), b.dtype());
  const Shape shape = broadcast_shapes(node, {cond.shape(), a.shape(), b.shape()});
  Tensor out(a.dtype(), shape);
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const bool* pc = cond.data<bool>();
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* y = out.data<T>();
    const std::int64_t n = out.element_count();
    BroadcastWalk walk(shape, {cond.shape(), a.shape(), b.shape()});
    for (std::int64_t i = 0; i < n; ++i, walk.next()) y[i] = pc[walk.offset(0)] ? pa[walk.offset(1)] : pb[walk.offset(2)];
  });
  return {std::move(out)};
}

}  // namespace deepimage::engine::graph
