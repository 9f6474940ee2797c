// Statistics ops on tensors holding NaN and +-Inf, against numpy's nan-aware functions
// (tests/data/ops/make_numpy_reference.py wrote the expected values): statistics are those of the
// finite values, and a non-finite value stays non-finite, in the same place.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"
#include "ops/reduction.hpp"
#include "ops/statistics.hpp"

namespace deepimage::ops {
namespace {

using json = nlohmann::json;

// JSON has no NaN or Inf; the script writes them as the strings "nan", "inf", "-inf".
double value_of(const json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "nan") return std::nan("");
  return s == "inf" ? INFINITY : -INFINITY;
}

class NonFiniteStatistics : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream file(std::string(DEEPIMAGE_SOURCE_DIR) + "/tests/data/ops/numpy_reference_nonfinite_bcyx_2x3x5x7.json");
    ASSERT_TRUE(file) << "missing fixture; run tests/data/ops/make_numpy_reference.py";
    data_ = json::parse(file);
    x_ = Tensor(DType::f32, data_["shape"].get<Shape>(), data_["axes"].get<std::string>());
    const json& values = data_["input"];
    ASSERT_EQ(static_cast<std::int64_t>(values.size()), x_.element_count());
    for (std::size_t i = 0; i < values.size(); ++i) x_.data<float>()[i] = static_cast<float>(value_of(values[i]));
  }

  // Same class of value (NaN, +Inf, -Inf, finite) everywhere, finite values within the float32
  // tolerance relative to the largest expected magnitude.
  void expect_matches(const Tensor& y, const std::string& name) const {
    const json& expected = data_["expected"][name];
    ASSERT_EQ(y.element_count(), static_cast<std::int64_t>(expected.size()));
    double scale = 0, worst = 0;
    int non_finite = 0;
    for (const json& e : expected)
      if (std::isfinite(value_of(e))) scale = std::max(scale, std::abs(value_of(e)));
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const double want = value_of(expected[i]), got = y.data<float>()[i];
      if (!std::isfinite(want)) {
        ++non_finite;
        EXPECT_TRUE(std::isnan(want) ? std::isnan(got) : got == want) << name << " element " << i << ": " << got << " vs " << want;
        continue;
      }
      ASSERT_TRUE(std::isfinite(got)) << name << " element " << i << ": " << got << " vs " << want;
      worst = std::max(worst, std::abs(got - want) / scale);
    }
    EXPECT_GT(non_finite, 0) << "the fixture should plant non-finite values";
    EXPECT_LT(worst, test::kFloat32Tolerance) << name;
  }
  Tensor run(const std::string& id, const json& kwargs) const { return apply_ops(x_, {make_op(id, kwargs)}, {}); }

  json data_;
  Tensor x_;
};

TEST_F(NonFiniteStatistics, ZeroMeanUnitVarianceSkipsNonFinite) {
  expect_matches(run("zero_mean_unit_variance", {{"axes", {"y", "x"}}}), "zero_mean_unit_variance_yx");
  expect_matches(run("zero_mean_unit_variance", json::object()), "zero_mean_unit_variance_all");
}

TEST_F(NonFiniteStatistics, ScaleRangeSkipsNonFinite) {
  expect_matches(run("scale_range", {{"axes", {"y", "x"}}, {"min_percentile", 1.0}, {"max_percentile", 99.8}}),
                 "scale_range_yx_1_99.8");
  expect_matches(run("scale_range", {{"min_percentile", 5.0}, {"max_percentile", 95.0}}), "scale_range_all_5_95");
}

// The reduction functions themselves: a group with no finite value has NaN statistics, the others
// are those of their finite values only.
TEST(NonFiniteReduction, GroupWithoutFiniteValuesIsNaN) {
  Tensor t(DType::f32, {2, 4}, "cx");
  float* p = t.data<float>();
  const float nan = std::nanf(""), inf = INFINITY;
  p[0] = 1, p[1] = nan, p[2] = 3, p[3] = inf;  // channel 0: finite values 1 and 3
  p[4] = nan, p[5] = -inf, p[6] = nan, p[7] = inf;
  const Groups g = groups_keeping(t, "c");
  const auto s = statistics_of(t, g, {.mean_std = true, .percents = {0.0, 50.0, 100.0}});
  EXPECT_DOUBLE_EQ(s[0].mean, 2.0);
  EXPECT_DOUBLE_EQ(s[0].std, 1.0);
  EXPECT_TRUE(std::isnan(s[1].mean));
  EXPECT_TRUE(std::isnan(s[1].std));
  EXPECT_EQ(s[0].percentiles, (std::vector<double>{1.0, 2.0, 3.0}));
  for (double v : s[1].percentiles) EXPECT_TRUE(std::isnan(v));
}

}  // namespace
}  // namespace deepimage::ops
