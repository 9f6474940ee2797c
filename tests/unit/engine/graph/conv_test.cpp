// Conv's reference kernel against PyTorch (scripts/make_graph_kernel_references.py) and hand-computed
// values; the auto_pad rules against the ONNX formulas worked by hand.
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "engine/graph/kernels/padding_rules.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/graph/kernel_test_support.hpp"

namespace deepimage::testing {
namespace {

using engine::graph::Attribute;
using Ints = std::vector<std::int64_t>;

void expect_conv_matches_torch(const std::string& fixture, std::map<std::string, Attribute> attributes, bool bias,
                               bool sum = false) {
  const Tensor x = graph_fixture(fixture + "_x"), w = graph_fixture(fixture + "_w"), y = graph_fixture(fixture + "_y");
  const Tensor b = bias ? graph_fixture(fixture + "_b") : Tensor();
  const Tensor s = sum ? graph_fixture(fixture + "_sum") : Tensor();
  const auto out = run_graph_op(graph_node("Conv", std::move(attributes)),
                                {&x, &w, bias ? &b : nullptr, sum ? &s : nullptr});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), y.shape());
  EXPECT_LE(max_abs_diff(out[0], y), kReferenceKernelVsPyTorchMaxAbs) << fixture;
}

TEST(GraphConv, Grouped2dWithStridesDilationsAndAsymmetricPadsMatchesPyTorch) {
  expect_conv_matches_torch("conv2d_group2",
                            {{"strides", Ints{2, 1}}, {"pads", Ints{1, 0, 1, 2}}, {"dilations", Ints{1, 2}},
                             {"group", std::int64_t{2}}},
                            true);
}

TEST(GraphConv, OneDimensionalMatchesPyTorch) {
  expect_conv_matches_torch("conv1d", {{"strides", Ints{3}}, {"pads", Ints{2, 1}}, {"dilations", Ints{2}}}, true);
}

TEST(GraphConv, ThreeDimensionalWithoutBiasMatchesPyTorch) {
  expect_conv_matches_torch(
      "conv3d", {{"strides", Ints{1, 2, 1}}, {"pads", Ints{1, 0, 1, 1, 1, 0}}, {"dilations", Ints{2, 1, 1}}}, false);
}

TEST(GraphConv, DepthwiseMatchesPyTorch) {
  expect_conv_matches_torch("conv2d_depthwise",
                            {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"group", std::int64_t{4}}}, true);
}

TEST(GraphConv, SameUpperAutoPadMatchesPyTorchWithTheExplicitPads) {
  expect_conv_matches_torch("conv2d_same_upper",
                            {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")},
                             {"kernel_shape", Ints{3, 3}}},
                            true);
}

TEST(GraphConv, FusedSumAndLeakyReluMatchPyTorch) {
  expect_conv_matches_torch("conv2d_fused_sum_leaky_relu",
                            {{"pads", Ints{1, 1, 1, 1}}, {"activation", std::string("leaky_relu")}, {"alpha", 0.1}},
                            true, true);
}

TEST(GraphConv, FusedClipAndSigmoidByHand) {
  // 1x1 input [-3, 0.5, 4] times weight 2 plus bias 1: [-5, 2, 9].
  Tensor x(DType::f32, {1, 1, 3}), w(DType::f32, {1, 1, 1}), b(DType::f32, {1});
  x.data<float>()[0] = -3, x.data<float>()[1] = 0.5f, x.data<float>()[2] = 4;
  w.data<float>()[0] = 2, b.data<float>()[0] = 1;
  auto clip = run_graph_op(graph_node("Conv", {{"activation", std::string("clip")}, {"alpha", -1.0}, {"beta", 6.0}}),
                           {&x, &w, &b});
  EXPECT_FLOAT_EQ(clip[0].data<float>()[0], -1);
  EXPECT_FLOAT_EQ(clip[0].data<float>()[1], 2);
  EXPECT_FLOAT_EQ(clip[0].data<float>()[2], 6);
  auto sigmoid = run_graph_op(graph_node("Conv", {{"activation", std::string("sigmoid")}}), {&x, &w, &b});
  EXPECT_NEAR(sigmoid[0].data<float>()[1], 1 / (1 + std::exp(-2.0)), 1e-6);
}

TEST(GraphConv, AutoPadRulesFollowTheOnnxFormulas) {
  // Input 8x7, kernel 3x3, stride 2: out 4x4, total pads 1 and 2.
  const Shape x = {1, 1, 8, 7}, w = {1, 1, 3, 3};
  auto node = graph_node("Conv", {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  engine::graph::resolve_conv_pads(node, x, w);
  EXPECT_EQ(node.get_ints("pads"), (Ints{0, 1, 1, 1}));
  EXPECT_FALSE(node.has("auto_pad"));
  node = graph_node("Conv", {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_LOWER")}});
  engine::graph::resolve_conv_pads(node, x, w);
  EXPECT_EQ(node.get_ints("pads"), (Ints{1, 1, 0, 1}));
  node = graph_node("Conv", {{"pads", Ints{3, 3, 3, 3}}, {"auto_pad", std::string("VALID")}});
  engine::graph::resolve_explicit_pads(node, {x, w});
  EXPECT_EQ(node.get_ints("pads"), (Ints{0, 0, 0, 0}));
}

TEST(GraphConv, MismatchedChannelsNameTheNodeAndTheShapes) {
  Tensor x(DType::f32, {1, 3, 5, 5}), w(DType::f32, {2, 2, 3, 3});
  try {
    run_graph_op(graph_node("Conv", {}), {&x, &w});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_NE(std::string(e.what()).find("Conv node \"Conv_test\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3 channels, expected 2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deepimage::testing

namespace deepimage::testing {
namespace {

TEST(GraphConv, InferenceKeepsUnknownSizesUnknown) {
  // Before specialize() the batch and spatial sizes may be -1: they stay -1, the known ones are computed.
  engine::graph::Value x, w;
  x.shape = {-1, 3, -1, 10};
  w.shape = {8, 3, 3, 3};
  x.shape_known = w.shape_known = true;
  const auto node = graph_node("Conv", {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  const auto types = engine::graph::find_graph_op("Conv")->infer(node, {&x, &w, nullptr});
  EXPECT_EQ(types.at(0).shape, (Shape{-1, 8, -1, 5}));
}

}  // namespace
}  // namespace deepimage::testing

namespace deepimage::testing {
namespace {

TEST(GraphConv, FourSpatialAxesAreABadModel) {
  Tensor x(DType::f32, {1, 1, 2, 2, 2, 2}), w(DType::f32, {1, 1, 1, 1, 1, 1});
  EXPECT_THROW(run_graph_op(graph_node("Conv", {}), {&x, &w}), Error);
}

}  // namespace
}  // namespace deepimage::testing
