// Comparing tensors in tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "deepimage/tensor.hpp"

namespace deepimage::testing {

// Largest |a - b| over all elements, in double; the element counts must match.
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  const Tensor x = a.converted(DType::f64), y = b.converted(DType::f64);
  EXPECT_EQ(x.element_count(), y.element_count());
  double m = 0;
  for (std::int64_t i = 0; i < std::min(x.element_count(), y.element_count()); ++i)
    m = std::max(m, std::abs(x.data<double>()[i] - y.data<double>()[i]));
  return m;
}

}  // namespace deepimage::testing
