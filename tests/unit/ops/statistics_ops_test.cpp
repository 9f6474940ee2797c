// zero_mean_unit_variance, scale_range, scale_mean_variance against the naive references, on
// several axis layouts and in both rdf forms (0.5 lists of axis ids, 0.4 axis strings + mode).
#include <gtest/gtest.h>

#include <string>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"

namespace deepimage::ops {
namespace {

using json = nlohmann::json;
using namespace test;

Tensor run(const std::string& id, const Tensor& x, const json& kwargs, const OpContext& context = {}) {
  return apply_ops(x, {make_op(id, kwargs)}, context);
}

ErrorCode error_code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::internal;
}

// --- zero_mean_unit_variance -------------------------------------------------------------------

struct ZmuvCase {
  Shape shape;
  std::string axes;
  json kwargs;
  std::string reduced;  // what the naive reference reduces over
};
void PrintTo(const ZmuvCase& c, std::ostream* os) { *os << c.axes << " " << c.kwargs.dump(); }

class ZeroMeanUnitVariance : public ::testing::TestWithParam<ZmuvCase> {};

TEST_P(ZeroMeanUnitVariance, MatchesNaive) {
  const ZmuvCase& c = GetParam();
  const Tensor x = random_tensor(c.shape, c.axes, 7);
  const Tensor y = run("zero_mean_unit_variance", x, c.kwargs);
  ASSERT_EQ(y.dtype(), DType::f32);
  ASSERT_EQ(y.shape(), x.shape());
  EXPECT_EQ(y.axes(), x.axes());
  EXPECT_LT(max_relative_error(y, naive_zero_mean_unit_variance(x, c.reduced, c.kwargs.value("eps", 1e-6))),
            kFloat32Tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, ZeroMeanUnitVariance,
    ::testing::Values(
        // 0.5: per (b, c)
        ZmuvCase{{2, 3, 6, 5}, "bcyx", {{"axes", {"x", "y"}}}, "yx"},
        // 0.5: channel reduced too, per sample
        ZmuvCase{{2, 3, 6, 5}, "bcyx", {{"axes", {"channel", "y", "x"}}}, "cyx"},
        // 0.5: no axes = everything jointly, batch included
        ZmuvCase{{2, 3, 6, 5}, "bcyx", json::object(), "bcyx"},
        // 0.5 with eps
        ZmuvCase{{2, 3, 6, 5}, "bcyx", {{"axes", {"batch", "x", "y"}}, {"eps", 0.01}}, "byx"},
        // 0.4: axes string and mode
        ZmuvCase{{2, 3, 6, 5}, "bcyx", {{"mode", "per_sample"}, {"axes", "yx"}}, "yx"},
        // 0.4: mode without axes = all but batch
        ZmuvCase{{2, 3, 6, 5}, "bcyx", {{"mode", "per_sample"}}, "cyx"},
        ZmuvCase{{7, 9}, "yx", {{"axes", {"y", "x"}}}, "yx"},
        ZmuvCase{{7, 9}, "yx", {{"axes", "x"}, {"mode", "per_sample"}}, "x"},
        ZmuvCase{{1, 2, 3, 4, 5}, "bczyx", {{"axes", {"z", "y", "x"}}}, "zyx"},
        ZmuvCase{{2, 2, 3, 4, 5}, "bczyx", {{"axes", {"channel", "y"}}}, "cy"},
        // axes need not be contiguous or in tensor order
        ZmuvCase{{3, 4, 5}, "xcy", {{"axes", "yx"}, {"mode", "per_sample"}}, "yx"}));

TEST(ZeroMeanUnitVarianceOp, AcceptsIntegerInput) {
  Tensor x(DType::u16, {1, 1, 2, 2}, "bcyx");
  auto* p = x.data<std::uint16_t>();
  p[0] = 0, p[1] = 10, p[2] = 20, p[3] = 30;
  const Tensor y = run("zero_mean_unit_variance", x, {{"axes", {"y", "x"}}});
  ASSERT_EQ(y.dtype(), DType::f32);
  // By hand: mean 15, population std sqrt(125) = 11.180339887.
  const double s = std::sqrt(125.0) + 1e-6;
  EXPECT_NEAR(y.data<float>()[0], -15 / s, 1e-6);
  EXPECT_NEAR(y.data<float>()[3], 15 / s, 1e-6);
}

TEST(ZeroMeanUnitVarianceOp, ModeFixedIsFixedZeroMeanUnitVariance) {
  const Tensor x = random_tensor({1, 3, 4, 5}, "bcyx", 3);
  const std::vector<double> mean{1, 2, 3}, std{4, 5, 6};
  const Tensor y = run("zero_mean_unit_variance", x, {{"mode", "fixed"}, {"axes", "yx"}, {"mean", mean}, {"std", std}});
  const auto v = values_of(x);
  std::vector<double> expected(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<std::size_t>(unravel(static_cast<std::int64_t>(i), x.shape())[1]);
    expected[i] = (v[i] - mean[c]) / (std[c] + 1e-6);
  }
  EXPECT_LT(max_relative_error(y, expected), kFloat32Tolerance);
}

TEST(ZeroMeanUnitVarianceOp, PerDatasetWithoutDatasetStatisticsSaysHowToGiveThem) {
  const Tensor x = random_tensor({1, 1, 4, 4}, "bcyx", 3);
  std::string message;
  OpContext context;
  context.tensor_id = "raw";
  EXPECT_EQ(error_code_of([&] { run("zero_mean_unit_variance", x, {{"mode", "per_dataset"}, {"axes", "yx"}}, context); }, &message),
            ErrorCode::invalid_argument);
  EXPECT_EQ(message, "zero_mean_unit_variance of tensor \"raw\": mode \"per_dataset\" needs statistics of the whole dataset: run "
                     "the model on all its images at once, or give them with --stats FILE");
}

TEST(ZeroMeanUnitVarianceOp, AxisAbsentFromTensorNamesBoth) {
  const Tensor x = random_tensor({1, 1, 4, 4}, "bcyx", 3);
  std::string message;
  EXPECT_EQ(error_code_of([&] { run("zero_mean_unit_variance", x, {{"axes", {"z", "y"}}}); }, &message), ErrorCode::bad_model);
  EXPECT_EQ(message, "zero_mean_unit_variance: kwarg \"axes\" names axis \"z\", but the tensor has axes \"bcyx\"");
}

TEST(ZeroMeanUnitVarianceOp, UnknownAxisId) {
  const Tensor x = random_tensor({1, 1, 4, 4}, "bcyx", 3);
  std::string message;
  EXPECT_EQ(error_code_of([&] { run("zero_mean_unit_variance", x, {{"axes", {"width"}}}); }, &message), ErrorCode::bad_model);
  EXPECT_NE(message.find("\"width\" is not an axis id"), std::string::npos) << message;
}

// --- percentiles and scale_range ---------------------------------------------------------------

TEST(ScaleRangeOp, PercentilesOfOneToTenMatchNumpy) {
  // /usr/bin/python3 -c "import numpy as np; print([float(np.percentile(np.arange(1, 11), p))
  //                      for p in (0, 5, 25, 50, 99.8, 100, 33.3)])"
  //   -> [1.0, 1.45, 3.25, 5.5, 9.982, 10.0, 3.997]
  const std::vector<std::pair<double, double>> numpy{{0, 1.0},       {5, 1.45}, {25, 3.25}, {50, 5.5},
                                                     {99.8, 9.982}, {100, 10}, {33.3, 3.997}};
  Tensor x(DType::u8, {10}, "x");
  for (int i = 0; i < 10; ++i) x.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(10 - i);  // unsorted on purpose
  for (auto [lo, p_lo] : numpy) {
    const double hi = 100, p_hi = 10;
    if (lo >= hi) continue;
    const Tensor y = run("scale_range", x, {{"min_percentile", lo}, {"max_percentile", hi}});
    for (int i = 0; i < 10; ++i) {
      const double expected = (10 - i - p_lo) / (p_hi - p_lo + 1e-6);
      EXPECT_NEAR(y.data<float>()[i], expected, kPercentileTolerance * std::max(1.0, std::abs(expected))) << "p" << lo;
    }
  }
  for (auto [hi, p_hi] : numpy) {
    if (hi <= 0) continue;
    const Tensor y = run("scale_range", x, {{"max_percentile", hi}});
    for (int i = 0; i < 10; ++i) {
      const double expected = (10 - i - 1.0) / (p_hi - 1.0 + 1e-6);
      EXPECT_NEAR(y.data<float>()[i], expected, kPercentileTolerance * std::max(1.0, std::abs(expected))) << "p" << hi;
    }
  }
}

struct RangeCase {
  Shape shape;
  std::string axes;
  json kwargs;
  std::string reduced;
};
void PrintTo(const RangeCase& c, std::ostream* os) { *os << c.axes << " " << c.kwargs.dump(); }

class ScaleRange : public ::testing::TestWithParam<RangeCase> {};

TEST_P(ScaleRange, MatchesNaive) {
  const RangeCase& c = GetParam();
  const Tensor x = random_tensor(c.shape, c.axes, 11);
  const Tensor y = run("scale_range", x, c.kwargs);
  ASSERT_EQ(y.dtype(), DType::f32);
  const auto expected = naive_scale_range(x, x, c.reduced, c.kwargs.value("min_percentile", 0.0),
                                          c.kwargs.value("max_percentile", 100.0), c.kwargs.value("eps", 1e-6));
  EXPECT_LT(max_relative_error(y, expected), kFloat32Tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, ScaleRange,
    ::testing::Values(
        RangeCase{{2, 3, 6, 5}, "bcyx", {{"axes", {"x", "y"}}, {"min_percentile", 1}, {"max_percentile", 99.8}}, "yx"},
        RangeCase{{2, 3, 6, 5}, "bcyx", {{"axes", {"channel", "x", "y"}}, {"max_percentile", 90}}, "cyx"},
        RangeCase{{2, 3, 6, 5}, "bcyx", json::object(), "bcyx"},
        RangeCase{{2, 3, 6, 5}, "bcyx", {{"mode", "per_sample"}, {"axes", "xy"}, {"min_percentile", 3}}, "yx"},
        RangeCase{{2, 3, 6, 5}, "bcyx", {{"mode", "per_sample"}, {"min_percentile", 3}, {"eps", 0.1}}, "cyx"},
        RangeCase{{7, 9}, "yx", {{"axes", {"y", "x"}}, {"min_percentile", 2.5}, {"max_percentile", 97.5}}, "yx"},
        RangeCase{{1, 2, 3, 4, 5}, "bczyx", {{"axes", {"z", "y", "x"}}, {"min_percentile", 10}}, "zyx"},
        RangeCase{{2, 2, 3, 4, 5}, "bczyx", {{"axes", "zx"}, {"mode", "per_sample"}, {"max_percentile", 50}}, "zx"}));

TEST(ScaleRangeOp, ReferenceTensorGivesThePercentiles) {
  const Tensor x = random_tensor({1, 2, 5, 6}, "bcyx", 21);
  const Tensor raw = random_tensor({1, 2, 7, 8}, "bcyx", 22, 500, 100);  // other size, other range
  OpContext context;
  context.tensors["raw"] = &raw;
  const json kwargs{{"axes", {"y", "x"}}, {"min_percentile", 5}, {"max_percentile", 95}, {"reference_tensor", "raw"}};
  const Tensor y = run("scale_range", x, kwargs, context);
  EXPECT_LT(max_relative_error(y, naive_scale_range(x, raw, "yx", 5, 95, 1e-6)), kFloat32Tolerance);
}

TEST(ScaleRangeOp, Errors) {
  const Tensor x = random_tensor({1, 2, 5, 6}, "bcyx", 21);
  std::string message;
  EXPECT_EQ(error_code_of([&] { run("scale_range", x, {{"min_percentile", 60}, {"max_percentile", 40}}); }, &message),
            ErrorCode::bad_model);
  EXPECT_NE(message.find("min_percentile"), std::string::npos) << message;
  EXPECT_EQ(error_code_of([&] { run("scale_range", x, {{"max_percentile", "high"}}); }, &message), ErrorCode::bad_model);
  EXPECT_EQ(message, "scale_range: kwarg \"max_percentile\": expected a number, got \"high\"");
  EXPECT_EQ(error_code_of([&] { run("scale_range", x, {{"reference_tensor", "raw"}}); }, &message), ErrorCode::bad_model);
  EXPECT_NE(message.find("\"raw\""), std::string::npos) << message;
  EXPECT_EQ(error_code_of([&] { run("scale_range", x, {{"mode", "per_dataset"}}); }), ErrorCode::invalid_argument);

  const Tensor other = random_tensor({1, 3, 5, 6}, "bcyx", 2);  // 3 channels against 2
  OpContext context;
  context.tensors["other"] = &other;
  EXPECT_EQ(error_code_of([&] { run("scale_range", x, {{"axes", {"y", "x"}}, {"reference_tensor", "other"}}, context); },
                          &message),
            ErrorCode::bad_model);
  EXPECT_NE(message.find("axis \"c\""), std::string::npos) << message;
}

// --- scale_mean_variance -----------------------------------------------------------------------

TEST(ScaleMeanVarianceOp, MatchesNaive) {
  for (const auto& [kwargs_axes, reduced] : std::vector<std::pair<json, std::string>>{
           {json::array({"x", "y"}), "yx"}, {json("cyx"), "cyx"}, {json(nullptr), "bcyx"}}) {
    const Tensor x = random_tensor({2, 3, 4, 5}, "bcyx", 31);
    const Tensor ref = random_tensor({2, 3, 6, 4}, "bcyx", 32, -3, 0.5);
    OpContext context;
    context.tensors["input"] = &ref;
    json kwargs{{"reference_tensor", "input"}, {"eps", 1e-4}};
    if (!kwargs_axes.is_null()) kwargs["axes"] = kwargs_axes;
    const Tensor y = run("scale_mean_variance", x, kwargs, context);

    std::map<std::vector<std::int64_t>, NaiveStats> own, theirs;
    for (const auto& [key, v] : group_values(x, reduced)) own[key] = naive_mean_std(v);
    for (const auto& [key, v] : group_values(ref, reduced)) theirs[key] = naive_mean_std(v);
    const auto v = values_of(x);
    std::vector<double> expected(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto key = group_key(static_cast<std::int64_t>(i), x.shape(), x.axes(), reduced);
      const NaiveStats& s = own.at(key);
      const NaiveStats& r = theirs.at(key);
      expected[i] = (v[i] - s.mean) / (s.std + 1e-4) * (r.std + 1e-4) + r.mean;
    }
    EXPECT_LT(max_relative_error(y, expected), kFloat32Tolerance) << kwargs.dump();
  }
}

TEST(ScaleMeanVarianceOp, NeedsReferenceTensor) {
  const Tensor x = random_tensor({1, 1, 4, 5}, "bcyx", 31);
  std::string message;
  EXPECT_EQ(error_code_of([&] { run("scale_mean_variance", x, json::object()); }, &message), ErrorCode::bad_model);
  EXPECT_EQ(message, "scale_mean_variance: missing required kwarg \"reference_tensor\"");
}

}  // namespace
}  // namespace deepimage::ops
