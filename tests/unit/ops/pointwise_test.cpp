// Preprocessing rewritten as pointwise ops from whole-image histograms gives what the ops give on the
// whole image; where no such rewrite exists it says so.
#include <gtest/gtest.h>

#include <random>

#include "ops/op.hpp"
#include "ops/pointwise.hpp"

namespace deepimage::ops {
namespace {

Tensor camera_image(DType dtype, std::int64_t channels) {
  Tensor t(DType::f32, {1, channels, 37, 53}, "bcyx");
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.f, 1.f);
  for (std::int64_t i = 0; i < t.element_count(); ++i) {
    const std::int64_t c = i / (37 * 53);
    const float base = dtype == DType::u8 ? 60.f + 30.f * float(c) : 900.f + 400.f * float(c);
    const float spread = dtype == DType::u8 ? 20.f : 250.f;
    t.data<float>()[i] = std::clamp(base + spread * noise(rng), 0.f, dtype == DType::u8 ? 255.f : 65535.f);
  }
  return t.converted(dtype);
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  const Tensor x = a.converted(DType::f64), y = b.converted(DType::f64);
  double m = 0;
  for (std::int64_t i = 0; i < x.element_count(); ++i) m = std::max(m, std::abs(x.data<double>()[i] - y.data<double>()[i]));
  return m;
}

std::vector<OpSpec> ops_from(const char* json) {
  std::vector<OpSpec> ops;
  for (const auto& j : nlohmann::json::parse(json)) ops.push_back({j["id"], j["kwargs"]});
  return ops;
}

struct Case {
  const char* name;
  const char* ops;
};

class Pointwise : public ::testing::TestWithParam<Case> {};

TEST_P(Pointwise, EqualsTheOpsOnTheWholeImage) {
  const std::vector<OpSpec> ops = ops_from(GetParam().ops);
  for (DType dtype : {DType::u8, DType::u16}) {
    for (std::int64_t channels : {1, 3}) {
      SCOPED_TRACE(std::string(to_string(dtype)) + " x " + std::to_string(channels));
      const Tensor image = camera_image(dtype, channels);
      ChannelHistograms stats(dtype, channels);
      // In two bands of rows, as a streamed image arrives.
      Tensor top(dtype, {1, channels, 20, 53}, "bcyx"), bottom(dtype, {1, channels, 17, 53}, "bcyx");
      const std::size_t es = dtype_size(dtype);
      for (std::int64_t c = 0; c < channels; ++c) {
        std::memcpy(top.bytes() + c * 20 * 53 * es, image.bytes() + c * 37 * 53 * es, 20 * 53 * es);
        std::memcpy(bottom.bytes() + c * 17 * 53 * es, image.bytes() + (c * 37 + 20) * 53 * es, 17 * 53 * es);
      }
      stats.add(top);
      stats.add(bottom);
      const auto per_tile = pointwise_preprocessing(ops, "bcyx", channels, &stats);
      ASSERT_TRUE(per_tile.has_value());
      const Tensor expected = apply_ops(image, ops, {});
      const Tensor got = apply_ops(image, *per_tile, {});
      // float32 rounding of two ways of computing the same affine map, on values of order 1..10
      EXPECT_LE(max_abs_diff(got, expected), 2e-5);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, Pointwise,
    ::testing::Values(
        Case{"percentiles_per_channel", R"([{"id":"scale_range","kwargs":{"axes":["y","x"],"min_percentile":1,"max_percentile":99.8}}])"},
        Case{"percentiles_joint", R"([{"id":"scale_range","kwargs":{"min_percentile":3,"max_percentile":97}}])"},
        Case{"zero_mean_unit_variance", R"([{"id":"zero_mean_unit_variance","kwargs":{"axes":["y","x"]}}])"},
        Case{"v04_per_sample", R"([{"id":"zero_mean_unit_variance","kwargs":{"mode":"per_sample","axes":"yx"}}])"},
        Case{"affine_then_statistics_then_clip",
             R"([{"id":"ensure_dtype","kwargs":{"dtype":"float32"}},{"id":"scale_linear","kwargs":{"gain":0.5,"offset":3}},
                 {"id":"scale_range","kwargs":{"axes":["y","x"],"min_percentile":2,"max_percentile":98}},
                 {"id":"clip","kwargs":{"min":0,"max":1}}])"},
        Case{"two_statistics", R"([{"id":"zero_mean_unit_variance","kwargs":{"axes":["c","y","x"]}},
                                   {"id":"scale_range","kwargs":{"axes":["y","x"],"min_percentile":5,"max_percentile":95}},
                                   {"id":"sigmoid","kwargs":{}}])"},
        Case{"pointwise_only", R"([{"id":"scale_linear","kwargs":{"gain":2,"offset":-1}},{"id":"sigmoid","kwargs":{}}])"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(Pointwise, SaysWhenNoRewriteExists) {
  const auto none = [](const char* json) { return !pointwise_preprocessing(ops_from(json), "bcyx", 2, nullptr).has_value(); };
  EXPECT_TRUE(none(R"([{"id":"clip","kwargs":{"min":0,"max":100}},{"id":"scale_range","kwargs":{"axes":["y","x"]}}])"));
  EXPECT_TRUE(none(R"([{"id":"zero_mean_unit_variance","kwargs":{"axes":["x"]}}])"));  // statistics per row
  EXPECT_TRUE(none(R"([{"id":"scale_range","kwargs":{"axes":["y","x"],"reference_tensor":"other"}}])"));
  EXPECT_TRUE(none(R"([{"id":"scale_mean_variance","kwargs":{"reference_tensor":"other"}}])"));
  EXPECT_TRUE(none(R"([{"id":"scale_linear","kwargs":{"gain":[1,-1],"axis":"c"}},{"id":"scale_range","kwargs":{}}])"));
  EXPECT_FALSE(none(R"([{"id":"scale_linear","kwargs":{"gain":[1,2],"axis":"c"}},{"id":"scale_range","kwargs":{"axes":["y","x"]}}])"));
  EXPECT_TRUE(all_pointwise(ops_from(R"([{"id":"sigmoid","kwargs":{}},{"id":"binarize","kwargs":{"threshold":0.5}}])")));
  EXPECT_FALSE(all_pointwise(ops_from(R"([{"id":"scale_range","kwargs":{}}])")));
}

}  // namespace
}  // namespace deepimage::ops
