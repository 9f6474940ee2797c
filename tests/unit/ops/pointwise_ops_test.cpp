// Ops without statistics: binarize, clip, ensure_dtype, fixed_zero_mean_unit_variance, scale_linear,
// sigmoid, softmax, against naive loops and hand-computed values; 0.4 and 0.5 kwargs forms.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"

namespace deepimage::ops {
namespace {

using json = nlohmann::json;
using namespace test;

Tensor run(const std::string& id, const Tensor& x, const json& kwargs) { return apply_ops(x, {make_op(id, kwargs)}, {}); }

std::string error_of(const std::function<void()>& f, ErrorCode expected_code = ErrorCode::bad_model) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected_code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

// --- binarize ------------------------------------------------------------------------------------

TEST(BinarizeOp, ScalarThresholdIsStrict) {
  Tensor x(DType::f32, {1, 4}, "bx");
  float* p = x.data<float>();
  p[0] = 0.2f, p[1] = 0.5f, p[2] = 0.50001f, p[3] = 7.0f;
  const Tensor y = run("binarize", x, {{"threshold", 0.5}});
  ASSERT_EQ(y.dtype(), DType::boolean);
  EXPECT_EQ(y.axes(), "bx");
  const bool* q = y.data<bool>();
  EXPECT_FALSE(q[0]);
  EXPECT_FALSE(q[1]);
  EXPECT_TRUE(q[2]);
  EXPECT_TRUE(q[3]);
}

TEST(BinarizeOp, PerChannelThresholds) {
  const Tensor x = random_tensor({2, 3, 4, 5}, "bcyx", 5, 0.5, 0.3);
  const std::vector<double> thresholds{0.25, 0.5, 0.75};
  const Tensor y = run("binarize", x, {{"threshold", thresholds}, {"axis", "channel"}});
  const auto v = values_of(x);
  const bool* q = y.data<bool>();
  for (std::size_t i = 0; i < v.size(); ++i)
    EXPECT_EQ(q[i], v[i] > along(thresholds, static_cast<std::int64_t>(i), x, 'c')) << i;
}

TEST(BinarizeOp, ThresholdCountMustMatchTheAxis) {
  const Tensor x = random_tensor({1, 3, 4, 5}, "bcyx", 5);
  EXPECT_EQ(error_of([&] { run("binarize", x, {{"threshold", {0.1, 0.2}}, {"axis", "channel"}}); }),
            "binarize: kwarg \"threshold\" has 2 values but axis \"c\" of the tensor (axes \"bcyx\") has size 3");
  EXPECT_EQ(error_of([&] { run("binarize", x, json::object()); }), "binarize: missing required kwarg \"threshold\"");
}

// --- clip ----------------------------------------------------------------------------------------

TEST(ClipOp, BothBoundsAndOne) {
  const Tensor x = random_tensor({3, 4, 5}, "zyx", 8);
  const auto v = values_of(x);
  const Tensor both = run("clip", x, {{"min", 40}, {"max", 60.5}});
  const Tensor low = run("clip", x, {{"min", 40}});
  const Tensor high = run("clip", x, {{"max", 60.5}, {"min", nullptr}});
  std::vector<double> e_both(v.size()), e_low(v.size()), e_high(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    e_both[i] = v[i] < 40 ? 40 : v[i] > 60.5 ? 60.5 : v[i];
    e_low[i] = v[i] < 40 ? 40 : v[i];
    e_high[i] = v[i] > 60.5 ? 60.5 : v[i];
  }
  EXPECT_LT(max_relative_error(both, e_both), kFloat32Tolerance);
  EXPECT_LT(max_relative_error(low, e_low), kFloat32Tolerance);
  EXPECT_LT(max_relative_error(high, e_high), kFloat32Tolerance);
}

TEST(ClipOp, Errors) {
  const Tensor x = random_tensor({4, 5}, "yx", 8);
  EXPECT_NE(error_of([&] { run("clip", x, json::object()); }).find("\"min\""), std::string::npos);
  EXPECT_NE(error_of([&] { run("clip", x, {{"min", 2}, {"max", 1}}); }).find("greater"), std::string::npos);
  EXPECT_EQ(error_of([&] { run("clip", x, {{"min", "zero"}}); }), "clip: kwarg \"min\": expected a number, got \"zero\"");
}

// --- ensure_dtype --------------------------------------------------------------------------------

TEST(EnsureDtypeOp, RoundsAndSaturates) {
  Tensor x(DType::f32, {6}, "x");
  float* p = x.data<float>();
  p[0] = 255.6f, p[1] = -3.0f, p[2] = 2.4f, p[3] = 2.6f, p[4] = 300.0f, p[5] = 0.0f;
  const Tensor y = run("ensure_dtype", x, {{"dtype", "uint8"}});
  ASSERT_EQ(y.dtype(), DType::u8);
  const std::uint8_t* q = y.data<std::uint8_t>();
  EXPECT_EQ(q[0], 255);
  EXPECT_EQ(q[1], 0);
  EXPECT_EQ(q[2], 2);
  EXPECT_EQ(q[3], 3);
  EXPECT_EQ(q[4], 255);
  EXPECT_EQ(q[5], 0);
  const Tensor z = run("ensure_dtype", y, {{"dtype", "float32"}});
  ASSERT_EQ(z.dtype(), DType::f32);
  EXPECT_EQ(z.data<float>()[0], 255.0f);
}

TEST(EnsureDtypeOp, UnknownDtype) {
  const Tensor x = random_tensor({4}, "x", 8);
  EXPECT_NE(error_of([&] { run("ensure_dtype", x, {{"dtype", "float128"}}); }).find("\"float128\""), std::string::npos);
  EXPECT_EQ(error_of([&] { run("ensure_dtype", x, json::object()); }), "ensure_dtype: missing required kwarg \"dtype\"");
}

// --- scale_linear --------------------------------------------------------------------------------

TEST(ScaleLinearOp, Scalars) {
  Tensor x(DType::i16, {2, 2}, "yx");
  auto* p = x.data<std::int16_t>();
  p[0] = -2, p[1] = 0, p[2] = 3, p[3] = 1000;
  const Tensor y = run("scale_linear", x, {{"gain", 0.5}, {"offset", -1}});
  ASSERT_EQ(y.dtype(), DType::f32);
  const float* q = y.data<float>();
  EXPECT_FLOAT_EQ(q[0], -2.0f);
  EXPECT_FLOAT_EQ(q[1], -1.0f);
  EXPECT_FLOAT_EQ(q[2], 0.5f);
  EXPECT_FLOAT_EQ(q[3], 499.0f);
  // offset defaults to 0, gain to 1
  EXPECT_FLOAT_EQ(run("scale_linear", x, {{"offset", 2}}).data<float>()[3], 1002.0f);
  EXPECT_FLOAT_EQ(run("scale_linear", x, {{"gain", 3}}).data<float>()[0], -6.0f);
}

struct LinearCase {
  Shape shape;
  std::string axes;
  json kwargs;
  char list_axis;
};
void PrintTo(const LinearCase& c, std::ostream* os) { *os << c.axes << " " << c.kwargs.dump(); }

class ScaleLinearLists : public ::testing::TestWithParam<LinearCase> {};

TEST_P(ScaleLinearLists, MatchesNaive) {
  const LinearCase& c = GetParam();
  const Tensor x = random_tensor(c.shape, c.axes, 13);
  const Tensor y = run("scale_linear", x, c.kwargs);
  const auto as_list = [](const json& j, double fallback) {
    if (j.is_null()) return std::vector<double>{fallback};
    return j.is_array() ? j.get<std::vector<double>>() : std::vector<double>{j.get<double>()};
  };
  const auto gain = as_list(c.kwargs.value("gain", json()), 1.0);
  const auto offset = as_list(c.kwargs.value("offset", json()), 0.0);
  const auto v = values_of(x);
  std::vector<double> expected(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto e = static_cast<std::int64_t>(i);
    expected[i] = v[i] * along(gain, e, x, c.list_axis) + along(offset, e, x, c.list_axis);
  }
  EXPECT_LT(max_relative_error(y, expected), kFloat32Tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Forms, ScaleLinearLists,
    ::testing::Values(
        // 0.5: lists along `axis`
        LinearCase{{2, 3, 4, 5}, "bcyx", {{"axis", "channel"}, {"gain", {1.0, 2.0, 3.0}}, {"offset", {-1.0, 0.0, 1.0}}}, 'c'},
        LinearCase{{2, 3, 4, 5}, "bcyx", {{"axis", "channel"}, {"gain", 2.0}, {"offset", {-1.0, 0.0, 1.0}}}, 'c'},
        LinearCase{{2, 3, 4, 5}, "bcyx", {{"axis", "x"}, {"gain", {1.0, 2.0, 3.0, 4.0, 5.0}}}, 'x'},
        LinearCase{{2, 2, 3, 4, 5}, "bczyx", {{"axis", "z"}, {"offset", {10.0, 20.0, 30.0}}}, 'z'},
        // 0.4: lists along the axis `axes` leaves out
        LinearCase{{1, 3, 4, 5}, "bcyx", {{"axes", "yx"}, {"gain", {1.0, 2.0, 3.0}}, {"offset", {4.0, 5.0, 6.0}}}, 'c'},
        LinearCase{{1, 3, 2, 4, 5}, "bczyx", {{"axes", "zyx"}, {"gain", {0.5, 2.0, 3.0}}}, 'c'},
        // 0.4: a list of one is a scalar
        LinearCase{{1, 3, 4, 5}, "bcyx", {{"axes", "cyx"}, {"gain", {2.0}}, {"offset", {1.0}}}, 'c'}));

TEST(ScaleLinearOp, Errors) {
  const Tensor x = random_tensor({1, 3, 4, 5}, "bcyx", 13);
  EXPECT_EQ(error_of([&] { run("scale_linear", x, {{"gain", "abc"}}); }),
            "scale_linear: kwarg \"gain\": expected a number or a list of numbers, got \"abc\"");
  EXPECT_EQ(error_of([&] { run("scale_linear", x, {{"gain", {1.0, 2.0}}, {"axis", "channel"}}); }),
            "scale_linear: kwarg \"gain\" has 2 values but axis \"c\" of the tensor (axes \"bcyx\") has size 3");
  EXPECT_EQ(error_of([&] { run("scale_linear", x, {{"gain", {1.0, 2.0, 3.0}}, {"axis", "z"}}); }),
            "scale_linear: kwarg \"axis\" names axis \"z\", but the tensor has axes \"bcyx\"");
  EXPECT_NE(error_of([&] { run("scale_linear", x, {{"gain", {1.0, 2.0, 3.0}}}); }).find("no kwarg \"axis\""),
            std::string::npos);
  EXPECT_NE(error_of([&] { run("scale_linear", x, json::array({1, 2})); }).find("expected a mapping"), std::string::npos);
}

// --- fixed_zero_mean_unit_variance ----------------------------------------------------------------

TEST(FixedZeroMeanUnitVarianceOp, ScalarAndPerChannel) {
  const Tensor x = random_tensor({2, 3, 4, 5}, "bcyx", 17);
  const auto v = values_of(x);
  const Tensor scalar = run("fixed_zero_mean_unit_variance", x, {{"mean", 103.5}, {"std", 13.7}});
  std::vector<double> expected(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) expected[i] = (v[i] - 103.5) / (13.7 + 1e-6);
  EXPECT_LT(max_relative_error(scalar, expected), kFloat32Tolerance);

  const std::vector<double> mean{101.5, 102.5, 103.5}, std{11.7, 12.7, 13.7};
  const Tensor per_channel = run("fixed_zero_mean_unit_variance", x, {{"axis", "channel"}, {"mean", mean}, {"std", std}});
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto e = static_cast<std::int64_t>(i);
    expected[i] = (v[i] - along(mean, e, x, 'c')) / (along(std, e, x, 'c') + 1e-6);
  }
  EXPECT_LT(max_relative_error(per_channel, expected), kFloat32Tolerance);
  EXPECT_NE(error_of([&] { run("fixed_zero_mean_unit_variance", x, {{"mean", 1}}); }).find("\"std\""), std::string::npos);
}

// --- sigmoid and softmax -------------------------------------------------------------------------

TEST(SigmoidOp, MatchesDefinition) {
  const Tensor x = random_tensor({2, 1, 3, 4}, "bcyx", 19, 0, 5);
  const Tensor y = run("sigmoid", x, nullptr);
  const auto v = values_of(x);
  std::vector<double> expected(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) expected[i] = 1 / (1 + std::exp(-v[i]));
  EXPECT_LT(max_relative_error(y, expected), kFloat32Tolerance);
  EXPECT_NEAR(run("sigmoid", Tensor(DType::u8, {1}, "x"), nullptr).data<float>()[0], 0.5, 1e-7);
}

std::vector<double> naive_softmax(const Tensor& x, char axis) {
  const auto v = values_of(x);
  const auto d = x.axes().find(axis);
  std::vector<double> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    auto index = unravel(static_cast<std::int64_t>(i), x.shape());
    double sum = 0;
    for (std::int64_t k = 0; k < x.shape()[d]; ++k) {
      index[d] = k;
      sum += std::exp(v[static_cast<std::size_t>(ravel(index, x.shape()))]);
    }
    out[i] = std::exp(v[i]) / sum;
  }
  return out;
}

TEST(SoftmaxOp, AlongChannelByDefaultAndAlongAnyAxis) {
  const Tensor x = random_tensor({2, 3, 4, 5}, "bcyx", 23, 0, 3);
  EXPECT_LT(max_relative_error(run("softmax", x, nullptr), naive_softmax(x, 'c')), kFloat32Tolerance);
  EXPECT_LT(max_relative_error(run("softmax", x, {{"axis", "x"}}), naive_softmax(x, 'x')), kFloat32Tolerance);
  const Tensor z = random_tensor({2, 3, 4, 5, 2}, "bczyx", 24, 0, 3);
  EXPECT_LT(max_relative_error(run("softmax", z, {{"axis", "z"}}), naive_softmax(z, 'z')), kFloat32Tolerance);
}

TEST(SoftmaxOp, LargeValuesDoNotOverflow) {
  Tensor x(DType::f32, {1, 2}, "bc");
  x.data<float>()[0] = 1000.0f;
  x.data<float>()[1] = 1001.0f;
  const Tensor y = run("softmax", x, nullptr);
  // By hand: e^0 / (e^0 + e^1) = 1 / (1 + e).
  EXPECT_NEAR(y.data<float>()[0], 1 / (1 + std::exp(1.0)), 1e-7);
  EXPECT_NEAR(y.data<float>()[1], std::exp(1.0) / (1 + std::exp(1.0)), 1e-7);
}

TEST(SoftmaxOp, NoChannelAxis) {
  const Tensor x = random_tensor({4, 5}, "yx", 8);
  EXPECT_NE(error_of([&] { run("softmax", x, nullptr); }).find("no channel axis"), std::string::npos);
}

}  // namespace
}  // namespace deepimage::ops
