// BatchNormalization and InstanceNormalization against PyTorch (scripts/make_graph_kernel_references.py).
#include <gtest/gtest.h>

#include "deepimage/error.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/graph/kernel_test_support.hpp"

namespace deepimage::testing {
namespace {

TEST(GraphNormalization, BatchNormalizationMatchesPyTorch) {
  for (const std::string fixture : {"batchnorm2d", "batchnorm1d"}) {
    const Tensor x = graph_fixture(fixture + "_x"), scale = graph_fixture(fixture + "_scale"),
                 b = graph_fixture(fixture + "_b"), mean = graph_fixture(fixture + "_mean"),
                 var = graph_fixture(fixture + "_var"), y = graph_fixture(fixture + "_y");
    const auto out = run_graph_op(graph_node("BatchNormalization", {{"epsilon", 1e-3}}), {&x, &scale, &b, &mean, &var});
    ASSERT_EQ(out.at(0).shape(), y.shape());
    EXPECT_LE(max_abs_diff(out[0], y), kReferenceKernelVsPyTorchMaxAbs) << fixture;
  }
}

TEST(GraphNormalization, InstanceNormalizationMatchesPyTorch) {
  for (const std::string fixture : {"instancenorm2d", "instancenorm1d"}) {
    const Tensor x = graph_fixture(fixture + "_x"), scale = graph_fixture(fixture + "_scale"),
                 b = graph_fixture(fixture + "_b"), y = graph_fixture(fixture + "_y");
    const auto out = run_graph_op(graph_node("InstanceNormalization", {}), {&x, &scale, &b});
    ASSERT_EQ(out.at(0).shape(), y.shape());
    EXPECT_LE(max_abs_diff(out[0], y), kReferenceKernelVsPyTorchMaxAbs) << fixture;
  }
}

TEST(GraphNormalization, TrainingModeAndWrongChannelCountsAreRefused) {
  const Tensor x(DType::f32, {1, 2, 3, 3}), c2(DType::f32, {2}), c3(DType::f32, {3});
  try {
    run_graph_op(graph_node("BatchNormalization", {}), {&x, &c2, &c2, &c2, &c3});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input input_var has shape (3), expected (2)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_graph_op(graph_node("BatchNormalization", {{"training_mode", std::int64_t{1}}}),
                            {&x, &c2, &c2, &c2, &c2}),
               Error);
  EXPECT_THROW(run_graph_op(graph_node("BatchNormalization", {}, 3), {&x, &c2, &c2, &c2, &c2}), Error);
  EXPECT_THROW(run_graph_op(graph_node("InstanceNormalization", {}), {&x, &c3, &c2}), Error);
}

}  // namespace
}  // namespace deepimage::testing
