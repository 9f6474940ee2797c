#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/builtin_ops.hpp"

namespace deepimage::ops {

namespace {

Tensor clip(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  const Kwargs kwargs("clip", json);
  const auto lo = kwargs.optional_number("min");
  const auto hi = kwargs.optional_number("max");
  if (!lo && !hi) kwargs.fail("needs kwarg \"min\", \"max\" or both");
  if (lo && hi && *lo > *hi)
    kwargs.fail("kwarg \"min\" (" + std::to_string(*lo) + ") is greater than kwarg \"max\" (" + std::to_string(*hi) + ")");
  // Bounds are applied in float32, as numpy does for a float32 array and Python floats.
  const float min = lo ? static_cast<float>(*lo) : -std::numeric_limits<float>::infinity();
  const float max = hi ? static_cast<float>(*hi) : std::numeric_limits<float>::infinity();
  Tensor out = in.converted(DType::f32);
  float* p = out.data<float>();
  const std::int64_t n = out.element_count();
  for (std::int64_t i = 0; i < n; ++i)
    if (!std::isnan(p[i])) p[i] = std::clamp(p[i], min, max);
  return out;
}

}  // namespace

OpDeclaration clip_op() {
  return {.id = "clip",
          .aliases = {},
          .summary = "limit values to [min, max]",
          .params = {{"min", "float", "", "values below become min (either bound may be left out)", false},
                     {"max", "float", "", "values above become max", false}},
          .statistics = {},
          .apply = clip};
}

}  // namespace deepimage::ops
