#include <gtest/gtest.h>

#include <set>
#include <string>

#include "deepimage/error.hpp"
#include "model/spec_json.hpp"
#include "naive_reference.hpp"
#include "ops/op.hpp"

namespace deepimage::ops {
namespace {

using test::kFloat32Tolerance;

TEST(Registry, HoldsExactlyTheBioimageioOps) {
  const std::set<std::string> expected{"binarize", "clip", "ensure_dtype", "fixed_zero_mean_unit_variance",
                                       "scale_linear", "scale_mean_variance", "scale_range", "sigmoid",
                                       "softmax", "zero_mean_unit_variance"};
  std::set<std::string> ids;
  for (const auto& op : builtin_ops()) {
    EXPECT_TRUE(ids.insert(op.id).second) << "duplicate " << op.id;
    EXPECT_FALSE(op.summary.empty()) << op.id;
    EXPECT_TRUE(static_cast<bool>(op.apply)) << op.id;
    for (const auto& p : op.params) {
      EXPECT_FALSE(p.summary.empty()) << op.id << "." << p.name;
      EXPECT_FALSE(p.type.empty()) << op.id << "." << p.name;
    }
  }
  EXPECT_EQ(ids, expected);
}

TEST(Registry, StatisticsOpsDeclareIt) {
  for (const auto& op : builtin_ops()) {
    const bool stats = op.id == "zero_mean_unit_variance" || op.id == "scale_range" || op.id == "scale_mean_variance";
    EXPECT_EQ(op.needs_statistics(), stats) << op.id;
  }
}

TEST(Registry, FindsById) { EXPECT_EQ(find_op("scale_range").id, "scale_range"); }

TEST(Registry, UnknownOpListsTheKnownOnes) {
  try {
    find_op("foo");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_EQ(std::string(e.what()),
              "unknown processing op \"foo\" (known: binarize, clip, ensure_dtype, fixed_zero_mean_unit_variance, "
              "scale_linear, scale_mean_variance, scale_range, sigmoid, softmax, zero_mean_unit_variance)");
  }
}

TEST(ApplyOps, RunsTheListInOrder) {
  Tensor x(DType::f32, {1, 1, 2, 2}, "bcyx");
  float* p = x.data<float>();
  p[0] = -1.0f, p[1] = 0.2f, p[2] = 0.7f, p[3] = 3.0f;
  const std::vector<OpSpec> ops{make_op("scale_linear", {{"gain", 100.0}, {"offset", 1.0}}),
                                make_op("clip", {{"min", 0.0}, {"max", 255.0}}),
                                make_op("ensure_dtype", {{"dtype", "uint8"}})};
  const Tensor y = apply_ops(x, ops, {});
  ASSERT_EQ(y.dtype(), DType::u8);
  EXPECT_EQ(y.axes(), "bcyx");
  const std::uint8_t* q = y.data<std::uint8_t>();
  // By hand: -99 -> 0, 21, 71, 301 -> 255.
  EXPECT_EQ(q[0], 0);
  EXPECT_EQ(q[1], 21);
  EXPECT_EQ(q[2], 71);
  EXPECT_EQ(q[3], 255);
}

TEST(ApplyOps, EmptyListReturnsTheTensor) {
  const Tensor x = test::random_tensor({2, 3}, "yx", 1);
  const Tensor y = apply_ops(x, {}, {});
  EXPECT_LT(test::max_relative_error(y, test::values_of(x)), kFloat32Tolerance);
}

TEST(ApplyOps, UnknownOpInTheList) {
  const Tensor x = test::random_tensor({2, 3}, "yx", 1);
  EXPECT_THROW(apply_ops(x, {make_op("sigmoid", nullptr), make_op("normalize", nullptr)}, {}), Error);
}

}  // namespace
}  // namespace deepimage::ops
