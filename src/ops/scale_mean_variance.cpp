#include "ops/builtin_ops.hpp"
#include "ops/reduction.hpp"

namespace deepimage::ops {

namespace {

// out = (x - mean) / (std + eps) * (ref_std + eps) + ref_mean: gives the tensor the mean and
// std of `reference_tensor`, per index of the axes not in `axes`.
std::optional<StatisticsNeed> scale_mean_variance_statistics(const nlohmann::json& json, const std::string& axes) {
  const Kwargs kwargs("scale_mean_variance", json);
  const std::string reference_id = kwargs.string("reference_tensor");
  kwargs.number_or("eps", 1e-6);
  StatisticsNeed need;
  need.reduced_axes = reduced_axes(kwargs, axes);
  need.own.mean_std = true;
  need.reference_tensor = reference_id;
  need.reference.mean_std = true;
  return need;
}

Tensor scale_mean_variance(const Tensor& in, const nlohmann::json& json, const OpStatistics& statistics) {
  const Kwargs kwargs("scale_mean_variance", json);
  const double eps = kwargs.number_or("eps", 1e-6);
  Tensor out = in.converted(DType::f32);
  const Groups groups = groups_reducing(out, reduced_axes(kwargs, out.axes()));
  float* p = out.data<float>();
  for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
    const GroupStatistics& s = statistics.own[static_cast<std::size_t>(g)];
    const GroupStatistics& r = statistics.reference[static_cast<std::size_t>(g)];
    p[e] = static_cast<float>((p[e] - s.mean) / (s.std + eps) * (r.std + eps) + r.mean);
  });
  return out;
}

}  // namespace

OpDeclaration scale_mean_variance_op() {
  return {.id = "scale_mean_variance",
          .aliases = {},
          .summary = "match the mean and std of another tensor",
          .params = {{"reference_tensor", "string", "", "id of the tensor whose mean and std to match", true},
                     {"axes", "axes", "all axes (0.4: all but batch)", "axes reduced jointly; statistics per index of the others", false},
                     {"eps", "float", "1e-6", "added to both standard deviations", false},
                     {"mode", "string", "per_sample", "0.4: per_sample or per_dataset (statistics of all images: --stats)", false}},
          .statistics = scale_mean_variance_statistics,
          .apply = scale_mean_variance};
}

}  // namespace deepimage::ops
