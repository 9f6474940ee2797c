// Naive references for the ops tests: straight loops over explicit multi-indices, in double,
// grouping elements in a std::map keyed by their indices along the kept axes. Written to be
// obviously right rather than fast, and sharing no code with src/ops.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "deepimage/tensor.hpp"

namespace deepimage::ops::test {

// Tolerances, relative to the magnitude of the expected values (outputs are float32).
constexpr double kFloat32Tolerance = 2e-5;
constexpr double kPercentileTolerance = 1e-6;  // percentiles of float32 values, computed in double
// The same mean and std summed in double in another order (regions scanned in any order), then
// rounded to float32: at most a rounding step apart.
constexpr double kSumOrderTolerance = 1e-6;

inline std::vector<std::int64_t> unravel(std::int64_t linear, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  return index;
}

inline std::int64_t ravel(const std::vector<std::int64_t>& index, const Shape& shape) {
  std::int64_t linear = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) linear = linear * shape[d] + index[d];
  return linear;
}

// The indices of element `linear` along the axes NOT in `reduced`.
inline std::vector<std::int64_t> group_key(std::int64_t linear, const Shape& shape, const std::string& axes,
                                           const std::string& reduced) {
  const auto index = unravel(linear, shape);
  std::vector<std::int64_t> key;
  for (std::size_t d = 0; d < axes.size(); ++d)
    if (reduced.find(axes[d]) == std::string::npos) key.push_back(index[d]);
  return key;
}

inline std::vector<double> values_of(const Tensor& t) {
  std::vector<double> v;
  const Tensor f = t.converted(DType::f64);
  const double* p = f.data<double>();
  for (std::int64_t i = 0; i < f.element_count(); ++i) v.push_back(p[i]);
  return v;
}

inline std::map<std::vector<std::int64_t>, std::vector<double>> group_values(const Tensor& t, const std::string& reduced) {
  std::map<std::vector<std::int64_t>, std::vector<double>> groups;
  const auto v = values_of(t);
  for (std::int64_t i = 0; i < t.element_count(); ++i)
    groups[group_key(i, t.shape(), t.axes(), reduced)].push_back(v[static_cast<std::size_t>(i)]);
  return groups;
}

struct NaiveStats {
  double mean, std;
};
inline NaiveStats naive_mean_std(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size()))};
}

// numpy.percentile's 'linear' method from its definition: sort, index (n - 1) * p / 100, interpolate.
inline double naive_percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double h = static_cast<double>(v.size() - 1) * p / 100.0;
  const auto i = static_cast<std::size_t>(std::floor(h));
  if (i + 1 >= v.size()) return v.back();
  return v[i] + (h - static_cast<double>(i)) * (v[i + 1] - v[i]);
}

inline std::vector<double> naive_zero_mean_unit_variance(const Tensor& t, const std::string& reduced, double eps) {
  const auto groups = group_values(t, reduced);
  std::map<std::vector<std::int64_t>, NaiveStats> stats;
  for (const auto& [key, v] : groups) stats[key] = naive_mean_std(v);
  const auto v = values_of(t);
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto& s = stats.at(group_key(static_cast<std::int64_t>(i), t.shape(), t.axes(), reduced));
    out[i] = (v[i] - s.mean) / (s.std + eps);
  }
  return out;
}

inline std::vector<double> naive_scale_range(const Tensor& t, const Tensor& reference, const std::string& reduced,
                                             double lo, double hi, double eps) {
  std::map<std::vector<std::int64_t>, std::pair<double, double>> bounds;
  for (const auto& [key, v] : group_values(reference, reduced))
    bounds[key] = {naive_percentile(v, lo), naive_percentile(v, hi)};
  const auto v = values_of(t);
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto& b = bounds.at(group_key(static_cast<std::int64_t>(i), t.shape(), t.axes(), reduced));
    out[i] = (v[i] - b.first) / (b.second - b.first + eps);
  }
  return out;
}

// The value of a per-index parameter for element `linear`: values[index along `axis`].
inline double along(const std::vector<double>& values, std::int64_t linear, const Tensor& t, char axis) {
  if (values.size() == 1) return values[0];
  return values[static_cast<std::size_t>(unravel(linear, t.shape())[t.axes().find(axis)])];
}

inline Tensor random_tensor(const Shape& shape, const std::string& axes, unsigned seed, double mean = 50,
                            double spread = 30) {
  Tensor t(DType::f32, shape, axes);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(static_cast<float>(mean), static_cast<float>(spread));
  float* p = t.data<float>();
  for (std::int64_t i = 0; i < t.element_count(); ++i) p[i] = dist(rng);
  return t;
}

inline double max_relative_error(const Tensor& actual, const std::vector<double>& expected) {
  const auto a = values_of(actual);
  double scale = 1e-12, worst = 0;
  for (double e : expected) scale = std::max(scale, std::abs(e));
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - expected[i]) / std::max(scale, 1.0));
  return worst;
}

}  // namespace deepimage::ops::test
