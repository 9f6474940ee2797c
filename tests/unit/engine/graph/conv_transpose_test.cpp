// ConvTranspose against PyTorch (scripts/make_graph_kernel_references.py: the full transposed
// convolution cropped by the ONNX pads), in every attribute form: explicit pads, output_padding,
// output_shape (smaller and larger than the full result), auto_pad, groups, 1-3 spatial axes.
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

void expect_conv_transpose_matches_torch(const std::string& fixture, std::map<std::string, Attribute> attributes,
                                         bool bias) {
  const Tensor x = graph_fixture(fixture + "_x"), w = graph_fixture(fixture + "_w"), y = graph_fixture(fixture + "_y");
  const Tensor b = bias ? graph_fixture(fixture + "_b") : Tensor();
  const auto node = graph_node("ConvTranspose", std::move(attributes));
  const auto out = run_graph_op(node, {&x, &w, bias ? &b : nullptr});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), y.shape()) << fixture;
  EXPECT_LE(max_abs_diff(out[0], y), kReferenceKernelVsPyTorchMaxAbs) << fixture;
  // The same node with output_shape / auto_pad resolved into explicit pads gives the same result.
  auto resolved = node;
  engine::graph::resolve_explicit_pads(resolved, {x.shape(), w.shape()});
  EXPECT_FALSE(resolved.has("output_shape") || resolved.has("auto_pad"));
  const auto again = run_graph_op(resolved, {&x, &w, bias ? &b : nullptr});
  EXPECT_EQ(max_abs_diff(again.at(0), out[0]), 0.0) << fixture;
}

TEST(GraphConvTranspose, GroupedWithAsymmetricPadsAndOutputPaddingMatchesPyTorch) {
  expect_conv_transpose_matches_torch("convtranspose2d_group2",
                                      {{"strides", Ints{2, 3}}, {"pads", Ints{1, 0, 0, 2}},
                                       {"output_padding", Ints{1, 2}}, {"group", std::int64_t{2}}},
                                      true);
}

TEST(GraphConvTranspose, OneAndThreeDimensionalMatchPyTorch) {
  expect_conv_transpose_matches_torch("convtranspose1d",
                                      {{"strides", Ints{2}}, {"pads", Ints{1, 2}}, {"dilations", Ints{2}},
                                       {"output_padding", Ints{1}}},
                                      true);
  expect_conv_transpose_matches_torch("convtranspose3d",
                                      {{"strides", Ints{2, 1, 2}}, {"pads", Ints{0, 1, 1, 1, 0, 0}}}, false);
}

TEST(GraphConvTranspose, OutputShapeBecomesPadsWithTheOddPixelAtTheBeginning) {
  expect_conv_transpose_matches_torch("convtranspose2d_output_shape",
                                      {{"strides", Ints{2, 2}}, {"output_shape", Ints{9, 8}}}, true);
  // Written with N and C as some exporters do.
  expect_conv_transpose_matches_torch("convtranspose2d_output_shape",
                                      {{"strides", Ints{2, 2}}, {"output_shape", Ints{1, 3, 9, 8}}}, true);
}

TEST(GraphConvTranspose, OutputShapeBeyondTheFullResultBecomesOutputPadding) {
  const Shape x = {1, 2, 5, 5}, w = {2, 3, 3, 3};
  auto node = graph_node("ConvTranspose", {{"strides", Ints{2, 2}}, {"output_shape", Ints{12, 13}}});
  engine::graph::resolve_conv_transpose_pads(node, x, w);
  EXPECT_EQ(node.get_ints("pads"), (Ints{0, 0, 0, 0}));
  EXPECT_EQ(node.get_ints("output_padding"), (Ints{1, 2}));
  expect_conv_transpose_matches_torch("convtranspose2d_output_shape_larger",
                                      {{"strides", Ints{2, 2}}, {"output_shape", Ints{12, 13}}}, true);
}

TEST(GraphConvTranspose, SameUpperPutsTheOddPixelAtTheEnd) {
  expect_conv_transpose_matches_torch("convtranspose2d_same_upper",
                                      {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}, false);
  auto lower = graph_node("ConvTranspose", {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_LOWER")}});
  engine::graph::resolve_conv_transpose_pads(lower, {1, 1, 5, 5}, {1, 2, 3, 3});
  EXPECT_EQ(lower.get_ints("pads"), (Ints{1, 1, 0, 0}));
}

TEST(GraphConvTranspose, FusedReluClampsTheSum) {
  // X = [1, -2], W = [1, 1] (kernel 2, stride 1): [1, -1, -2] -> relu [1, 0, 0].
  const Tensor x = tensor_of<float>({1, 1, 2}, {1, -2}), w = tensor_of<float>({1, 1, 2}, {1, 1});
  const auto y = run_graph_op(graph_node("ConvTranspose", {{"activation", std::string("relu")}}), {&x, &w});
  EXPECT_EQ(values_of<float>(y.at(0)), (std::vector<float>{1, 0, 0}));
}

TEST(GraphConvTranspose, WeightChannelsMustMatchTheInput) {
  Tensor x(DType::f32, {1, 3, 4, 4}), w(DType::f32, {2, 1, 3, 3});
  EXPECT_THROW(run_graph_op(graph_node("ConvTranspose", {}), {&x, &w}), Error);
}

}  // namespace
}  // namespace deepimage::testing
