// Resize against PyTorch's interpolate (scripts/make_graph_kernel_references.py) for the modes it
// shares with ONNX, and against values worked by hand for the ones it lacks (tf_crop_and_resize,
// round_prefer_floor vs ceil, floor/ceil, exclude_outside, keep_aspect_ratio_policy).
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/graph/kernel_test_support.hpp"

namespace deepimage::testing {
namespace {

using engine::graph::Attribute;
using Attributes = std::map<std::string, Attribute>;

void expect_resize_matches_torch(const std::string& fixture, Attributes attributes, const std::vector<float>& scales,
                                 const std::vector<std::int64_t>& sizes) {
  const Tensor x = graph_fixture(fixture + "_x"), y = graph_fixture(fixture + "_y");
  const Tensor scale_tensor = tensor_of<float>({static_cast<std::int64_t>(scales.size())}, scales);
  const Tensor size_tensor = tensor_of<std::int64_t>({static_cast<std::int64_t>(sizes.size())}, sizes);
  const auto out = run_graph_op(graph_node("Resize", std::move(attributes)),
                                {&x, nullptr, scales.empty() ? nullptr : &scale_tensor, sizes.empty() ? nullptr : &size_tensor});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), y.shape()) << fixture;
  EXPECT_LE(max_abs_diff(out[0], y), kReferenceKernelVsPyTorchMaxAbs) << fixture;
}

Attributes resize_mode(const std::string& mode, const std::string& transform, const std::string& nearest = "") {
  Attributes a = {{"mode", mode}, {"coordinate_transformation_mode", transform}};
  if (!nearest.empty()) a["nearest_mode"] = nearest;
  return a;
}

TEST(GraphResize, NearestMatchesPyTorch) {
  expect_resize_matches_torch("resize_nearest_up", resize_mode("nearest", "asymmetric", "floor"), {1, 1, 2, 2}, {});
  expect_resize_matches_torch("resize_nearest_down", resize_mode("nearest", "asymmetric", "floor"), {}, {1, 1, 3, 4});
  // PyTorch's nearest-exact is floor(x + 0.5) on half-pixel coordinates: round_prefer_ceil.
  expect_resize_matches_torch("resize_nearest_exact_down", resize_mode("nearest", "half_pixel", "round_prefer_ceil"),
                              {}, {1, 1, 4, 5});
}

TEST(GraphResize, LinearMatchesPyTorch) {
  expect_resize_matches_torch("resize_linear_up", resize_mode("linear", "half_pixel"), {1, 1, 2, 2}, {});
  expect_resize_matches_torch("resize_linear_up", resize_mode("linear", "pytorch_half_pixel"), {1, 1, 2, 2}, {});
  expect_resize_matches_torch("resize_linear_down", resize_mode("linear", "pytorch_half_pixel"), {}, {1, 1, 3, 4});
  expect_resize_matches_torch("resize_linear_align_corners", resize_mode("linear", "align_corners"), {}, {1, 2, 5, 7});
  expect_resize_matches_torch("resize_linear_1d", resize_mode("linear", "half_pixel"), {}, {1, 2, 12});
  expect_resize_matches_torch("resize_trilinear", resize_mode("linear", "half_pixel"), {}, {1, 1, 5, 6, 3});
}

TEST(GraphResize, CubicMatchesPyTorch) {
  expect_resize_matches_torch("resize_cubic_up", resize_mode("cubic", "half_pixel"), {1, 1, 2, 2}, {});
  expect_resize_matches_torch("resize_cubic_align_corners", resize_mode("cubic", "align_corners"), {}, {1, 2, 5, 7});
}

TEST(GraphResize, AxesAttributeResizesOnlyTheNamedAxes) {
  auto attributes = resize_mode("linear", "half_pixel");
  attributes["axes"] = std::vector<std::int64_t>{-1, 2};
  expect_resize_matches_torch("resize_linear_up", attributes, {2, 2}, {});
}

// X = [0, 10, 20, 30] along the last axis.
Tensor ramp() { return tensor_of<float>({1, 1, 4}, {0, 10, 20, 30}); }

std::vector<float> resize_ramp(Attributes attributes, const std::vector<float>& scales, const std::vector<std::int64_t>& sizes,
                               const std::vector<float>& roi = {}) {
  const Tensor x = ramp();
  const Tensor s = tensor_of<float>({static_cast<std::int64_t>(scales.size())}, scales);
  const Tensor z = tensor_of<std::int64_t>({static_cast<std::int64_t>(sizes.size())}, sizes);
  const Tensor r = tensor_of<float>({static_cast<std::int64_t>(roi.size())}, roi);
  const auto out = run_graph_op(graph_node("Resize", std::move(attributes)),
                                {&x, roi.empty() ? nullptr : &r, scales.empty() ? nullptr : &s, sizes.empty() ? nullptr : &z});
  return values_of<float>(out.at(0));
}

TEST(GraphResize, TfCropAndResizeByHand) {
  // roi 0.2 .. 1.2 of the last axis, 3 outputs: x = 0.2 * 3 + o * 1.0 * 3 / 2 = 0.6, 2.1, 3.6; the last
  // lies past the input (3) and reads extrapolation_value.
  auto attributes = resize_mode("linear", "tf_crop_and_resize");
  attributes["extrapolation_value"] = 7.0;
  EXPECT_EQ(resize_ramp(attributes, {}, {1, 1, 3}, {0, 0, 0.2f, 1, 1, 1.2f}), (std::vector<float>{6, 21, 7}));
  attributes["axes"] = std::vector<std::int64_t>{2};
  EXPECT_EQ(resize_ramp(attributes, {}, {3}, {0.2f, 1.2f}), (std::vector<float>{6, 21, 7}));
  attributes["mode"] = std::string("nearest");  // round_prefer_floor: 0.6 -> 1, 2.1 -> 2
  EXPECT_EQ(resize_ramp(attributes, {}, {3}, {0.2f, 1.2f}), (std::vector<float>{10, 20, 7}));
}

TEST(GraphResize, NearestRoundingRulesByHand) {
  // Half-pixel halving: x = (o + 0.5) * 2 - 0.5 = 0.5, 2.5: exact ties.
  EXPECT_EQ(resize_ramp(resize_mode("nearest", "half_pixel", "round_prefer_floor"), {1, 1, 0.5f}, {}),
            (std::vector<float>{0, 20}));
  EXPECT_EQ(resize_ramp(resize_mode("nearest", "half_pixel", "round_prefer_ceil"), {1, 1, 0.5f}, {}),
            (std::vector<float>{10, 30}));
  // Asymmetric by 1.5: x = o / 1.5 = 0, 0.67, 1.33, 2, 2.67, 3.33 (clamped to 3).
  EXPECT_EQ(resize_ramp(resize_mode("nearest", "asymmetric", "floor"), {1, 1, 1.5f}, {}),
            (std::vector<float>{0, 0, 10, 20, 20, 30}));
  EXPECT_EQ(resize_ramp(resize_mode("nearest", "asymmetric", "ceil"), {1, 1, 1.5f}, {}),
            (std::vector<float>{0, 10, 20, 20, 30, 30}));
}

TEST(GraphResize, CubicExcludeOutsideByHand) {
  // X = [0, 1, 4, 9], doubled with half_pixel: output 1 sits at x = 1.5 / 2 - 0.5 = 0.25, so t = 0.25 over
  // the neighbours -1, 0, 1, 2 with Keys weights (a = -0.75) -0.10546875, 0.87890625, 0.26171875,
  // -0.03515625. Neighbour -1 reads the edge X[0] = 0, or with exclude_outside is dropped and the
  // other weights are divided by their sum 1.10546875.
  const Tensor x = tensor_of<float>({4}, {0, 1, 4, 9});
  const Tensor scales = tensor_of<float>({1}, {2});
  auto attributes = resize_mode("cubic", "half_pixel");
  const double inside = 0.26171875 * 1 - 0.03515625 * 4;
  auto y = run_graph_op(graph_node("Resize", attributes), {&x, nullptr, &scales});
  EXPECT_NEAR(y.at(0).data<float>()[1], inside, 1e-6);
  attributes["exclude_outside"] = std::int64_t{1};
  y = run_graph_op(graph_node("Resize", attributes), {&x, nullptr, &scales});
  EXPECT_NEAR(y.at(0).data<float>()[1], inside / 1.10546875, 1e-6);
  // cubic_coeff_a -0.5 at t = 0.25: weights -0.0703125, 0.8671875, 0.2265625, -0.0234375.
  attributes["exclude_outside"] = std::int64_t{0};
  attributes["cubic_coeff_a"] = -0.5;
  y = run_graph_op(graph_node("Resize", attributes), {&x, nullptr, &scales});
  EXPECT_NEAR(y.at(0).data<float>()[1], 0.2265625 - 0.0234375 * 4, 1e-6);
}

TEST(GraphResize, KeepAspectRatioAndSizesByHand) {
  // 2x4 to sizes 4x4: not_larger keeps the smaller factor 1 -> 2x4; not_smaller the larger 2 -> 4x8.
  const Tensor x(DType::f32, {2, 4});
  const Tensor sizes = tensor_of<std::int64_t>({2}, {4, 4});
  auto attributes = resize_mode("nearest", "asymmetric");
  attributes["keep_aspect_ratio_policy"] = std::string("not_larger");
  EXPECT_EQ(run_graph_op(graph_node("Resize", attributes), {&x, nullptr, nullptr, &sizes}).at(0).shape(), (Shape{2, 4}));
  attributes["keep_aspect_ratio_policy"] = std::string("not_smaller");
  EXPECT_EQ(run_graph_op(graph_node("Resize", attributes), {&x, nullptr, nullptr, &sizes}).at(0).shape(), (Shape{4, 8}));
}

TEST(GraphResize, ScalesAndSizesTogetherAreABadModel) {
  const Tensor x(DType::f32, {1, 1, 2, 2});
  const Tensor scales = tensor_of<float>({4}, {1, 1, 2, 2});
  const Tensor sizes = tensor_of<std::int64_t>({4}, {1, 1, 4, 4});
  EXPECT_THROW(run_graph_op(graph_node("Resize", {}), {&x, nullptr, &scales, &sizes}), Error);
  EXPECT_THROW(run_graph_op(graph_node("Resize", {{"mode", std::string("area")}}), {&x, nullptr, &scales}), Error);
}

}  // namespace
}  // namespace deepimage::testing
