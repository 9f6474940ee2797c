#include "ops/reduction.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "deepimage/error.hpp"

namespace deepimage::ops {

Groups groups_keeping(const Tensor& tensor, std::string_view kept_axes) {
  Groups g;
  g.shape = tensor.shape();
  g.strides.assign(g.shape.size(), 0);
  g.kept_axes = std::string(kept_axes);
  std::int64_t step = 1;
  for (std::size_t k = kept_axes.size(); k-- > 0;) {
    const int d = tensor.axis_index(kept_axes[k]);
    if (d < 0)
      throw Error(ErrorCode::internal, std::string("kept axis \"") + kept_axes[k] + "\" is not in \"" + tensor.axes() + "\"");
    g.strides[static_cast<std::size_t>(d)] = step;
    step *= g.shape[static_cast<std::size_t>(d)];
  }
  for (char a : kept_axes) g.kept_shape.push_back(tensor.size(a));
  g.count = step;
  return g;
}

Groups groups_reducing(const Tensor& tensor, std::string_view reduced_axes) {
  std::string kept;
  for (char a : tensor.axes())
    if (reduced_axes.find(a) == std::string_view::npos) kept += a;
  return groups_keeping(tensor, kept);
}

std::string reduced_axes(const Kwargs& kwargs, const Tensor& tensor) {
  const std::string mode = kwargs.string_or("mode", "");
  if (mode == "per_dataset")
    throw Error(ErrorCode::unsupported, kwargs.op() + ": mode \"per_dataset\" needs dataset statistics, which are not "
                                                      "supported yet (per_sample is)");
  if (!mode.empty() && mode != "per_sample") kwargs.fail("mode", "\"per_sample\" or \"per_dataset\"");
  if (auto axes = kwargs.axes("axes", tensor)) return *axes;
  if (mode.empty()) return tensor.axes();
  std::string all_but_batch;
  for (char a : tensor.axes())
    if (a != 'b') all_but_batch += a;
  return all_but_batch;
}

std::vector<MeanStd> mean_std(const Tensor& tensor, const Groups& groups) {
  const float* p = tensor.data<float>();
  const auto count = static_cast<std::size_t>(groups.count);
  std::vector<double> sum(count, 0.0);
  std::vector<std::int64_t> finite(count, 0);
  for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
    if (!std::isfinite(p[e])) return;
    sum[static_cast<std::size_t>(g)] += p[e];
    ++finite[static_cast<std::size_t>(g)];
  });
  std::vector<MeanStd> out(count);
  for (std::size_t g = 0; g < count; ++g) out[g].mean = sum[g] / static_cast<double>(finite[g]);  // 0/0: NaN
  // Two passes: the sum of squared deviations keeps its precision when the mean is large.
  std::vector<double> squares(count, 0.0);
  for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
    if (!std::isfinite(p[e])) return;
    const double d = p[e] - out[static_cast<std::size_t>(g)].mean;
    squares[static_cast<std::size_t>(g)] += d * d;
  });
  for (std::size_t g = 0; g < count; ++g) out[g].std = std::sqrt(squares[g] / static_cast<double>(finite[g]));
  return out;
}

double percentile_linear(std::vector<float>& values, double percent) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t n = values.size();
  const double h = static_cast<double>(n - 1) * (percent / 100.0);
  const auto lo = std::min(static_cast<std::size_t>(std::floor(h)), n - 1);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo), values.end());
  const double a = values[lo];
  if (lo + 1 >= n) return a;
  const double b = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo + 1), values.end());
  const double t = h - static_cast<double>(lo);
  // numpy interpolates from the nearer neighbour; doing the same keeps results bit-identical more often.
  return t < 0.5 ? a + (b - a) * t : b - (b - a) * (1.0 - t);
}

std::vector<std::vector<double>> percentiles(const Tensor& tensor, const Groups& groups,
                                             std::span<const double> percents) {
  const float* p = tensor.data<float>();
  const auto count = static_cast<std::size_t>(groups.count);
  std::vector<std::vector<float>> members(count);
  if (count) {
    const auto per_group = static_cast<std::size_t>(tensor.element_count() / groups.count);
    for (auto& m : members) m.reserve(per_group);
  }
  for_each_element(groups, [&](std::int64_t e, std::int64_t g) {
    if (std::isfinite(p[e])) members[static_cast<std::size_t>(g)].push_back(p[e]);
  });
  std::vector<std::vector<double>> out(count);
  for (std::size_t g = 0; g < count; ++g) {
    for (double q : percents) out[g].push_back(percentile_linear(members[g], q));
    std::vector<float>().swap(members[g]);  // free as we go: the groups together hold a copy of the tensor
  }
  return out;
}

const Tensor& referenced_tensor(const Kwargs& kwargs, const OpContext& context, const std::string& id) {
  auto it = context.tensors.find(id);
  if (it == context.tensors.end() || it->second == nullptr || it->second->empty()) {
    std::string known;
    for (const auto& [name, tensor] : context.tensors)
      if (tensor && !tensor->empty()) known += (known.empty() ? "" : ", ") + name;
    kwargs.fail("kwarg \"reference_tensor\" names tensor \"" + id + "\", which is not available (available: " +
                (known.empty() ? std::string("none") : known) + ")");
  }
  return *it->second;
}

Groups matching_groups(const Kwargs& kwargs, const Tensor& reference, const std::string& reference_id,
                       const Groups& groups) {
  for (std::size_t k = 0; k < groups.kept_axes.size(); ++k) {
    const char a = groups.kept_axes[k];
    if (reference.axis_index(a) < 0 || reference.size(a) != groups.kept_shape[k])
      kwargs.fail("reference tensor \"" + reference_id + "\" (axes \"" + reference.axes() + "\", shape " +
                  shape_to_string(reference.shape()) + ") does not match the tensor along axis \"" + std::string(1, a) +
                  "\" (size " + std::to_string(groups.kept_shape[k]) + "), along which statistics are kept separate");
  }
  return groups_keeping(reference, groups.kept_axes);
}

}  // namespace deepimage::ops
