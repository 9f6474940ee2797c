#include "engine/graph/kernels/softmax.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

// The input as (outer, count, inner): softmax runs over `count` elements `inner` apart.
struct SoftmaxExtent {
  std::int64_t outer = 1, count = 1, inner = 1;
};

SoftmaxExtent extent_of(const Node& node, const Shape& shape) {
  const bool legacy = node.get_int("legacy", 0) != 0;
  const std::int64_t axis_attr = node.get_int("axis", legacy ? 1 : -1);
  SoftmaxExtent e;
  if (shape.empty()) return e;  // a scalar: softmax of one element
  if (legacy) {
    // Legacy axis may equal the rank (then each element is its own row).
    const auto r = static_cast<std::int64_t>(shape.size());
    const auto axis = axis_attr == r ? r : normalize_axis(axis_attr, shape.size(), node);
    for (std::int64_t d = 0; d < axis; ++d) e.outer *= shape[static_cast<std::size_t>(d)];
    for (std::int64_t d = axis; d < r; ++d) e.count *= shape[static_cast<std::size_t>(d)];
    return e;
  }
  const auto axis = static_cast<std::size_t>(normalize_axis(axis_attr, shape.size(), node));
  for (std::size_t d = 0; d < axis; ++d) e.outer *= shape[d];
  e.count = shape[axis];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) e.inner *= shape[d];
  return e;
}

}  // namespace

std::vector<TensorType> infer_softmax(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 1);
  require_dtype(node, "input X", inputs[0]->dtype, {DType::f32, DType::f64});
  extent_of(node, inputs[0]->shape);  // validates the axis
  return {{inputs[0]->dtype, inputs[0]->shape}};
}

std::vector<Tensor> softmax_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  const Tensor& x = *inputs.at(0);
  require_dtype(node, "input X", x.dtype(), {DType::f32, DType::f64});
  const SoftmaxExtent e = extent_of(node, x.shape());
  Tensor y(x.dtype(), x.shape());
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (std::int64_t o = 0; o < e.outer; ++o)
      for (std::int64_t i = 0; i < e.inner; ++i) {
        const std::int64_t base = o * e.count * e.inner + i;
        // Subtracting the maximum keeps exp() finite; the sum is accumulated in double.
        T max = -std::numeric_limits<T>::infinity();
        for (std::int64_t k = 0; k < e.count; ++k) max = std::max(max, px[base + k * e.inner]);
        double sum = 0;
        for (std::int64_t k = 0; k < e.count; ++k) {
          const T v = std::exp(px[base + k * e.inner] - max);
          py[base + k * e.inner] = v;
          sum += v;
        }
        for (std::int64_t k = 0; k < e.count; ++k) py[base + k * e.inner] = static_cast<T>(py[base + k * e.inner] / sum);
      }
  };
  if (x.dtype() == DType::f32)
    run(float{});
  else
    run(double{});
  return {std::move(y)};
}

}  // namespace deepimage::engine::graph
