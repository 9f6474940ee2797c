#include "engine/graph/kernels/reduce.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/operands.hpp"

namespace deepimage::engine::graph {
namespace {

constexpr std::initializer_list<DType> kReduceTypes = {DType::f32, DType::f64, DType::i32, DType::i64};

// Which input axes are reduced; all false for the no-op form.
std::vector<bool> reduced_axes(const Node& node, const Shape& in, const std::optional<std::vector<std::int64_t>>& axes) {
  const bool noop_when_empty = node.get_int("noop_with_empty_axes", 0) != 0;
  if (!axes || axes->empty()) return std::vector<bool>(in.size(), !noop_when_empty);
  std::vector<bool> reduced(in.size(), false);
  for (const int a : normalize_axes(*axes, in.size(), node)) reduced[static_cast<std::size_t>(a)] = true;
  return reduced;
}

Shape reduced_shape(const Node& node, const Shape& in, const std::vector<bool>& reduced) {
  const bool keepdims = node.get_int("keepdims", 1) != 0;
  Shape out;
  for (std::size_t d = 0; d < in.size(); ++d)
    if (!reduced[d])
      out.push_back(in[d]);
    else if (keepdims)
      out.push_back(1);
  return out;
}

enum class Reduction { mean, max, min, sum, prod };

std::vector<Tensor> reduce(const Node& node, const std::vector<const Tensor*>& inputs, Reduction kind) {
  const Tensor& x = *inputs.at(0);
  require_dtype(node, "input X", x.dtype(), kReduceTypes);
  const auto reduced = reduced_axes(node, x.shape(), int64_operand(node, inputs, 1, "axes"));
  Tensor y(x.dtype(), reduced_shape(node, x.shape(), reduced));
  // Each input element adds to the output element at its index with reduced axes set to 0.
  Shape kept = x.shape();
  for (std::size_t d = 0; d < kept.size(); ++d)
    if (reduced[d]) kept[d] = 1;
  const auto kept_strides = strides_of(kept);
  const std::int64_t out_n = y.element_count();
  const std::int64_t in_n = x.element_count();
  const std::int64_t per_output = out_n == 0 ? 0 : in_n / out_n;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, std::int32_t> ||
                  std::is_same_v<T, std::int64_t>) {
      using Acc = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
      // max and min start from the type's extremes (-inf/+inf for floats), so an empty reduction gives them.
      Acc lowest = std::numeric_limits<Acc>::lowest(), highest = std::numeric_limits<Acc>::max();
      if constexpr (std::is_floating_point_v<T>) lowest = -std::numeric_limits<Acc>::infinity(), highest = -lowest;
      if constexpr (std::is_same_v<T, std::int32_t>)
        lowest = std::numeric_limits<std::int32_t>::lowest(), highest = std::numeric_limits<std::int32_t>::max();
      const Acc init = kind == Reduction::max ? lowest : kind == Reduction::min ? highest : kind == Reduction::prod ? Acc{1} : Acc{0};
      std::vector<Acc> acc(static_cast<std::size_t>(out_n), init);
      const T* px = x.data<T>();
      std::vector<std::int64_t> index(x.rank(), 0);
      for (std::int64_t i = 0; i < in_n; ++i) {
        std::int64_t o = 0;
        for (std::size_t d = 0; d < index.size(); ++d)
          if (!reduced[d]) o += index[d] * kept_strides[d];
        Acc& a = acc[static_cast<std::size_t>(o)];
        const auto v = static_cast<Acc>(px[i]);
        if (v != v)  // NaN: max and min propagate it, as numpy does
          a = v;
        else if (kind == Reduction::max)
          a = std::max(a, v);
        else if (kind == Reduction::min)
          a = std::min(a, v);
        else if (kind == Reduction::prod)
          a *= v;
        else
          a += v;
        for (std::size_t d = index.size(); d-- > 0;) {
          if (++index[d] < x.shape()[d]) break;
          index[d] = 0;
        }
      }
      T* py = y.data<T>();
      for (std::int64_t o = 0; o < out_n; ++o) {
        Acc a = acc[static_cast<std::size_t>(o)];
        if (kind == Reduction::mean) {
          if constexpr (std::is_floating_point_v<T>)
            a = a / static_cast<double>(per_output);
          else
            a = per_output == 0 ? 0 : a / per_output;
        }
        py[o] = static_cast<T>(a);
      }
    }
  });
  return {std::move(y)};
}

}  // namespace

std::vector<TensorType> infer_reduce(const Node& node, const std::vector<const Value*>& inputs) {
  require_inputs(node, inputs, 1, 2);
  require_dtype(node, "input X", inputs[0]->dtype, kReduceTypes);
  const auto reduced = reduced_axes(node, inputs[0]->shape, int64_operand(node, inputs, 1, "axes"));
  return {{inputs[0]->dtype, reduced_shape(node, inputs[0]->shape, reduced)}};
}

std::vector<Tensor> reduce_mean_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return reduce(node, inputs, Reduction::mean);
}

std::vector<Tensor> reduce_max_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return reduce(node, inputs, Reduction::max);
}

std::vector<Tensor> reduce_min_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return reduce(node, inputs, Reduction::min);
}

std::vector<Tensor> reduce_sum_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return reduce(node, inputs, Reduction::sum);
}

std::vector<Tensor> reduce_prod_reference(const Node& node, const std::vector<const Tensor*>& inputs) {
  return reduce(node, inputs, Reduction::prod);
}

}  // namespace deepimage::engine::graph
