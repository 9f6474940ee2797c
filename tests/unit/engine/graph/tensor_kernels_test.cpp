// The elementwise, softmax, indexing, reduction and matrix-product reference kernels (and their shape
// inference, through run_graph_op) against numpy references (scripts/make_graph_tensor_references.py).
#include <gtest/gtest.h>

#include <cmath>

#include "deepimage/error.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/graph/kernel_test_support.hpp"

namespace deepimage::testing {
namespace {

using engine::graph::Attribute;
using Ints = std::vector<std::int64_t>;
using Attributes = std::map<std::string, Attribute>;

Tensor int64s(Shape shape, std::vector<std::int64_t> values) {
  Tensor t(DType::i64, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<std::int64_t>());
  return t;
}

void expect_matches(const std::string& op, const Attributes& attributes, const std::vector<const Tensor*>& inputs,
                    const std::string& expected_fixture) {
  const Tensor expected = graph_fixture(expected_fixture);
  const auto out = run_graph_op(graph_node(op, attributes), inputs);
  ASSERT_EQ(out.size(), 1u) << op;
  ASSERT_EQ(shape_to_string(out[0].shape()), shape_to_string(expected.shape())) << expected_fixture;
  ASSERT_EQ(out[0].dtype(), expected.dtype()) << expected_fixture;
  EXPECT_LE(max_abs_diff(out[0], expected), kReferenceKernelVsNumpyMaxAbs) << expected_fixture;
}

TEST(GraphElementwise, ArithmeticBroadcastsLikeNumpy) {
  const Tensor a = graph_fixture("arith_a"), b = graph_fixture("arith_b");
  for (const auto& [op, fixture] : std::vector<std::pair<std::string, std::string>>{
           {"Add", "arith_add"}, {"Sub", "arith_sub"}, {"Mul", "arith_mul"}, {"Div", "arith_div"}})
    expect_matches(op, {}, {&a, &b}, fixture);
}

TEST(GraphElementwise, PowBroadcastsTheExponent) {
  const Tensor a = graph_fixture("pow_a"), b = graph_fixture("pow_b");
  expect_matches("Pow", {}, {&a, &b}, "pow_y");
}

TEST(GraphElementwise, PowTakesAnInt64Exponent) {
  const Tensor a = graph_fixture("pow_a"), two = int64s({}, {2});
  const auto out = run_graph_op(graph_node("Pow", {}), {&a, &two});
  ASSERT_EQ(out[0].dtype(), DType::f32);
  for (std::int64_t i = 0; i < a.element_count(); ++i)
    EXPECT_FLOAT_EQ(out[0].data<float>()[i], a.data<float>()[i] * a.data<float>()[i]);
}

TEST(GraphElementwise, PReluBroadcastsTheSlopePerChannel) {
  const Tensor x = graph_fixture("prelu_x"), slope = graph_fixture("prelu_slope");
  expect_matches("PRelu", {}, {&x, &slope}, "prelu_y");
}

TEST(GraphElementwise, Int64DivTruncatesTowardZeroLikeOnnx) {
  const Tensor a = int64s({4}, {7, -7, 7, -7}), b = int64s({4}, {2, 2, -2, -2});
  const auto out = run_graph_op(graph_node("Div", {}), {&a, &b});
  ASSERT_EQ(out[0].dtype(), DType::i64);
  EXPECT_EQ(std::vector<std::int64_t>(out[0].data<std::int64_t>(), out[0].data<std::int64_t>() + 4),
            (Ints{3, -3, -3, 3}));  // numpy's // would give 3, -4, -4, 3
}

TEST(GraphElementwise, Int64ShapeArithmetic) {
  const Tensor shape = int64s({3}, {1, 64, 32}), two = int64s({1}, {2});
  const auto product = run_graph_op(graph_node("Mul", {}), {&shape, &two});
  const auto sum = run_graph_op(graph_node("Add", {}), {&shape, &two});
  const auto difference = run_graph_op(graph_node("Sub", {}), {&shape, &two});
  EXPECT_EQ(std::vector<std::int64_t>(product[0].data<std::int64_t>(), product[0].data<std::int64_t>() + 3),
            (Ints{2, 128, 64}));
  EXPECT_EQ(std::vector<std::int64_t>(sum[0].data<std::int64_t>(), sum[0].data<std::int64_t>() + 3), (Ints{3, 66, 34}));
  EXPECT_EQ(std::vector<std::int64_t>(difference[0].data<std::int64_t>(), difference[0].data<std::int64_t>() + 3),
            (Ints{-1, 62, 30}));
}

TEST(GraphElementwise, Uint8ArithmeticWrapsLikeNumpy) {
  Tensor a(DType::u8, {3}), b(DType::u8, {3});
  const std::uint8_t av[] = {200, 3, 9}, bv[] = {2, 5, 4};
  std::copy(std::begin(av), std::end(av), a.data<std::uint8_t>());
  std::copy(std::begin(bv), std::end(bv), b.data<std::uint8_t>());
  auto run = [&](const std::string& op) {
    const auto out = run_graph_op(graph_node(op, {}), {&a, &b});
    EXPECT_EQ(out.at(0).dtype(), DType::u8) << op;
    return std::vector<int>(out.at(0).data<std::uint8_t>(), out.at(0).data<std::uint8_t>() + 3);
  };
  EXPECT_EQ(run("Mul"), (std::vector<int>{144, 15, 36}));  // 400 mod 256
  EXPECT_EQ(run("Sub"), (std::vector<int>{198, 254, 5}));  // 3 - 5 wraps to 254
  EXPECT_EQ(run("Div"), (std::vector<int>{100, 0, 2}));
}

TEST(GraphElementwise, MixedInputTypesAreRefused) {
  const Tensor a(DType::f32, {2}), b(DType::i64, {2});
  const auto* op = engine::graph::find_graph_op("Add");
  EXPECT_THROW(op->reference(graph_node("Add", {}), {&a, &b}), Error);
}

TEST(GraphElementwise, ShapesThatDoNotBroadcastNameTheNode) {
  const Tensor a(DType::f32, {2, 3}), b(DType::f32, {4});
  try {
    run_graph_op(graph_node("Add", {}), {&a, &b});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "Add node \"Add_test\": shapes (2, 3) and (4) do not broadcast");
  }
}

TEST(GraphElementwise, ComparisonsGiveBool) {
  const Tensor a = int64s({3}, {1, 5, 3}), b = int64s({}, {3});
  const std::vector<std::pair<std::string, std::vector<bool>>> cases = {
      {"Equal", {false, false, true}}, {"Less", {true, false, false}}, {"Greater", {false, true, false}}};
  for (const auto& [op, expected] : cases) {
    const auto out = run_graph_op(graph_node(op, {}), {&a, &b});
    ASSERT_EQ(out[0].dtype(), DType::boolean) << op;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(out[0].data<bool>()[i], expected[static_cast<std::size_t>(i)]) << op << i;
  }
}

TEST(GraphElementwise, WhereBroadcastsAllThree) {
  const Tensor c = graph_fixture("where_cond"), a = graph_fixture("where_a"), b = graph_fixture("where_b");
  expect_matches("Where", {}, {&c, &a, &b}, "where_y");
}

TEST(GraphUnary, PointwiseFunctionsMatchNumpy) {
  const Tensor x = graph_fixture("unary_x");
  const std::vector<std::tuple<std::string, Attributes, std::string>> cases = {
      {"Relu", {}, "unary_relu"},        {"Sigmoid", {}, "unary_sigmoid"},
      {"Tanh", {}, "unary_tanh"},        {"Exp", {}, "unary_exp"},
      {"Abs", {}, "unary_abs"},          {"Neg", {}, "unary_neg"},
      {"Floor", {}, "unary_floor"},      {"Ceil", {}, "unary_ceil"},
      {"Erf", {}, "unary_erf"},          {"Identity", {}, "unary_x"},
      {"LeakyRelu", {{"alpha", 0.1}}, "unary_leaky_relu"},
      {"Elu", {{"alpha", 0.5}}, "unary_elu"}};
  for (const auto& [op, attributes, fixture] : cases) expect_matches(op, attributes, {&x}, fixture);
}

TEST(GraphElementwise, MaxAndMinBroadcastAndPropagateNaN) {
  Tensor a(DType::f32, {2, 2}), b(DType::f32, {2});
  const float av[] = {1.0f, -2.0f, NAN, 4.0f}, bv[] = {0.5f, 3.0f};
  std::copy(av, av + 4, a.data<float>());
  std::copy(bv, bv + 2, b.data<float>());
  const auto max = run_graph_op(graph_node("Max", {}), {&a, &b});
  const auto min = run_graph_op(graph_node("Min", {}), {&b, &a});
  const float max_expected[] = {1.0f, 3.0f, NAN, 4.0f}, min_expected[] = {0.5f, -2.0f, NAN, 3.0f};
  for (int i = 0; i < 4; ++i) {
    if (std::isnan(max_expected[i])) {
      EXPECT_TRUE(std::isnan(max[0].data<float>()[i]));
      EXPECT_TRUE(std::isnan(min[0].data<float>()[i]));
      continue;
    }
    EXPECT_EQ(max[0].data<float>()[i], max_expected[i]) << i;
    EXPECT_EQ(min[0].data<float>()[i], min_expected[i]) << i;
  }
}

TEST(GraphUnary, LogAndSoftplusMatchTheirFormulas) {
  Tensor x(DType::f32, {5});
  const float xv[] = {0.25f, 1.0f, 3.0f, -30.0f, 100.0f};
  std::copy(xv, xv + 5, x.data<float>());
  const auto log = run_graph_op(graph_node("Log", {}), {&x});
  const auto softplus = run_graph_op(graph_node("Softplus", {}), {&x});
  for (int i = 0; i < 3; ++i) EXPECT_FLOAT_EQ(log[0].data<float>()[i], std::log(xv[i]));
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(softplus[0].data<float>()[i], std::log(1.0 + std::exp(double(xv[i]))), 1e-6);
  EXPECT_FLOAT_EQ(softplus[0].data<float>()[4], 100.0f);  // e^100 overflows float: the stable form gives x
}

TEST(GraphUnary, ReluKeepsNaN) {
  Tensor x(DType::f32, {3});
  x.data<float>()[0] = std::nanf("");
  x.data<float>()[1] = -2;
  x.data<float>()[2] = 3;
  const Tensor y = run_graph_op(graph_node("Relu", {}), {&x}).at(0);
  EXPECT_TRUE(std::isnan(y.data<float>()[0]));
  EXPECT_EQ(y.data<float>()[1], 0);
  EXPECT_EQ(y.data<float>()[2], 3);
}

TEST(GraphUnary, SqrtMatchesNumpy) {
  const Tensor x = graph_fixture("unary_abs");
  expect_matches("Sqrt", {}, {&x}, "unary_sqrt");
}

TEST(GraphUnary, ClipTakesOptionalMinAndMaxInputs) {
  const Tensor x = graph_fixture("unary_x");
  Tensor lo(DType::f32, {}), hi(DType::f32, {});
  lo.data<float>()[0] = -0.5f;
  hi.data<float>()[0] = 1.25f;
  expect_matches("Clip", {}, {&x, &lo, &hi}, "unary_clip");
  expect_matches("Clip", {}, {&x, nullptr, nullptr}, "unary_x");
  const auto only_max = run_graph_op(graph_node("Clip", {}), {&x, nullptr, &hi});
  for (std::int64_t i = 0; i < x.element_count(); ++i)
    EXPECT_EQ(only_max[0].data<float>()[i], std::min(x.data<float>()[i], 1.25f));
}

TEST(GraphSoftmax, Opset13AxisAndLegacyFlattening) {
  const Tensor x = graph_fixture("softmax_x");
  expect_matches("Softmax", {{"axis", std::int64_t{1}}}, {&x}, "softmax_axis1");
  expect_matches("Softmax", {{"axis", std::int64_t{1}}, {"legacy", std::int64_t{1}}}, {&x}, "softmax_legacy1");
  expect_matches("Softmax", {{"legacy", std::int64_t{1}}}, {&x}, "softmax_legacy1");  // legacy default axis 1
}

TEST(GraphIndexing, TransposeMatchesNumpy) {
  const Tensor x = graph_fixture("transpose_x");
  expect_matches("Transpose", {{"perm", Ints{0, 2, 3, 1}}}, {&x}, "transpose_y");
}

TEST(GraphIndexing, SliceClampsAndStepsBackwards) {
  const Tensor x = graph_fixture("slice_x");
  // x[-1::-2, :, 1:5:2]: an end far below -size clamps to "through element 0".
  const Tensor starts = int64s({2}, {-1, 1}), ends = int64s({2}, {INT64_MIN, 5}), axes = int64s({2}, {0, 2}),
               steps = int64s({2}, {-2, 2});
  expect_matches("Slice", {}, {&x, &starts, &ends, &axes, &steps}, "slice_negative_step");
  // x[:, 1:, :] with an end past the size and a negative axis.
  const Tensor s1 = int64s({1}, {1}), e1 = int64s({1}, {1000}), a1 = int64s({1}, {-2});
  expect_matches("Slice", {}, {&x, &s1, &e1, &a1, nullptr}, "slice_clamped");
  // x[:, ::-1, :]: start INT64_MAX clamps to the last element, end INT64_MIN past the first.
  const Tensor s2 = int64s({1}, {INT64_MAX}), e2 = int64s({1}, {INT64_MIN}), a2 = int64s({1}, {1}),
               st2 = int64s({1}, {-1});
  expect_matches("Slice", {}, {&x, &s2, &e2, &a2, &st2}, "slice_reverse_all");
}

TEST(GraphIndexing, GatherTakesNegativeIndices) {
  const Tensor x = graph_fixture("gather_x"), indices = graph_fixture("gather_indices");
  expect_matches("Gather", {{"axis", std::int64_t{1}}}, {&x, &indices}, "gather_axis1");
  const Tensor indices32 = indices.converted(DType::i32);
  expect_matches("Gather", {{"axis", std::int64_t{1}}}, {&x, &indices32}, "gather_axis1");
}

TEST(GraphIndexing, GatherOutOfRangeIndexIsNamed) {
  const Tensor x(DType::f32, {3, 4}), indices = int64s({1}, {-5});
  try {
    run_graph_op(graph_node("Gather", {{"axis", std::int64_t{1}}}), {&x, &indices});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "Gather node \"Gather_test\": index -5 is outside [-4, 4) along axis 1");
  }
}

TEST(GraphIndexing, ExpandBroadcastsToTheShapeOperand) {
  const Tensor x = graph_fixture("expand_x"), shape = int64s({3}, {2, 1, 4});
  expect_matches("Expand", {}, {&x, &shape}, "expand_y");
}

TEST(GraphReduce, MeanMaxMinSumOverAxesMatchNumpy) {
  const Tensor x = graph_fixture("reduce_x");
  const Tensor axes13 = int64s({2}, {1, 3}), last = int64s({1}, {-1}), axes02 = int64s({2}, {0, 2});
  expect_matches("ReduceMean", {}, {&x, &axes13}, "reduce_mean_1_3_keep");
  expect_matches("ReduceSum", {{"keepdims", std::int64_t{0}}}, {&x}, "reduce_sum_all");
  expect_matches("ReduceMax", {}, {&x, &last}, "reduce_max_last_keep");
  expect_matches("ReduceMin", {{"keepdims", std::int64_t{0}}}, {&x, &axes02}, "reduce_min_0_2");
}

TEST(GraphReduce, ProdOverAxes) {
  Tensor x(DType::f32, {2, 3});
  const float xv[] = {1, 2, 3, 4, 5, 6};
  std::copy(xv, xv + 6, x.data<float>());
  const Tensor axes = int64s({1}, {1});
  const auto y = run_graph_op(graph_node("ReduceProd", {{"keepdims", std::int64_t{0}}}), {&x, &axes});
  ASSERT_EQ(y[0].shape(), (Shape{2}));
  EXPECT_FLOAT_EQ(y[0].data<float>()[0], 6.0f);
  EXPECT_FLOAT_EQ(y[0].data<float>()[1], 120.0f);
}

TEST(GraphReduce, EmptyAxesWithNoopLeavesTheInput) {
  const Tensor x = graph_fixture("reduce_x"), none(DType::i64, {0});
  expect_matches("ReduceSum", {{"noop_with_empty_axes", std::int64_t{1}}}, {&x, &none}, "reduce_x");
}

TEST(GraphMatMul, BatchedBroadcastAndVectorOperandsMatchNumpy) {
  const Tensor a = graph_fixture("matmul_a"), b = graph_fixture("matmul_b");
  const Tensor v = graph_fixture("matmul_v"), m = graph_fixture("matmul_m");
  expect_matches("MatMul", {}, {&a, &b}, "matmul_y");
  expect_matches("MatMul", {}, {&v, &b}, "matmul_vb");
  expect_matches("MatMul", {}, {&m, &v}, "matmul_mv");
}

TEST(GraphMatMul, GemmTransposesScalesAndBroadcastsC) {
  const Tensor a = graph_fixture("gemm_a"), b = graph_fixture("gemm_b"), c = graph_fixture("gemm_c");
  expect_matches("Gemm",
                 {{"transA", std::int64_t{1}}, {"transB", std::int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}},
                 {&a, &b, &c}, "gemm_y");
}

}  // namespace
}  // namespace deepimage::testing
