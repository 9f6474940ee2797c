// Percentiles from two histogram passes are exact: equal, bit for bit, to numpy's 'linear' method
// computed naively (sort, then interpolate between the two order statistics around the rank), on
// float data chosen to be awkward: negatives, duplicates, runs of equal values, NaN and +-Inf,
// denormals and signed zeros, one element, all equal, no finite value.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "ops/reduction.hpp"
#include "ops/statistics.hpp"

namespace deepimage::ops {
namespace {

const std::vector<double> kPercents{0.0, 0.1, 1.0, 2.5, 25.0, 50.0, 73.3, 99.0, 99.8, 100.0};

// numpy.percentile(v, q) ('linear', numpy >= 1.22), from its source: sort, virtual index
// h = (n - 1) * q / 100, then numpy's _lerp(a, b, t), which for t >= 0.5 interpolates from b.
// Non-finite values are dropped first (nanpercentile with Inf as NaN). Checked once against numpy
// 1.24.2: the same formula in Python equalled np.percentile(x.astype(np.float64), q) exactly on
// 3000 float32 cases (normal, quarter-steps, 90% zeros, denormals; 10 percents each).
double numpy_linear_percentile(const std::vector<float>& values, double q) {
  std::vector<double> v;
  for (float x : values)
    if (std::isfinite(x)) v.push_back(x);
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const double h = static_cast<double>(v.size() - 1) * (q / 100.0);
  const auto below = static_cast<std::size_t>(std::floor(h));
  if (below + 1 >= v.size()) return v[below];
  const double a = v[below], b = v[below + 1], t = h - std::floor(h);
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// The statistics of `groups` (one row of values each, all rows as long) through the accumulator,
// the rows fed in `parts` regions per pass.
std::vector<GroupStatistics> accumulate(const std::vector<std::vector<float>>& groups, int parts) {
  const auto count = static_cast<std::int64_t>(groups.size());
  const auto length = static_cast<std::int64_t>(groups[0].size());
  StatisticsAccumulator acc(count, {.mean_std = true, .percents = kPercents});
  for (int pass = 0; pass < acc.pass_count(); ++pass) {
    acc.start_pass();
    for (int part = 0; part < parts; ++part) {
      const std::int64_t x0 = length * part / parts, x1 = length * (part + 1) / parts;
      Tensor region(DType::f32, {count, x1 - x0}, "cx");
      for (std::int64_t c = 0; c < count; ++c)
        std::copy(groups[c].begin() + x0, groups[c].begin() + x1, region.data<float>() + c * (x1 - x0));
      acc.scan(region, groups_keeping(region, "c"));
    }
    acc.stop_pass();
  }
  return acc.result();
}

void expect_exact(const std::vector<std::vector<float>>& groups, int parts = 3) {
  const auto stats = accumulate(groups, parts);
  ASSERT_EQ(stats.size(), groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (std::size_t k = 0; k < kPercents.size(); ++k) {
      const double want = numpy_linear_percentile(groups[g], kPercents[k]);
      const double got = stats[g].percentiles[k];
      if (std::isnan(want)) EXPECT_TRUE(std::isnan(got)) << "group " << g << " percent " << kPercents[k];
      else EXPECT_EQ(got, want) << "group " << g << " percent " << kPercents[k];
    }
}

std::vector<float> normal(std::size_t n, unsigned seed, float mean, float spread) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, spread);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(ExactPercentiles, RandomWithNegatives) { expect_exact({normal(5000, 1, -3.f, 100.f), normal(5000, 2, 1e6f, 1e5f)}); }

TEST(ExactPercentiles, MoreValuesThanHistogramBins) { expect_exact({normal(200000, 3, 0.f, 1.f)}, 7); }

TEST(ExactPercentiles, DuplicatesAndManyEqualValues) {
  std::mt19937 rng(4);
  std::vector<float> few(3000), mostly_zero(3000);
  for (float& x : few) x = static_cast<float>(static_cast<int>(rng() % 7) - 3) * 0.25f;
  for (float& x : mostly_zero) x = rng() % 10 == 0 ? static_cast<float>(rng() % 1000) : 0.f;
  expect_exact({few, mostly_zero});
}

TEST(ExactPercentiles, NonFiniteValuesAreLeftOut) {
  std::vector<float> v = normal(3000, 5, 10.f, 5.f);
  for (std::size_t i = 0; i < v.size(); i += 7) v[i] = std::numeric_limits<float>::quiet_NaN();
  for (std::size_t i = 3; i < v.size(); i += 11) v[i] = (i % 2 ? 1.f : -1.f) * std::numeric_limits<float>::infinity();
  expect_exact({v});
}

TEST(ExactPercentiles, DenormalsAndSignedZeros) {
  std::mt19937 rng(6);
  std::vector<float> v(4000);
  const float tiny = std::numeric_limits<float>::denorm_min();
  for (float& x : v) {
    const unsigned r = rng() % 5;
    x = r == 0 ? 0.f : r == 1 ? -0.f : static_cast<float>(static_cast<int>(rng() % 2001) - 1000) * tiny;
  }
  v[0] = std::numeric_limits<float>::min();    // smallest normal
  v[1] = -std::numeric_limits<float>::max();
  v[2] = std::numeric_limits<float>::max();
  expect_exact({v});
}

TEST(ExactPercentiles, OneElementAllEqualAndNoFiniteValue) {
  expect_exact({{42.5f}, {-7.f}}, 1);
  expect_exact({std::vector<float>(1000, 3.25f)});
  expect_exact({std::vector<float>(10, std::numeric_limits<float>::quiet_NaN())}, 2);
}

// Above kMaxHistogramGroups the groups keep their values: the same exact numbers, in one pass for
// percentiles alone.
TEST(ExactPercentiles, ManyGroupsKeepTheirValues) {
  std::vector<std::vector<float>> groups;
  for (unsigned g = 0; g < kMaxHistogramGroups + 6; ++g) groups.push_back(normal(50, 100 + g, 0.f, 1.f));
  expect_exact(groups);
  EXPECT_EQ(StatisticsAccumulator::pass_count(kMaxHistogramGroups + 1, {.percents = {50.0}}), 1);
  EXPECT_EQ(StatisticsAccumulator::pass_count(kMaxHistogramGroups, {.percents = {50.0}}), 2);
}

// The accumulator and percentile_linear (the kept-values method) agree on the same data.
TEST(ExactPercentiles, SortedValuesMethodAgrees) {
  std::vector<float> v = normal(999, 7, 0.f, 3.f);
  for (double q : kPercents) {
    std::vector<float> copy = v;
    EXPECT_EQ(percentile_linear(copy, q), numpy_linear_percentile(v, q)) << q;
  }
}

}  // namespace
}  // namespace deepimage::ops
