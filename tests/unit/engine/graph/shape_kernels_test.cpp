// Reshape, Flatten, Squeeze, Unsqueeze, Shape, Concat, Cast and ConstantOfShape on hand-computed values:
// the ONNX rules exporters' shape arithmetic relies on (Reshape's 0 and -1, Shape's start/end, Cast's
// truncation, Concat of int64 shape pieces).
#include <gtest/gtest.h>

#include <numeric>

#include "deepimage/error.hpp"

#include "unit/engine/graph/kernel_test_support.hpp"

namespace deepimage::testing {
namespace {

using engine::graph::Attribute;
using Ints = std::vector<std::int64_t>;

Tensor int64s(Shape shape, std::vector<std::int64_t> values) {
  Tensor t(DType::i64, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<std::int64_t>());
  return t;
}

Tensor iota_f32(Shape shape) {
  Tensor t(DType::f32, std::move(shape));
  std::iota(t.data<float>(), t.data<float>() + t.element_count(), 0.0f);
  return t;
}

Ints values_of(const Tensor& t) {
  const Tensor i = t.converted(DType::i64);
  return {i.data<std::int64_t>(), i.data<std::int64_t>() + i.element_count()};
}

Shape shape_after(const std::string& op, std::map<std::string, Attribute> attributes, const Tensor& x,
                  const Tensor* operand) {
  const auto out = run_graph_op(graph_node(op, std::move(attributes)), operand ? std::vector<const Tensor*>{&x, operand}
                                                                              : std::vector<const Tensor*>{&x});
  EXPECT_EQ(out.at(0).element_count(), x.element_count());
  EXPECT_EQ(values_of(out.at(0)), values_of(x)) << op << " must keep the C order";
  return out.at(0).shape();
}

TEST(GraphShapeOps, ReshapeCopiesZerosAndInfersMinusOne) {
  const Tensor x = iota_f32({2, 3, 4});
  const Tensor spec = int64s({3}, {0, -1, 2});
  EXPECT_EQ(shape_after("Reshape", {}, x, &spec), (Shape{2, 6, 2}));
  const Tensor flat = int64s({1}, {-1});
  EXPECT_EQ(shape_after("Reshape", {}, x, &flat), (Shape{24}));
}

TEST(GraphShapeOps, ReshapeWithAllowZeroKeepsZeroSizes) {
  const Tensor x(DType::f32, {0, 3});
  const Tensor spec = int64s({2}, {3, 0});
  EXPECT_EQ(shape_after("Reshape", {{"allowzero", std::int64_t{1}}}, x, &spec), (Shape{3, 0}));
}

TEST(GraphShapeOps, ReshapeToAnotherElementCountIsNamed) {
  const Tensor x = iota_f32({2, 3});
  const Tensor spec = int64s({2}, {4, -1});
  try {
    run_graph_op(graph_node("Reshape", {}), {&x, &spec});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "Reshape node \"Reshape_test\": cannot reshape (2, 3) to (4, -1)");
  }
}

TEST(GraphShapeOps, FlattenAroundAxis) {
  const Tensor x = iota_f32({2, 3, 4, 5});
  EXPECT_EQ(shape_after("Flatten", {}, x, nullptr), (Shape{2, 60}));
  EXPECT_EQ(shape_after("Flatten", {{"axis", std::int64_t{0}}}, x, nullptr), (Shape{1, 120}));
  EXPECT_EQ(shape_after("Flatten", {{"axis", std::int64_t{-1}}}, x, nullptr), (Shape{24, 5}));
  EXPECT_EQ(shape_after("Flatten", {{"axis", std::int64_t{4}}}, x, nullptr), (Shape{120, 1}));
}

TEST(GraphShapeOps, SqueezeAndUnsqueezeWithAxesInputs) {
  const Tensor x = iota_f32({1, 3, 1, 2});
  EXPECT_EQ(shape_after("Squeeze", {}, x, nullptr), (Shape{3, 2}));
  const Tensor no_axes(DType::i64, {0});
  EXPECT_EQ(shape_after("Squeeze", {}, x, &no_axes), (Shape{3, 2}));
  const Tensor minus2 = int64s({1}, {-2});
  EXPECT_EQ(shape_after("Squeeze", {}, x, &minus2), (Shape{1, 3, 2}));
  const Tensor axes = int64s({2}, {0, -1});
  EXPECT_EQ(shape_after("Unsqueeze", {}, x, &axes), (Shape{1, 1, 3, 1, 2, 1}));
}

TEST(GraphShapeOps, SqueezingASizeAboveOneIsRefused) {
  const Tensor x = iota_f32({1, 3});
  const Tensor axes = int64s({1}, {1});
  EXPECT_THROW(run_graph_op(graph_node("Squeeze", {}), {&x, &axes}), Error);
}

TEST(GraphShapeOps, ShapeWithStartAndEnd) {
  const Tensor x(DType::f32, {2, 3, 4, 5});
  auto shape_of = [&](std::map<std::string, Attribute> attributes) {
    const auto out = run_graph_op(graph_node("Shape", std::move(attributes)), {&x});
    EXPECT_EQ(out.at(0).dtype(), DType::i64);
    return values_of(out.at(0));
  };
  EXPECT_EQ(shape_of({}), (Ints{2, 3, 4, 5}));
  EXPECT_EQ(shape_of({{"start", std::int64_t{1}}, {"end", std::int64_t{-1}}}), (Ints{3, 4}));
  EXPECT_EQ(shape_of({{"start", std::int64_t{-10}}, {"end", std::int64_t{10}}}), (Ints{2, 3, 4, 5}));
  EXPECT_EQ(shape_of({{"start", std::int64_t{3}}, {"end", std::int64_t{1}}}), (Ints{}));
}

TEST(GraphShapeOps, ConcatOfInt64ShapePiecesAndEmptyInputs) {
  const Tensor n = int64s({1}, {1}), rest = int64s({2}, {-1, 64}), none(DType::i64, {0});
  const auto out = run_graph_op(graph_node("Concat", {{"axis", std::int64_t{0}}}), {&n, &none, &rest});
  EXPECT_EQ(values_of(out.at(0)), (Ints{1, -1, 64}));
}

TEST(GraphShapeOps, ConcatAlongAnInnerAxis) {
  const Tensor a = iota_f32({2, 1, 2}), b = iota_f32({2, 2, 2});
  const auto out = run_graph_op(graph_node("Concat", {{"axis", std::int64_t{-2}}}), {&a, &b});
  ASSERT_EQ(out.at(0).shape(), (Shape{2, 3, 2}));
  // a = [[[0,1]],[[2,3]]], b = [[[0,1],[2,3]],[[4,5],[6,7]]]
  EXPECT_EQ(values_of(out.at(0)), (Ints{0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 6, 7}));
}

TEST(GraphShapeOps, CastTruncatesWrapsAndTestsNonZero) {
  Tensor x(DType::f32, {5});
  const float values[] = {2.7f, -2.7f, 0.0f, 300.5f, -0.4f};
  std::copy(std::begin(values), std::end(values), x.data<float>());
  auto cast = [&](const Tensor& t, std::int64_t to) { return run_graph_op(graph_node("Cast", {{"to", to}}), {&t}).at(0); };
  const Tensor i32 = cast(x, 6);
  ASSERT_EQ(i32.dtype(), DType::i32);
  EXPECT_EQ(values_of(i32), (Ints{2, -2, 0, 300, 0}));
  const Tensor b = cast(x, 9);
  ASSERT_EQ(b.dtype(), DType::boolean);
  EXPECT_EQ(values_of(b), (Ints{1, 1, 0, 1, 1}));
  const Tensor u8 = cast(int64s({3}, {-1, 256, 7}), 2);  // integers wrap modulo 256, as numpy's astype
  ASSERT_EQ(u8.dtype(), DType::u8);
  EXPECT_EQ(values_of(u8), (Ints{255, 0, 7}));
  const Tensor d = cast(int64s({2}, {3, -4}), 11);
  ASSERT_EQ(d.dtype(), DType::f64);
  EXPECT_EQ(d.data<double>()[1], -4.0);
  for (const std::int64_t to : {1, 3, 4, 5, 7, 12, 13}) EXPECT_NO_THROW(cast(x, to)) << to;
}

TEST(GraphShapeOps, CastToFloat16IsUnsupported) {
  const Tensor x(DType::f32, {1});
  try {
    run_graph_op(graph_node("Cast", {{"to", std::int64_t{10}}}), {&x});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

TEST(GraphShapeOps, ConstantOfShapeFillsWithTheValueInput) {
  // Its only data input is the shape operand, so specialize() always folds it: the kernel runs on constants.
  const auto* op = engine::graph::find_graph_op("ConstantOfShape");
  ASSERT_NE(op, nullptr);
  const auto node = graph_node("ConstantOfShape", {});
  const Tensor shape = int64s({2}, {2, 3});
  const auto zeros = op->reference(node, {&shape});
  ASSERT_EQ(zeros.at(0).dtype(), DType::f32);
  EXPECT_EQ(values_of(zeros.at(0)), (Ints(6, 0)));
  const Tensor seven = int64s({1}, {7});
  const auto filled = op->reference(node, {&shape, &seven});
  ASSERT_EQ(filled.at(0).dtype(), DType::i64);
  ASSERT_EQ(filled.at(0).shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of(filled.at(0)), (Ints(6, 7)));
}

TEST(GraphShapeOps, ShapeOperandComputedAtRunTimeIsNamed) {
  engine::graph::Value shape;
  shape.name = "dynamic_shape";
  shape.dtype = DType::i64;
  shape.shape = {2};
  shape.shape_known = true;
  const auto* op = engine::graph::find_graph_op("ConstantOfShape");
  try {
    op->infer(graph_node("ConstantOfShape", {}), {&shape});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::bad_model);
    EXPECT_EQ(std::string(e.what()), "ConstantOfShape node \"ConstantOfShape_test\": shape (input 0, "
                                     "\"dynamic_shape\") is computed at run time; the native engine needs it constant");
  }
}

}  // namespace
}  // namespace deepimage::testing
