// Pad against PyTorch's F.pad and numpy's np.pad (scripts/make_graph_kernel_references.py) and by hand.
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "support/compare.hpp"
#include "unit/engine/graph/kernel_test_support.hpp"

namespace deepimage::testing {
namespace {

using Ints = std::vector<std::int64_t>;

void expect_pad_matches(const std::string& fixture, const std::string& mode, const Ints& pads, const Ints& axes = {},
                        const Tensor* constant_value = nullptr) {
  const Tensor x = graph_fixture(fixture + "_x"), y = graph_fixture(fixture + "_y");
  const Tensor p = tensor_of<std::int64_t>({static_cast<std::int64_t>(pads.size())}, pads);
  const Tensor a = tensor_of<std::int64_t>({static_cast<std::int64_t>(axes.size())}, axes);
  const auto out = run_graph_op(graph_node("Pad", {{"mode", mode}}), {&x, &p, constant_value, axes.empty() ? nullptr : &a});
  ASSERT_EQ(out.at(0).shape(), y.shape()) << fixture;
  EXPECT_EQ(max_abs_diff(out[0], y), 0.0) << fixture;  // copies: exact
}

TEST(GraphPad, ConstantWithNegativePadsMatchesPyTorch) {
  const Tensor value = tensor_of<float>({}, {2.5f});
  expect_pad_matches("pad_constant", "constant", {0, 1, 1, 2, 0, 0, 2, -1}, {}, &value);
}

TEST(GraphPad, ReflectEdgeAndWrapMatchPyTorch) {
  expect_pad_matches("pad_reflect", "reflect", {0, 0, 2, 3, 0, 0, 1, 2});
  expect_pad_matches("pad_edge", "edge", {0, 0, 2, 5, 0, 0, 4, 1});
  expect_pad_matches("pad_wrap", "wrap", {0, 0, 1, 2, 0, 0, 2, 3});
}

TEST(GraphPad, AxesInputPadsOnlyThoseAxes) {
  expect_pad_matches("pad_reflect", "reflect", {2, 3, 1, 2}, {2, -1});
}

TEST(GraphPad, ReflectLongerThanTheAxisMatchesNumpy) {
  expect_pad_matches("pad_reflect_long", "reflect", {0, 0, 0, 5, 0, 0, 0, 6});
}

TEST(GraphPad, CopiesAnyElementTypeByHand) {
  const Tensor x = tensor_of<std::int64_t>({3}, {7, 8, 9});
  const Tensor pads = tensor_of<std::int64_t>({2}, {2, 1});
  const Tensor value = tensor_of<std::int64_t>({1}, {-1});
  auto y = run_graph_op(graph_node("Pad", {}), {&x, &pads, &value});
  EXPECT_EQ(values_of<std::int64_t>(y.at(0)), (Ints{-1, -1, 7, 8, 9, -1}));
  y = run_graph_op(graph_node("Pad", {{"mode", std::string("reflect")}}), {&x, &pads});
  EXPECT_EQ(values_of<std::int64_t>(y.at(0)), (Ints{9, 8, 7, 8, 9, 8}));
}

TEST(GraphPad, WrongPadCountAndOvercropAreBadModels) {
  const Tensor x(DType::f32, {2, 3});
  const Tensor three = tensor_of<std::int64_t>({3}, {1, 1, 1});
  EXPECT_THROW(run_graph_op(graph_node("Pad", {}), {&x, &three}), Error);
  const Tensor overcrop = tensor_of<std::int64_t>({4}, {0, -2, 0, -2});
  EXPECT_THROW(run_graph_op(graph_node("Pad", {}), {&x, &overcrop}), Error);
  const Tensor pads = tensor_of<std::int64_t>({4}, {0, 1, 0, 1});
  EXPECT_THROW(run_graph_op(graph_node("Pad", {{"mode", std::string("mirror")}}), {&x, &pads}), Error);
}

}  // namespace
}  // namespace deepimage::testing
