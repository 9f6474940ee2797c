#include "ops/builtin_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {

namespace {

// out = (x - lo) / (hi - lo + eps), lo and hi the min/max percentiles (0..100 in both rdf
// versions) of the tensor, or of `reference_tensor`, per index of the axes not in `axes`.
std::optional<StatisticsNeed> scale_range_statistics(const nlohmann::json& json, const std::string& axes) {
  const Kwargs kwargs("scale_range", json);
  const double min_percentile = kwargs.number_or("min_percentile", 0.0);
  const double max_percentile = kwargs.number_or("max_percentile", 100.0);
  if (min_percentile < 0 || min_percentile > 100) kwargs.fail("min_percentile", "a percentile in 0..100");
  if (max_percentile < 0 || max_percentile > 100) kwargs.fail("max_percentile", "a percentile in 0..100");
  if (min_percentile >= max_percentile)
    kwargs.fail("kwarg \"min_percentile\" (" + std::to_string(min_percentile) +
                ") must be below kwarg \"max_percentile\" (" + std::to_string(max_percentile) + ")");
  kwargs.number_or("eps", 1e-6);
  StatisticsNeed need{.reduced_axes = reduced_axes(kwargs, axes)};
  const WantedStatistics bounds{.percents = {min_percentile, max_percentile}};
  need.reference_tensor = kwargs.string_or("reference_tensor", "");
  (need.reference_tensor.empty() ? need.own : need.reference) = bounds;
  return need;
}

Tensor scale_range(const Tensor& in, const nlohmann::json& json, const OpStatistics& statistics) {
  const Kwargs kwargs("scale_range", json);
  const double eps = kwargs.number_or("eps", 1e-6);
  Tensor out = in.converted(DType::f32);
  const Groups groups = groups_reducing(out, reduced_axes(kwargs, out.axes()));
  const auto& of = kwargs.string_or("reference_tensor", "").empty() ? statistics.own : statistics.reference;
  float* p = out.data<float>();
  for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
    const auto& b = of[static_cast<std::size_t>(g)].percentiles;
    p[e] = static_cast<float>((p[e] - b[0]) / (b[1] - b[0] + eps));
  });
  return out;
}

}  // namespace

OpDeclaration scale_range_op() {
  return {.id = "scale_range",
          .aliases = {},
          .summary = "(x - p_lo) / (p_hi - p_lo + eps) with percentiles of the tensor",
          .params = {{"axes", "axes", "all axes (0.4: all but batch)", "axes reduced jointly; percentiles per index of the others", false},
                     {"min_percentile", "float", "0", "percentile (0..100) mapped to 0", false},
                     {"max_percentile", "float", "100", "percentile (0..100) mapped to 1", false},
                     {"eps", "float", "1e-6", "added to the range", false},
                     {"reference_tensor", "string", "", "tensor id to take the percentiles from (default: this tensor)", false},
                     {"mode", "string", "per_sample", "0.4: per_sample or per_dataset (statistics of all images: --stats)", false}},
          .statistics = scale_range_statistics,
          .apply = scale_range};
}

}  // namespace deepimage::ops
