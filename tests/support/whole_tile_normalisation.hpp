// The normalisations real bundles' SOURCE.txt files give, over a whole tile, in double precision:
// the independent reference a test feeds a network with, instead of the runner's preprocessing ops.
#pragma once

#include <algorithm>
#include <cmath>

#include "deepimage/tensor.hpp"

namespace deepimage::testing {

// Zero mean, unit variance: (x - mean) / (sd + 1e-6), the nuclei U-Nets' preprocessing.
inline Tensor zero_mean_unit_variance(const Tensor& raw) {
  Tensor x = raw.converted(DType::f32);
  float* d = x.data<float>();
  const std::int64_t n = x.element_count();
  double sum = 0, squares = 0;
  for (std::int64_t i = 0; i < n; ++i) sum += d[i];
  const double mean = sum / static_cast<double>(n);
  for (std::int64_t i = 0; i < n; ++i) squares += (d[i] - mean) * (d[i] - mean);
  const double sd = std::sqrt(squares / static_cast<double>(n));
  for (std::int64_t i = 0; i < n; ++i) d[i] = static_cast<float>((d[i] - mean) / (sd + 1e-6));
  return x;
}

// Min-max: (x - min) / (max - min + 1e-6), the pancreatic U-Net's.
inline Tensor min_max_normalised(const Tensor& raw) {
  Tensor x = raw.converted(DType::f32);
  float* v = x.data<float>();
  const auto [lo, hi] = std::minmax_element(v, v + x.element_count());
  const float low = *lo, range = *hi - *lo;
  for (std::int64_t i = 0; i < x.element_count(); ++i) v[i] = (v[i] - low) / (range + 1e-6f);
  return x;
}

}  // namespace deepimage::testing
