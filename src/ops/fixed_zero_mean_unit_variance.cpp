#include "ops/builtin_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {

// out = (x - mean) / (std + eps), eps 1e-6 as in bioimageio.core (0.5 declares no eps kwarg; we
// read one if given). Lists run along the 0.5 `axis`, or in 0.4 (`zero_mean_unit_variance` with
// `mode: fixed`) along the axis that `axes` leaves out.
Tensor normalize_with_fixed_mean_std(const Tensor& in, const Kwargs& kwargs) {
  Tensor out = in.converted(DType::f32);
  const PerIndex mean = per_index(kwargs, "mean", out);
  const PerIndex std = per_index(kwargs, "std", out);
  const double eps = kwargs.number_or("eps", 1e-6);
  float* p = out.data<float>();
  for_each_element(groups_keeping(out, index_axis(mean, std)), [&](std::int64_t e, std::int64_t g) {
    p[e] = static_cast<float>((p[e] - mean.at(g)) / (std.at(g) + eps));
  });
  return out;
}

namespace {

Tensor fixed_zero_mean_unit_variance(const Tensor& in, const nlohmann::json& json, const OpStatistics&) {
  return normalize_with_fixed_mean_std(in, Kwargs("fixed_zero_mean_unit_variance", json));
}

}  // namespace

OpDeclaration fixed_zero_mean_unit_variance_op() {
  return {.id = "fixed_zero_mean_unit_variance",
          .aliases = {},
          .summary = "(x - mean) / (std + eps) with given mean and std",
          .params = {{"mean", "float or list", "", "mean, or one per index along `axis`", true},
                     {"std", "float or list", "", "standard deviation, or one per index along `axis`", true},
                     {"axis", "axis", "", "axis the lists run along (0.5), e.g. channel", false},
                     {"eps", "float", "1e-6", "added to std", false}},
          .statistics = {},
          .apply = fixed_zero_mean_unit_variance};
}

}  // namespace deepimage::ops
