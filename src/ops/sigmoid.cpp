#include <cmath>

#include "ops/builtin_ops.hpp"

namespace deepimage::ops {

namespace {

Tensor sigmoid(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  const Kwargs kwargs("sigmoid", json);  // validates that kwargs, if any, are a mapping
  Tensor out = in.converted(DType::f32);
  float* p = out.data<float>();
  const std::int64_t n = out.element_count();
  for (std::int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(p[i]))));
  return out;
}

}  // namespace

OpDeclaration sigmoid_op() {
  return {.id = "sigmoid",
          .aliases = {},
          .summary = "logistic function 1 / (1 + exp(-x))",
          .params = {},
          .statistics = {},
          .apply = sigmoid};
}

}  // namespace deepimage::ops
