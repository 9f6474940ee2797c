#include "ops/builtin_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {

namespace {

// out = (x - mean) / (std + eps), population std, statistics per index of the axes not in `axes`.
// Without `axes`: 0.5 reduces every axis, 0.4 (`mode` given) every axis but batch; see
// reduced_axes(). 0.4 `mode: fixed` is fixed_zero_mean_unit_variance, which needs no statistics.
std::optional<StatisticsNeed> zero_mean_unit_variance_statistics(const nlohmann::json& json, const std::string& axes) {
  const Kwargs kwargs("zero_mean_unit_variance", json);
  if (kwargs.string_or("mode", "") == "fixed") return std::nullopt;
  StatisticsNeed need;
  need.reduced_axes = reduced_axes(kwargs, axes);
  need.own.mean_std = true;
  return need;
}

Tensor zero_mean_unit_variance(const Tensor& in, const nlohmann::json& json, const OpStatistics& statistics) {
  const Kwargs kwargs("zero_mean_unit_variance", json);
  if (kwargs.string_or("mode", "") == "fixed") return normalize_with_fixed_mean_std(in, kwargs);
  Tensor out = in.converted(DType::f32);
  const Groups groups = groups_reducing(out, reduced_axes(kwargs, out.axes()));
  const double eps = kwargs.number_or("eps", 1e-6);
  float* p = out.data<float>();
  for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
    const GroupStatistics& s = statistics.own[static_cast<std::size_t>(g)];
    p[e] = static_cast<float>((p[e] - s.mean) / (s.std + eps));
  });
  return out;
}

}  // namespace

OpDeclaration zero_mean_unit_variance_op() {
  return {.id = "zero_mean_unit_variance",
          .aliases = {},
          .summary = "(x - mean) / (std + eps) with the tensor's own mean and std",
          .params = {{"axes", "axes", "all axes (0.4: all but batch)", "axes reduced jointly; one mean/std per index of the others", false},
                     {"eps", "float", "1e-6", "added to std", false},
                     {"mode", "string", "per_sample", "0.4: per_sample, fixed (with mean, std) or per_dataset (statistics of all images: --stats)", false},
                     {"mean", "float or list", "", "0.4 mode fixed: mean", false},
                     {"std", "float or list", "", "0.4 mode fixed: standard deviation", false}},
          .statistics = zero_mean_unit_variance_statistics,
          .apply = zero_mean_unit_variance};
}

}  // namespace deepimage::ops
