// MaxPool, AveragePool and the global pools against PyTorch (scripts/make_graph_kernel_references.py);
// the pool auto_pad and ceil_mode size rules against values worked by hand.
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

void expect_pool_matches_torch(const std::string& op, const std::string& fixture,
                               std::map<std::string, Attribute> attributes) {
  const Tensor x = graph_fixture(fixture + "_x"), y = graph_fixture(fixture + "_y");
  const auto out = run_graph_op(graph_node(op, std::move(attributes)), {&x});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), y.shape()) << fixture;
  EXPECT_LE(max_abs_diff(out[0], y), kReferenceKernelVsPyTorchMaxAbs) << fixture;
}

TEST(GraphPool, MaxPoolWithCeilModeDilationsAndIndicesMatchesPyTorch) {
  const Tensor x = graph_fixture("maxpool2d_ceil_dilated_x"), y = graph_fixture("maxpool2d_ceil_dilated_y");
  const Tensor indices = graph_fixture("maxpool2d_ceil_dilated_indices");
  const auto out = run_graph_op(graph_node("MaxPool",
                                           {{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}},
                                            {"pads", Ints{1, 1, 1, 1}}, {"dilations", Ints{2, 1}},
                                            {"ceil_mode", std::int64_t{1}}},
                                           2),
                                {&x});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].shape(), y.shape());
  EXPECT_EQ(max_abs_diff(out[0], y), 0.0);
  EXPECT_EQ(max_abs_diff(out[1], indices), 0.0);
}

TEST(GraphPool, MaxPoolWithAsymmetricPadsMatchesPyTorch) {
  expect_pool_matches_torch("MaxPool", "maxpool1d_asymmetric",
                            {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"pads", Ints{0, 2}}});
  expect_pool_matches_torch("MaxPool", "maxpool3d_asymmetric",
                            {{"kernel_shape", Ints{2, 3, 2}}, {"strides", Ints{2, 2, 1}},
                             {"pads", Ints{0, 1, 1, 0, 1, 0}}});
}

TEST(GraphPool, AveragePoolCeilModeCountsPadsOnlyWhenAskedLikePyTorch) {
  const std::map<std::string, Attribute> window = {
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"ceil_mode", std::int64_t{1}}};
  auto include = window;
  include["count_include_pad"] = std::int64_t{1};
  expect_pool_matches_torch("AveragePool", "avgpool2d_ceil_include_pad", include);
  expect_pool_matches_torch("AveragePool", "avgpool2d_ceil_exclude_pad", window);
}

TEST(GraphPool, AveragePoolWithAsymmetricPadsMatchesPyTorch) {
  expect_pool_matches_torch("AveragePool", "avgpool1d_asymmetric",
                            {{"kernel_shape", Ints{4}}, {"strides", Ints{3}}, {"pads", Ints{2, 1}}});
  expect_pool_matches_torch("AveragePool", "avgpool3d_asymmetric",
                            {{"kernel_shape", Ints{2, 3, 3}}, {"strides", Ints{1, 2, 2}},
                             {"pads", Ints{1, 0, 1, 0, 1, 1}}});
}

TEST(GraphPool, GlobalPoolsMatchPyTorch) {
  const Tensor x = graph_fixture("global_pool_x");
  const auto average = run_graph_op(graph_node("GlobalAveragePool", {}), {&x});
  const auto max = run_graph_op(graph_node("GlobalMaxPool", {}), {&x});
  ASSERT_EQ(average[0].shape(), (Shape{2, 3, 1, 1}));
  EXPECT_LE(max_abs_diff(average[0], graph_fixture("global_pool_average")), kReferenceKernelVsPyTorchMaxAbs);
  EXPECT_EQ(max_abs_diff(max[0], graph_fixture("global_pool_max")), 0.0);
}

TEST(GraphPool, AutoPadAndCeilModeSizesFollowTheOnnxFormulas) {
  // SAME_LOWER on 5 with kernel 2, stride 2: out ceil(5 / 2) = 3, total pad (3 - 1) * 2 + 2 - 5 = 1, at
  // the beginning. ceil_mode is dropped: SAME fixes the size.
  auto node = graph_node("MaxPool", {{"kernel_shape", Ints{2}}, {"strides", Ints{2}},
                                     {"auto_pad", std::string("SAME_LOWER")}, {"ceil_mode", std::int64_t{1}}});
  engine::graph::resolve_pool_pads(node, {1, 1, 5});
  EXPECT_EQ(node.get_ints("pads"), (Ints{1, 0}));
  EXPECT_EQ(node.get_int("ceil_mode", -1), 0);
  // [1..5] padded at the front: windows {pad, 1}, {2, 3}, {4, 5}.
  Tensor x(DType::f32, {1, 1, 5});
  for (int i = 0; i < 5; ++i) x.data<float>()[i] = static_cast<float>(i + 1);
  const auto y = run_graph_op(node, {&x});
  ASSERT_EQ(y[0].shape(), (Shape{1, 1, 3}));
  EXPECT_EQ(y[0].data<float>()[0], 1);
  EXPECT_EQ(y[0].data<float>()[1], 3);
  EXPECT_EQ(y[0].data<float>()[2], 5);
  // ceil_mode on 6 with kernel 2, stride 2, pads (1, 1): ceil((6 + 2 - 2) / 2) + 1 = 4 windows,
  // starting at -1, 1, 3, 5; the last starts inside X (5 < 6), so it stays.
  auto ceil = graph_node("AveragePool", {{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"pads", Ints{1, 1}},
                                         {"ceil_mode", std::int64_t{1}}});
  const auto window = engine::graph::pool_window(ceil, {1, 1, 6});
  EXPECT_EQ(engine::graph::window_output_sizes(ceil, window, {1, 1, 6}), (Ints{4}));
  // Kernel 2, stride 2, pads (0, 1) on 4: ceil(3 / 2) + 1 = 3 windows would start at 0, 2, 4; the one
  // at 4 lies wholly in the end pad and is dropped.
  auto dropped = graph_node("AveragePool", {{"kernel_shape", Ints{2}}, {"strides", Ints{2}}, {"pads", Ints{0, 1}},
                                            {"ceil_mode", std::int64_t{1}}});
  EXPECT_EQ(engine::graph::window_output_sizes(dropped, engine::graph::pool_window(dropped, {1, 1, 4}), {1, 1, 4}),
            (Ints{2}));
}

TEST(GraphPool, MissingKernelShapeIsABadModel) {
  Tensor x(DType::f32, {1, 1, 4, 4});
  EXPECT_THROW(run_graph_op(graph_node("MaxPool", {}), {&x}), Error);
}

}  // namespace
}  // namespace deepimage::testing

namespace deepimage::testing {
namespace {

TEST(GraphPool, DilatedAveragePoolByHand) {
  // X = 1..6, kernel 2 with dilation 2: windows {1, 3}, {2, 4}, {3, 5}, {4, 6}.
  const Tensor x = tensor_of<float>({1, 1, 6}, {1, 2, 3, 4, 5, 6});
  const auto y = run_graph_op(graph_node("AveragePool", {{"kernel_shape", Ints{2}}, {"dilations", Ints{2}}}), {&x});
  EXPECT_EQ(values_of<float>(y.at(0)), (std::vector<float>{2, 3, 4, 5}));
}

}  // namespace
}  // namespace deepimage::testing

namespace deepimage::testing {
namespace {

TEST(GraphPool, MaxPoolTakesUint8ByHand) {
  const Tensor x = tensor_of<std::uint8_t>({1, 1, 2, 3}, {5, 200, 7, 250, 1, 9});
  const auto y = run_graph_op(graph_node("MaxPool", {{"kernel_shape", Ints{2, 2}}}), {&x});
  ASSERT_EQ(y.at(0).dtype(), DType::u8);
  EXPECT_EQ(values_of<std::uint8_t>(y[0]), (std::vector<std::uint8_t>{250, 200}));
}

}  // namespace
}  // namespace deepimage::testing
