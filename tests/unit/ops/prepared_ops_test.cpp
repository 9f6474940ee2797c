// Ops prepared for a tensor seen in parts: statistics gathered band by band (regions cutting y, in a
// shuffled order) and applied band by band give the whole tensor's result, and both match a naive
// computation written here.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"
#include "ops/prepared_ops.hpp"

namespace deepimage::ops {
namespace {

using json = nlohmann::json;
using namespace test;

// Rows [y0, y1) along axis y of `t` (any dtype), as a tensor of their own.
Tensor rows_of(const Tensor& t, std::int64_t y0, std::int64_t y1) {
  const auto d = static_cast<std::size_t>(t.axis_index('y'));
  Shape shape = t.shape();
  std::int64_t outer = 1, inner = 1;
  for (std::size_t k = 0; k < d; ++k) outer *= shape[k];
  for (std::size_t k = d + 1; k < shape.size(); ++k) inner *= shape[k];
  const std::int64_t height = shape[d];
  shape[d] = y1 - y0;
  Tensor out(t.dtype(), shape, t.axes());
  const std::size_t size = dtype_size(t.dtype());
  for (std::int64_t o = 0; o < outer; ++o)
    std::copy_n(t.bytes() + ((o * height + y0) * inner) * size, static_cast<std::size_t>((y1 - y0) * inner) * size,
                out.bytes() + (o * (y1 - y0) * inner) * size);
  return out;
}

// Writes `band` into rows [y0, ...) of `t`.
void put_rows(Tensor& t, const Tensor& band, std::int64_t y0) {
  const auto d = static_cast<std::size_t>(t.axis_index('y'));
  std::int64_t outer = 1, inner = 1;
  for (std::size_t k = 0; k < d; ++k) outer *= t.shape()[k];
  for (std::size_t k = d + 1; k < t.rank(); ++k) inner *= t.shape()[k];
  const std::int64_t height = t.shape()[d], rows = band.shape()[d];
  const std::size_t size = dtype_size(t.dtype());
  for (std::int64_t o = 0; o < outer; ++o)
    std::copy_n(band.bytes() + (o * rows * inner) * size, static_cast<std::size_t>(rows * inner) * size,
                t.bytes() + ((o * height + y0) * inner) * size);
}

// The ops run band by band: bands of uneven heights, scanned in a shuffled order each pass.
Tensor in_bands(const std::vector<OpSpec>& ops, const Tensor& x, unsigned seed) {
  const std::int64_t height = x.size('y');
  std::vector<std::pair<std::int64_t, std::int64_t>> bands;
  for (std::int64_t y = 0, step = 1; y < height; y += step, step = step % 5 + 2)
    bands.emplace_back(y, std::min(height, y + step));
  std::mt19937 rng(seed);
  PreparedOps prepared(ops, x.axes(), x.shape());
  int passes = 0;
  while (prepared.start_pass()) {
    ++passes;
    std::shuffle(bands.begin(), bands.end(), rng);
    for (const auto& [y0, y1] : bands) prepared.scan(rows_of(x, y0, y1));
  }
  EXPECT_EQ(passes, prepared.pass_count());
  Tensor out;
  std::shuffle(bands.begin(), bands.end(), rng);
  for (const auto& [y0, y1] : bands) {
    const Tensor band = prepared.apply(rows_of(x, y0, y1));
    if (out.empty()) {
      Shape shape = band.shape();
      shape[static_cast<std::size_t>(band.axis_index('y'))] = height;
      out = Tensor(band.dtype(), shape, band.axes());
    }
    put_rows(out, band, y0);
  }
  return out;
}

// Percentile ops: bit-identical; mean/std ops: the sums are added in another order.
void expect_bands_match_whole(const std::vector<OpSpec>& ops, const Tensor& x, double tolerance) {
  const Tensor whole = apply_ops(x, ops, {});
  const Tensor parts = in_bands(ops, x, 7);
  ASSERT_EQ(parts.shape(), whole.shape());
  EXPECT_LE(max_relative_error(parts, values_of(whole)), tolerance);
}

Tensor cast_f32(std::vector<double> v, const Tensor& like) {
  Tensor t(DType::f32, like.shape(), like.axes());
  for (std::size_t i = 0; i < v.size(); ++i) t.data<float>()[i] = static_cast<float>(v[i]);
  return t;
}

TEST(PreparedOps, ZeroMeanUnitVariancePerChannel) {
  const Tensor x = random_tensor({2, 3, 37, 23}, "bcyx", 1);
  const std::vector<OpSpec> ops{make_op("zero_mean_unit_variance", {{"axes", {"y", "x"}}})};
  expect_bands_match_whole(ops, x, kSumOrderTolerance);
  EXPECT_LT(max_relative_error(in_bands(ops, x, 2), naive_zero_mean_unit_variance(x, "yx", 1e-6)), kFloat32Tolerance);
  EXPECT_EQ(PreparedOps(ops, "bcyx", x.shape()).kept_axes(), "bc");
}

TEST(PreparedOps, ZeroMeanUnitVarianceJoint) {
  const Tensor x = random_tensor({1, 2, 41, 19}, "bcyx", 3);
  const std::vector<OpSpec> ops{make_op("zero_mean_unit_variance", json::object())};
  expect_bands_match_whole(ops, x, kSumOrderTolerance);
  EXPECT_LT(max_relative_error(in_bands(ops, x, 4), naive_zero_mean_unit_variance(x, "bcyx", 1e-6)), kFloat32Tolerance);
  EXPECT_EQ(PreparedOps(ops, "bcyx", x.shape()).kept_axes(), "");
}

TEST(PreparedOps, ScaleRangePercentilesPerChannel) {
  const Tensor x = random_tensor({1, 3, 53, 31}, "bcyx", 5);
  const std::vector<OpSpec> ops{make_op("scale_range", {{"axes", {"y", "x"}}, {"min_percentile", 1.0}, {"max_percentile", 99.8}})};
  expect_bands_match_whole(ops, x, 0.0);
  EXPECT_LT(max_relative_error(in_bands(ops, x, 6), naive_scale_range(x, x, "yx", 1.0, 99.8, 1e-6)), kFloat32Tolerance);
}

TEST(PreparedOps, AffineChainBeforeScaleRange) {
  Tensor x(DType::u16, {1, 2, 29, 17}, "bcyx");
  std::mt19937 rng(8);
  for (std::int64_t i = 0; i < x.element_count(); ++i) x.data<std::uint16_t>()[i] = static_cast<std::uint16_t>(rng() % 4096);
  const std::vector<OpSpec> ops{make_op("ensure_dtype", {{"dtype", "float32"}}),
                                make_op("scale_linear", {{"gain", 0.5}, {"offset", -3.0}}),
                                make_op("scale_range", {{"axes", {"y", "x"}}, {"min_percentile", 0.5}, {"max_percentile", 99.5}})};
  expect_bands_match_whole(ops, x, 0.0);
  std::vector<double> scaled = values_of(x);
  for (double& v : scaled) v = static_cast<float>(static_cast<float>(v) * 0.5f - 3.0f);
  const Tensor seen = cast_f32(scaled, x);
  EXPECT_LT(max_relative_error(in_bands(ops, x, 9), naive_scale_range(seen, seen, "yx", 0.5, 99.5, 1e-6)), kFloat32Tolerance);
}

TEST(PreparedOps, ClipBeforeZeroMeanUnitVariance) {
  const Tensor x = random_tensor({1, 2, 33, 21}, "bcyx", 10);
  const std::vector<OpSpec> ops{make_op("clip", {{"min", 40.0}, {"max", 60.0}}), make_op("zero_mean_unit_variance", {{"axes", {"y", "x"}}})};
  expect_bands_match_whole(ops, x, kSumOrderTolerance);
  std::vector<double> clipped = values_of(x);
  for (double& v : clipped) v = std::clamp(v, 40.0, 60.0);
  EXPECT_LT(max_relative_error(in_bands(ops, x, 11), naive_zero_mean_unit_variance(cast_f32(clipped, x), "yx", 1e-6)),
            kFloat32Tolerance);
}

TEST(PreparedOps, TwoStatisticsOpsInARow) {
  const Tensor x = random_tensor({1, 2, 31, 27}, "bcyx", 12);
  const std::vector<OpSpec> ops{make_op("zero_mean_unit_variance", {{"axes", {"y", "x"}}}),
                                make_op("scale_range", {{"min_percentile", 2.0}, {"max_percentile", 98.0}})};
  EXPECT_EQ(PreparedOps(ops, "bcyx", x.shape()).pass_count(), 4);
  expect_bands_match_whole(ops, x, kSumOrderTolerance);
  const Tensor normalised = cast_f32(naive_zero_mean_unit_variance(x, "yx", 1e-6), x);
  EXPECT_LT(max_relative_error(in_bands(ops, x, 13), naive_scale_range(normalised, normalised, "bcyx", 2.0, 98.0, 1e-6)),
            kFloat32Tolerance);
}

TEST(PreparedOps, OpsWithoutStatisticsApplyAtOnce) {
  const std::vector<OpSpec> ops{make_op("clip", {{"min", 0.0}}), make_op("zero_mean_unit_variance", {{"mode", "fixed"}, {"mean", 1.0}, {"std", 2.0}})};
  PreparedOps prepared(ops, "yx", {4, 5});
  EXPECT_TRUE(prepared.pointwise());
  EXPECT_EQ(prepared.pass_count(), 0);
  EXPECT_FALSE(prepared.start_pass());
  EXPECT_TRUE(is_pointwise(ops, "yx"));
  EXPECT_FALSE(is_pointwise({make_op("scale_range", json::object())}, "yx"));
  EXPECT_FALSE(is_pointwise({make_op("scale_range", {{"reference_tensor", "raw"}})}, "yx"));
}

TEST(PreparedOps, MisuseIsAnInternalError) {
  const Tensor x = random_tensor({2, 6, 5}, "cyx", 14);
  PreparedOps prepared({make_op("zero_mean_unit_variance", {{"axes", {"y", "x"}}})}, "cyx", x.shape());
  EXPECT_THROW(prepared.apply(x), Error);  // statistics not gathered yet
  ASSERT_TRUE(prepared.start_pass());
  Tensor one_channel(DType::f32, {1, 6, 5}, "cyx");
  EXPECT_THROW(prepared.scan(one_channel), Error);  // cuts c, along which statistics are kept separate
  prepared.scan(rows_of(x, 0, 3));
  EXPECT_THROW(prepared.start_pass(), Error);  // rows 3..5 never scanned
}

}  // namespace
}  // namespace deepimage::ops
