#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ops/builtin_ops.hpp"

namespace deepimage::ops {

namespace {

// exp(x - max) / sum(exp(x - max)) along `axis`; subtracting the max keeps exp from overflowing.
// Pointwise for every other axis: a region must hold the whole `axis` (runners cut regions along
// space only, so the channels are always whole).
Tensor softmax(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  const Kwargs kwargs("softmax", json);
  Tensor out = in.converted(DType::f32);
  const char axis = kwargs.has("axis") ? kwargs.axis("axis", out) : 'c';
  if (!kwargs.has("axis") && out.axis_index('c') < 0)
    kwargs.fail("the tensor (axes \"" + out.axes() + "\") has no channel axis; kwarg \"axis\" must name one");
  const auto d = static_cast<std::size_t>(out.axis_index(axis));
  const Shape& shape = out.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::size_t k = 0; k < d; ++k) outer *= shape[k];
  for (std::size_t k = d + 1; k < shape.size(); ++k) inner *= shape[k];
  const std::int64_t length = shape[d];
  float* p = out.data<float>();
  std::vector<double> e(static_cast<std::size_t>(length));
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      float* base = p + o * length * inner + i;
      double max = -std::numeric_limits<double>::infinity();
      for (std::int64_t k = 0; k < length; ++k) max = std::max(max, static_cast<double>(base[k * inner]));
      double sum = 0;
      for (std::int64_t k = 0; k < length; ++k) sum += e[static_cast<std::size_t>(k)] = std::exp(base[k * inner] - max);
      for (std::int64_t k = 0; k < length; ++k) base[k * inner] = static_cast<float>(e[static_cast<std::size_t>(k)] / sum);
    }
  }
  return out;
}

}  // namespace

OpDeclaration softmax_op() {
  return {.id = "softmax",
          .aliases = {},
          .summary = "softmax along an axis (default channel)",
          .params = {{"axis", "axis", "channel", "axis along which the values sum to 1", false}},
          .statistics = {},
          .apply = softmax};
}

}  // namespace deepimage::ops
