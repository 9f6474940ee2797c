// import_onnx on small models written in the test (one per opset spelling the importer must upgrade)
// and on the real ONNX files in ../shared/realdata: the graph's structure, constants and canonical forms.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "support/cli.hpp"
#include "unit/engine/onnx_model_builder.hpp"

namespace deepimage::testing {
namespace {

using engine::graph::Graph;
using engine::graph::no_value;
using engine::graph::Node;
using engine::graph::ValueId;

std::vector<double> values_of(const Graph& g, ValueId id) {
  EXPECT_TRUE(g.is_constant(id)) << "value " << id << " is not a constant";
  if (!g.is_constant(id)) return {};
  const Tensor t = g.value(id).constant->converted(DType::f64);
  return {t.data<double>(), t.data<double>() + t.element_count()};
}

const Node& only_node(const Graph& g) {
  EXPECT_EQ(g.nodes.size(), 1u);
  return g.nodes.at(0);
}

// The Error code and message `f` throws ("" when it throws none).
std::pair<ErrorCode, std::string> error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ErrorCode::internal, ""};
}

TEST(OnnxImport, InitializersInEveryStorageAreConstants) {
  OnnxModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {2});
  b.floats("f", {2}, {1.5f, -2});
  b.int64s("i64", {2}, {-7, 1LL << 40});
  auto& i32 = b.initializer("i32", onnx::TensorProto::INT32, {3});
  for (int v : {3, -4, 5}) i32.add_int32_data(v);
  auto& f64 = b.initializer("f64", onnx::TensorProto::DOUBLE, {1});
  f64.add_double_data(0.25);
  auto& u8 = b.initializer("u8", onnx::TensorProto::UINT8, {2});
  u8.add_int32_data(200), u8.add_int32_data(7);
  auto& raw = b.initializer("raw", onnx::TensorProto::FLOAT, {2, 1});
  const float raw_values[] = {3.25f, -0.5f};  // little-endian bytes, as ONNX stores raw_data
  raw.set_raw_data(std::string(reinterpret_cast<const char*>(raw_values), sizeof raw_values));
  b.node("Concat", {"x", "f", "raw", "i64", "i32", "f64", "u8"}, {"y"}).integer("axis", 0);
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  ASSERT_EQ(n.inputs.size(), 7u);
  EXPECT_FALSE(g.is_constant(n.inputs[0]));
  EXPECT_EQ(values_of(g, n.inputs[1]), (std::vector<double>{1.5, -2}));
  EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{3.25, -0.5}));
  EXPECT_EQ(g.value(n.inputs[2]).shape, (Shape{2, 1}));
  EXPECT_EQ(g.value(n.inputs[3]).dtype, DType::i64);
  EXPECT_EQ(values_of(g, n.inputs[3]), (std::vector<double>{-7, std::ldexp(1.0, 40)}));
  EXPECT_EQ(g.value(n.inputs[4]).dtype, DType::i32);
  EXPECT_EQ(values_of(g, n.inputs[4]), (std::vector<double>{3, -4, 5}));
  EXPECT_EQ(g.value(n.inputs[5]).dtype, DType::f64);
  EXPECT_EQ(values_of(g, n.inputs[5]), (std::vector<double>{0.25}));
  EXPECT_EQ(g.value(n.inputs[6]).dtype, DType::u8);
  EXPECT_EQ(values_of(g, n.inputs[6]), (std::vector<double>{200, 7}));
  EXPECT_EQ(n.get_int("axis", -1), 0);
}

TEST(OnnxImport, GraphInputsKeepTypeAndShapeAndInitializerInputsAreConstants) {
  OnnxModelBuilder b(11);
  b.input("raw", onnx::TensorProto::FLOAT, {"batch", 1, "y", 64});
  b.input("mask", onnx::TensorProto::INT64, {3});
  b.input("w", onnx::TensorProto::FLOAT, {1});  // IR version < 4 style: the weight is an input and an initializer
  b.floats("w", {1}, {2});
  b.node("Mul", {"raw", "w"}, {"y"});
  b.node("Identity", {"mask"}, {"m"});
  b.output("y"), b.output("m");
  const Graph g = b.import();
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "raw");
  EXPECT_EQ(g.value(g.inputs[0]).dtype, DType::f32);
  EXPECT_TRUE(g.value(g.inputs[0]).shape_known);
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{-1, 1, -1, 64}));
  EXPECT_EQ(g.value(g.inputs[1]).dtype, DType::i64);
  EXPECT_EQ(g.value(g.inputs[1]).shape, (Shape{3}));
  EXPECT_EQ(values_of(g, g.nodes[0].inputs[1]), (std::vector<double>{2}));
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[0], g.nodes[0].outputs[0]);
  EXPECT_EQ(g.value(g.outputs[1]).name, "m");
  EXPECT_EQ(g.source, "m.onnx");
}

TEST(OnnxImport, ConstantNodesInEveryFormAreConstantsNotNodes) {
  OnnxModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {1});
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::FLOAT);
  t.add_dims(2);
  t.add_float_data(4), t.add_float_data(5);
  b.node("Constant", {}, {"c_tensor"}).tensor("value", t);
  b.node("Constant", {}, {"c_float"}).number("value_float", 0.5f);
  b.node("Constant", {}, {"c_floats"}).numbers("value_floats", {1, 2, 3});
  b.node("Constant", {}, {"c_int"}).integer("value_int", -3);
  b.node("Constant", {}, {"c_ints"}).integers("value_ints", {7, 8});
  b.node("Concat", {"x", "c_tensor", "c_float", "c_floats", "c_int", "c_ints"}, {"y"}).integer("axis", 0);
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  EXPECT_EQ(values_of(g, n.inputs[1]), (std::vector<double>{4, 5}));
  EXPECT_EQ(g.value(n.inputs[2]).shape, Shape{});
  EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{0.5}));
  EXPECT_EQ(values_of(g, n.inputs[3]), (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(g.value(n.inputs[4]).dtype, DType::i64);
  EXPECT_EQ(g.value(n.inputs[4]).shape, Shape{});
  EXPECT_EQ(values_of(g, n.inputs[4]), (std::vector<double>{-3}));
  EXPECT_EQ(values_of(g, n.inputs[5]), (std::vector<double>{7, 8}));
}

TEST(OnnxImport, Opset7UpsampleAttributeBecomesAsymmetricFloorResize) {
  OnnxModelBuilder b(7);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 2});
  b.node("Upsample", {"x"}, {"y"}, "up").numbers("scales", {1, 1, 2, 3});
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  EXPECT_EQ(n.op, "Resize");
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(n.inputs[1], no_value);  // roi
  EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{1, 1, 2, 3}));
  EXPECT_EQ(g.value(n.inputs[2]).dtype, DType::f32);
  EXPECT_EQ(n.get_string("mode", ""), "nearest");
  EXPECT_EQ(n.get_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(n.get_string("nearest_mode", ""), "floor");
  EXPECT_FALSE(n.has("scales"));
}

TEST(OnnxImport, Opset9UpsampleInputBecomesAsymmetricLinearResize) {
  OnnxModelBuilder b(9);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 2});
  b.floats("s", {4}, {1, 1, 2, 2});
  b.node("Upsample", {"x", "s"}, {"y"}).string("mode", "linear");
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  EXPECT_EQ(n.op, "Resize");
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{1, 1, 2, 2}));
  EXPECT_EQ(n.get_string("mode", ""), "linear");
  EXPECT_EQ(n.get_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_FALSE(n.has("nearest_mode"));
}

TEST(OnnxImport, Opset10ResizeIsAsymmetricAndRoundsUpWhenShrinking) {
  for (const auto& [scale, rounding] : std::vector<std::pair<float, std::string>>{{2.f, "floor"}, {0.6f, "ceil"}}) {
    OnnxModelBuilder b(10);
    b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 4});
    b.floats("s", {4}, {1, 1, scale, scale});
    b.node("Resize", {"x", "s"}, {"y"});
    b.output("y");
    const Graph g = b.import();
    const Node& n = only_node(g);
    ASSERT_EQ(n.inputs.size(), 3u);
    EXPECT_EQ(n.inputs[1], no_value);
    EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{1, 1, scale, scale}));
    EXPECT_EQ(n.get_string("coordinate_transformation_mode", ""), "asymmetric");
    EXPECT_EQ(n.get_string("nearest_mode", ""), rounding);
  }
}

TEST(OnnxImport, Opset11ResizeEmptyRoiAndScalesAreOmitted) {
  OnnxModelBuilder b(11);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 4});
  b.floats("roi", {0}, {});
  b.floats("scales", {0}, {});
  b.int64s("sizes", {4}, {1, 1, 4, 8});
  b.node("Resize", {"x", "roi", "scales", "sizes"}, {"y"}).string("mode", "linear");
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  ASSERT_EQ(n.inputs.size(), 4u);
  EXPECT_EQ(n.inputs[1], no_value);
  EXPECT_EQ(n.inputs[2], no_value);
  EXPECT_EQ(values_of(g, n.inputs[3]), (std::vector<double>{1, 1, 4, 8}));
  EXPECT_FALSE(n.has("coordinate_transformation_mode"));  // the opset-11 default half_pixel is the latest's too
}

TEST(OnnxImport, Opset6ClipBoundsBecomeScalarInputs) {
  OnnxModelBuilder b(7);
  b.input("x", onnx::TensorProto::FLOAT, {3});
  b.node("Clip", {"x"}, {"y"}).number("min", -1).number("max", 6);
  b.node("Clip", {"y"}, {"z"}).number("max", 2);
  b.output("z");
  const Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& both = g.nodes[0];
  ASSERT_EQ(both.inputs.size(), 3u);
  EXPECT_EQ(g.value(both.inputs[1]).shape, Shape{});
  EXPECT_EQ(values_of(g, both.inputs[1]), (std::vector<double>{-1}));
  EXPECT_EQ(values_of(g, both.inputs[2]), (std::vector<double>{6}));
  EXPECT_TRUE(both.attributes.empty());
  const Node& max_only = g.nodes[1];
  ASSERT_EQ(max_only.inputs.size(), 3u);
  EXPECT_EQ(max_only.inputs[1], no_value);
  EXPECT_EQ(values_of(g, max_only.inputs[2]), (std::vector<double>{2}));
}

TEST(OnnxImport, Opset2PadAttributesBecomeInputs) {
  OnnxModelBuilder b(7);
  b.input("x", onnx::TensorProto::FLOAT, {1, 3});
  b.node("Pad", {"x"}, {"y"}).integers("pads", {0, 1, 0, 2}).number("value", 1.5f).string("mode", "constant");
  b.node("Pad", {"y"}, {"z"}).integers("pads", {0, 1, 0, 1}).string("mode", "reflect");
  b.output("z");
  const Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  const Node& n = g.nodes[0];
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(g.value(n.inputs[1]).dtype, DType::i64);
  EXPECT_EQ(values_of(g, n.inputs[1]), (std::vector<double>{0, 1, 0, 2}));
  EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{1.5}));
  EXPECT_EQ(n.get_string("mode", ""), "constant");
  EXPECT_FALSE(n.has("pads"));
  EXPECT_FALSE(n.has("value"));
  EXPECT_EQ(values_of(g, g.nodes[1].inputs[2]), (std::vector<double>{0}));  // ONNX's default value
  EXPECT_EQ(g.nodes[1].get_string("mode", ""), "reflect");
}

TEST(OnnxImport, Opset1SliceAttributesBecomeInputs) {
  OnnxModelBuilder b(9);
  b.input("x", onnx::TensorProto::FLOAT, {4, 5});
  b.node("Slice", {"x"}, {"y"}).integers("starts", {1, 0}).integers("ends", {3, -1}).integers("axes", {0, 1});
  b.node("Slice", {"y"}, {"z"}).integers("starts", {1}).integers("ends", {2});
  b.output("z");
  const Graph g = b.import();
  const Node& n = g.nodes.at(0);
  ASSERT_EQ(n.inputs.size(), 4u);
  EXPECT_EQ(values_of(g, n.inputs[1]), (std::vector<double>{1, 0}));
  EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{3, -1}));
  EXPECT_EQ(values_of(g, n.inputs[3]), (std::vector<double>{0, 1}));
  EXPECT_TRUE(n.attributes.empty());
  EXPECT_EQ(g.nodes.at(1).inputs.size(), 3u);  // no axes
}

TEST(OnnxImport, AxesAttributesBecomeInputsBeforeTheirOpset) {
  // opset 12: Squeeze/Unsqueeze/ReduceSum/ReduceMean take axes as attributes; 13 moved Squeeze,
  // Unsqueeze and ReduceSum's to an input, 18 the other reductions'.
  for (const int opset : {12, 13, 18}) {
    OnnxModelBuilder b(opset);
    b.input("x", onnx::TensorProto::FLOAT, {1, 3, 1});
    b.int64s("axes0", {1}, {0});
    b.int64s("axes2", {1}, {2});
    if (opset < 13) b.node("Squeeze", {"x"}, {"a"}).integers("axes", {0});
    else b.node("Squeeze", {"x", "axes0"}, {"a"});
    if (opset < 13) b.node("Unsqueeze", {"a"}, {"b"}).integers("axes", {0});
    else b.node("Unsqueeze", {"a", "axes0"}, {"b"});
    if (opset < 13) b.node("ReduceSum", {"b"}, {"c"}).integers("axes", {2}).integer("keepdims", 1);
    else b.node("ReduceSum", {"b", "axes2"}, {"c"}).integer("keepdims", 1);
    if (opset < 18) b.node("ReduceMean", {"c"}, {"d"}).integers("axes", {2});
    else b.node("ReduceMean", {"c", "axes2"}, {"d"});
    b.node("Squeeze", {"d"}, {"e"});
    b.output("e");
    const Graph g = b.import();
    ASSERT_EQ(g.nodes.size(), 5u);
    for (std::size_t k = 0; k < 4; ++k) {
      SCOPED_TRACE("opset " + std::to_string(opset) + ", " + g.nodes[k].describe());
      ASSERT_EQ(g.nodes[k].inputs.size(), 2u);
      EXPECT_EQ(values_of(g, g.nodes[k].inputs[1]), (std::vector<double>{k < 2 ? 0.0 : 2.0}));
      EXPECT_FALSE(g.nodes[k].has("axes"));
    }
    EXPECT_EQ(g.nodes[2].get_int("keepdims", -1), 1);
    EXPECT_EQ(g.nodes[4].inputs.size(), 1u);
  }
}

TEST(OnnxImport, SoftmaxBeforeOpset13IsLegacyWithItsOwnDefaultAxis) {
  for (const int opset : {11, 13}) {
    OnnxModelBuilder b(opset);
    b.input("x", onnx::TensorProto::FLOAT, {2, 3, 4});
    b.node("Softmax", {"x"}, {"y"});
    b.output("y");
    const Graph g = b.import();
    const Node& n = only_node(g);
    EXPECT_EQ(n.get_int("axis", 99), opset < 13 ? 1 : -1);
    EXPECT_EQ(n.get_int("legacy", 0), opset < 13 ? 1 : 0);
  }
}

TEST(OnnxImport, BatchNormalizationKeepsOnlyTheInferenceOutput) {
  OnnxModelBuilder b(7);
  b.input("x", onnx::TensorProto::FLOAT, {1, 2, 3});
  for (const char* p : {"s", "bias", "mean", "var"}) b.floats(p, {2}, {1, 2});
  b.node("BatchNormalization", {"x", "s", "bias", "mean", "var"}, {"y", "running_mean", "running_var"})
      .number("epsilon", 1e-3f)
      .number("momentum", 0.9f)
      .integer("spatial", 1);
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  EXPECT_EQ(n.outputs.size(), 1u);
  EXPECT_EQ(g.value(n.outputs[0]).name, "y");
  EXPECT_NEAR(n.get_float("epsilon", 0), 1e-3, 1e-9);
  EXPECT_FALSE(n.has("momentum"));
  EXPECT_FALSE(n.has("spatial"));
}

TEST(OnnxImport, BatchNormalizationTrainingFormsAreRefused) {
  auto model = [](int opset, bool use_mean, std::int64_t spatial, std::int64_t training) {
    OnnxModelBuilder b(opset);
    b.input("x", onnx::TensorProto::FLOAT, {1, 2, 3});
    for (const char* p : {"s", "bias", "mean", "var"}) b.floats(p, {2}, {1, 2});
    auto n = b.node("BatchNormalization", {"x", "s", "bias", "mean", "var"}, {"y", "running_mean"}, "bn");
    if (spatial != 1) n.integer("spatial", spatial);
    if (training) n.integer("training_mode", training);
    b.output("y");
    if (use_mean) b.output("running_mean");
    return b;
  };
  auto [code, message] = error_of([&] { model(9, true, 1, 0).import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: BatchNormalization node \"bn\": output 1 (\"running_mean\", a training statistic) is used, "
                     "and the native engine computes only the inference output");
  std::tie(code, message) = error_of([&] { model(7, false, 0, 0).import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("spatial = 0"), std::string::npos) << message;
  std::tie(code, message) = error_of([&] { model(15, false, 1, 1).import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("training_mode = 1"), std::string::npos) << message;
}

TEST(OnnxImport, DropoutBecomesIdentityWithAnAllTrueMask) {
  {
    OnnxModelBuilder b(12);
    b.input("x", onnx::TensorProto::FLOAT, {3});
    b.floats("ratio", {}, {0.5f});
    auto& training = b.initializer("training", onnx::TensorProto::BOOL, {});
    training.add_int32_data(0);
    b.node("Dropout", {"x", "ratio", "training"}, {"y", "mask"});
    b.output("y");
    const Graph g = b.import();
    const Node& n = only_node(g);
    EXPECT_EQ(n.op, "Identity");
    EXPECT_EQ(n.inputs.size(), 1u);
    EXPECT_EQ(n.outputs.size(), 1u);
    EXPECT_TRUE(n.attributes.empty());
  }
  {  // opset 10 on, the mask is bool and all true at inference
    OnnxModelBuilder b(13);
    b.input("x", onnx::TensorProto::FLOAT, {3});
    b.node("Dropout", {"x"}, {"y", "mask"}, "drop");
    b.output("y"), b.output("mask");
    const Graph g = b.import();
    ASSERT_EQ(g.nodes.size(), 3u);
    EXPECT_EQ(g.nodes[0].op, "Shape");
    EXPECT_EQ(g.nodes[0].inputs, (std::vector<ValueId>{g.inputs[0]}));
    EXPECT_EQ(g.nodes[1].op, "ConstantOfShape");
    EXPECT_EQ(g.nodes[1].inputs.at(0), g.nodes[0].outputs.at(0));
    EXPECT_EQ(g.value(g.nodes[1].inputs.at(1)).dtype, DType::boolean);
    EXPECT_EQ(values_of(g, g.nodes[1].inputs.at(1)), (std::vector<double>{1}));
    EXPECT_EQ(g.nodes[1].outputs, (std::vector<ValueId>{g.outputs[1]}));
    EXPECT_EQ(g.nodes[2].op, "Identity");
    EXPECT_EQ(g.nodes[2].outputs, (std::vector<ValueId>{g.outputs[0]}));
  }
  OnnxModelBuilder b(7);
  b.input("x", onnx::TensorProto::FLOAT, {3});
  b.node("Dropout", {"x"}, {"y", "mask"}, "drop").number("ratio", 0.2f);
  b.output("y"), b.output("mask");
  const auto [code, message] = error_of([&] { b.import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: Dropout node \"drop\": output 1 (\"mask\", the dropout mask, of the input's type before opset 10) "
                     "is used, and the native engine computes only the inference output");
}

TEST(OnnxImport, DropoutInTrainingModeIsRefusedUnlessItDropsNothing) {
  auto model = [](bool training_is_input, float ratio) {
    OnnxModelBuilder b(13);
    b.input("x", onnx::TensorProto::FLOAT, {3});
    if (training_is_input) b.input("t", onnx::TensorProto::BOOL, {});
    else b.initializer("t", onnx::TensorProto::BOOL, {}).add_int32_data(1);
    b.floats("ratio", {}, {ratio});
    b.node("Dropout", {"x", "ratio", "t"}, {"y"}, "drop");
    b.output("y");
    return b;
  };
  auto [code, message] = error_of([&] { model(true, 0.5f).import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: Dropout node \"drop\": training_mode is computed at run time; the native engine runs inference "
                     "only and needs it constant");
  std::tie(code, message) = error_of([&] { model(false, 0.5f).import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_NE(message.find("training_mode is true with ratio 0.5"), std::string::npos) << message;
  const Graph g = model(false, 0).import();
  EXPECT_EQ(only_node(g).op, "Identity");
}

TEST(OnnxImport, MaxPoolIndicesAreDroppedWhenUnused) {
  OnnxModelBuilder b(12);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 4, 4});
  b.node("MaxPool", {"x"}, {"y", "indices"}).integers("kernel_shape", {2, 2}).integer("storage_order", 0);
  b.output("y");
  const Graph g = b.import();
  const Node& n = only_node(g);
  EXPECT_EQ(n.outputs.size(), 1u);
  EXPECT_EQ(n.get_ints("kernel_shape"), (std::vector<std::int64_t>{2, 2}));
}

TEST(OnnxImport, ConstantOfShapeValueIsItsSecondInput) {
  OnnxModelBuilder b(13);
  b.input("shape", onnx::TensorProto::INT64, {2});
  onnx::TensorProto v;
  v.set_data_type(onnx::TensorProto::INT64);
  v.add_dims(1);
  v.add_int64_data(9);
  b.node("ConstantOfShape", {"shape"}, {"y"}).tensor("value", v);
  b.node("ConstantOfShape", {"shape"}, {"z"});
  b.output("y"), b.output("z");
  const Graph g = b.import();
  ASSERT_EQ(g.nodes.size(), 2u);
  ASSERT_EQ(g.nodes[0].inputs.size(), 2u);
  EXPECT_EQ(g.value(g.nodes[0].inputs[1]).dtype, DType::i64);
  EXPECT_EQ(values_of(g, g.nodes[0].inputs[1]), (std::vector<double>{9}));
  EXPECT_EQ(g.value(g.nodes[1].inputs[1]).dtype, DType::f32);  // ONNX's default: float 0
  EXPECT_EQ(values_of(g, g.nodes[1].inputs[1]), (std::vector<double>{0}));
}

TEST(OnnxImport, UnknownOperatorsAndDomainsAreRefusedNamingTheNode) {
  {
    OnnxModelBuilder b(13);
    b.input("x", onnx::TensorProto::FLOAT, {3});
    b.node("Relu", {"x"}, {"r"});
    b.node("LSTM", {"r"}, {"y"}, "lstm_1");
    b.output("y");
    const auto [code, message] = error_of([&] { b.import(); });
    EXPECT_EQ(code, ErrorCode::unsupported);
    EXPECT_EQ(message, "m.onnx: the native engine does not support the ONNX operator \"LSTM\" (node \"lstm_1\")");
  }
  OnnxModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {3});
  b.node("Relu", {"x"}, {"y"}).domain("com.microsoft");
  b.output("y");
  const auto [code, message] = error_of([&] { b.import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: the native engine does not support the ONNX operator \"Relu\" of domain \"com.microsoft\" (node \"y\")");
}

TEST(OnnxImport, NodesOutOfTopologicalOrderAreRefused) {
  OnnxModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {3});
  b.node("Relu", {"a"}, {"y"}, "second");
  b.node("Neg", {"x"}, {"a"}, "first");
  b.output("y");
  auto [code, message] = error_of([&] { b.import(); });
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_EQ(message, "m.onnx: Relu node \"second\" reads \"a\" before node \"first\" produces it; ONNX requires nodes in topological order");

  OnnxModelBuilder c(13);
  c.input("x", onnx::TensorProto::FLOAT, {3});
  c.node("Relu", {"nowhere"}, {"y"}, "r");
  c.output("y");
  std::tie(code, message) = error_of([&] { c.import(); });
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_EQ(message, "m.onnx: Relu node \"r\" reads \"nowhere\", which no node, graph input or initializer provides");
}

TEST(OnnxImport, ExternalDataIsRefusedNamingTheTensor) {
  OnnxModelBuilder b(13);
  b.input("x", onnx::TensorProto::FLOAT, {2});
  auto& w = b.initializer("conv.weight", onnx::TensorProto::FLOAT, {2});
  w.set_data_location(onnx::TensorProto::EXTERNAL);
  auto* location = w.add_external_data();
  location->set_key("location");
  location->set_value("weights.bin");
  b.node("Add", {"x", "conv.weight"}, {"y"});
  b.output("y");
  const auto [code, message] = error_of([&] { b.import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: initializer \"conv.weight\" keeps its values in the external file \"weights.bin\", which the "
                     "native engine does not read; save the model with its weights inside the .onnx file");
}

TEST(OnnxImport, MalformedAndUnsupportedFilesAreRefused) {
  auto [code, message] = error_of([] {
    const std::string text = "not a model";
    const auto* p = reinterpret_cast<const std::byte*>(text.data());
    engine::import_onnx({p, p + text.size()}, "text.onnx");
  });
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_EQ(message, "text.onnx: not an ONNX model (protobuf ModelProto does not parse)");

  // Relu means the same since opset 1; Add had broadcast attributes before opset 7.
  OnnxModelBuilder old(6);
  old.input("x", onnx::TensorProto::FLOAT, {2});
  old.node("Relu", {"x"}, {"r"});
  old.node("Add", {"r", "r"}, {"y"}, "add");
  old.output("y");
  std::tie(code, message) = error_of([&] { old.import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: the native engine reads the ONNX operator \"Add\" from opset 7 on; this model is opset 6 "
                     "(node \"add\"); re-export it with a newer opset");

  OnnxModelBuilder half(13);
  half.input("x", onnx::TensorProto::FLOAT16, {2});
  half.node("Relu", {"x"}, {"y"});
  half.output("y");
  std::tie(code, message) = error_of([&] { half.import(); });
  EXPECT_EQ(code, ErrorCode::unsupported);
  EXPECT_EQ(message, "m.onnx: graph input \"x\" has element type float16 (10), which the native engine does not support");

  OnnxModelBuilder short_data(13);
  short_data.input("x", onnx::TensorProto::FLOAT, {2});
  short_data.floats("w", {2}, {1});
  short_data.node("Add", {"x", "w"}, {"y"});
  short_data.output("y");
  std::tie(code, message) = error_of([&] { short_data.import(); });
  EXPECT_EQ(code, ErrorCode::bad_model);
  EXPECT_EQ(message, "m.onnx: initializer \"w\": float_data holds 1 values for a shape of 2 elements");
}


// ---- the upgraded spellings run: import -> specialize -> run_reference against hand-computed values ----

std::vector<double> run_one(const OnnxModelBuilder& b, const Tensor& x) {
  const Graph g = b.import();
  const std::vector<Tensor> y = engine::graph::run_reference(engine::graph::specialize(g, {x.shape()}), {x});
  EXPECT_EQ(y.size(), 1u);
  const Tensor d = y.at(0).converted(DType::f64);
  return {d.data<double>(), d.data<double>() + d.element_count()};
}

Tensor floats_tensor(const Shape& shape, const std::vector<float>& v) {
  Tensor t(DType::f32, shape);
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

TEST(OnnxImportRuns, Opset7LinearUpsampleUsesAsymmetricCoordinates) {
  OnnxModelBuilder b(7);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 2});
  b.node("Upsample", {"x"}, {"y"}).numbers("scales", {1, 1, 2, 2}).string("mode", "linear");
  b.output("y");
  // source coordinate = output / 2: 0, 0.5, 1, 1.5 (clamped to 1) along each axis
  EXPECT_EQ(run_one(b, floats_tensor({1, 1, 2, 2}, {1, 2, 3, 4})),
            (std::vector<double>{1, 1.5, 2, 2, 2, 2.5, 3, 3, 3, 3.5, 4, 4, 3, 3.5, 4, 4}));
}

TEST(OnnxImportRuns, Opset10NearestResizeRoundsUpWhenShrinking) {
  OnnxModelBuilder b(10);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 4});
  b.floats("s", {4}, {1, 1, 0.6f, 0.6f});
  b.node("Resize", {"x", "s"}, {"y"}).string("mode", "nearest");
  b.output("y");
  // ONNX's Resize-10 example: 2x4 -> 1x2, sources ceil(0 / 0.6) = 0 and ceil(1 / 0.6) = 2
  EXPECT_EQ(run_one(b, floats_tensor({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8})), (std::vector<double>{1, 3}));
}

TEST(OnnxImportRuns, Opset6ClipOpset2PadAndOpset1SliceCompute) {
  OnnxModelBuilder b(9);
  b.input("x", onnx::TensorProto::FLOAT, {1, 4});
  b.node("Clip", {"x"}, {"c"}).number("min", -1).number("max", 2);
  b.node("Pad", {"c"}, {"p"}).integers("pads", {0, 1, 0, 2}).number("value", 9);
  b.node("Slice", {"p"}, {"y"}).integers("starts", {1}).integers("ends", {-1}).integers("axes", {1});
  b.output("y");
  // clip: -1 0.5 2 2; pad: 9 -1 0.5 2 2 9 9; slice [1, -1): -1 0.5 2 2 9
  EXPECT_EQ(run_one(b, floats_tensor({1, 4}, {-3, 0.5f, 2, 7})), (std::vector<double>{-1, 0.5, 2, 2, 9}));
}

TEST(OnnxImportRuns, Opset11SoftmaxNormalisesEverythingAfterItsAxis) {
  OnnxModelBuilder b(11);
  b.input("x", onnx::TensorProto::FLOAT, {1, 2, 2});
  b.node("Softmax", {"x"}, {"y"});  // axis 1 by default, over the 2x2 block as one row
  b.output("y");
  const std::vector<double> y = run_one(b, floats_tensor({1, 2, 2}, {0, 0, 0, std::log(5.0f)}));
  ASSERT_EQ(y.size(), 4u);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(y[i], 1.0 / 8, 1e-7);
  EXPECT_NEAR(y[3], 5.0 / 8, 1e-7);
}

// ---- the real files in ../shared/realdata, read in place ----

Graph import_file(const std::filesystem::path& file) {
  const std::string s = slurp(file);
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return engine::import_onnx({p, p + s.size()}, file.filename().string());
}

std::map<std::string, int> op_counts(const Graph& g) {
  std::map<std::string, int> counts;
  for (const auto& n : g.nodes) counts[n.op]++;
  return counts;
}

TEST(OnnxImportRealFiles, NucleiBroadUNetsOfEveryExportImport) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const std::map<std::string, int> opset20 = {{"Concat", 3}, {"Conv", 18}, {"MaxPool", 3}, {"Relu", 7}, {"Resize", 3}};
  std::map<std::string, int> with_sigmoid = opset20;
  with_sigmoid["Sigmoid"] = 1;
  const std::vector<std::pair<std::string, std::map<std::string, int>>> files = {
      {"unet2d_nuclei_broad/weights.onnx", opset20},
      {"unet2d_nuclei_broad_2021export/weights.onnx", with_sigmoid},
      {"unet2d_nuclei_broad_tiktorch_opset9/weights.onnx", with_sigmoid}};
  for (const auto& [file, ops] : files) {
    SCOPED_TRACE(file);
    const Graph g = import_file(realdata() / file);
    EXPECT_EQ(op_counts(g), ops);
    ASSERT_EQ(g.inputs.size(), 1u);
    EXPECT_EQ(g.value(g.inputs[0]).name, "input.1");
    EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{1, 1, 512, 512}));
    EXPECT_EQ(g.outputs.size(), 1u);
    for (const auto& n : g.nodes) {
      if (n.op == "Conv") {
        ASSERT_EQ(n.inputs.size(), 3u) << n.describe();
        EXPECT_TRUE(g.is_constant(n.inputs[1]) && g.is_constant(n.inputs[2])) << n.describe();
      }
      if (n.op == "Resize") {  // bilinear x2 in every export; the roi is empty or absent
        EXPECT_EQ(n.get_string("mode", ""), "linear") << n.describe();
        ASSERT_EQ(n.inputs.size(), 3u) << n.describe();
        EXPECT_EQ(n.inputs[1], no_value) << n.describe();
        EXPECT_EQ(values_of(g, n.inputs[2]), (std::vector<double>{1, 1, 2, 2})) << n.describe();
      }
    }
  }
}

TEST(OnnxImportRealFiles, Opset9UpsampleBecomesAsymmetricLinearResizeByTwo) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Graph g = import_file(realdata() / "unet2d_nuclei_broad_tiktorch_opset9" / "weights.onnx");
  int resizes = 0;
  for (const auto& n : g.nodes)
    if (n.op == "Resize") {
      ++resizes;
      EXPECT_EQ(n.get_string("coordinate_transformation_mode", ""), "asymmetric");
      EXPECT_EQ(values_of(g, n.inputs.at(2)), (std::vector<double>{1, 1, 2, 2}));
      EXPECT_EQ(n.inputs.at(1), no_value);
    }
  EXPECT_EQ(resizes, 3);
}

TEST(OnnxImportRealFiles, MultiTensorCropArithmeticIsKeptForSpecialize) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const Graph g = import_file(realdata() / "unet2d_multi_tensor" / "onnx_removed_2024" / "weights.onnx");
  const std::map<std::string, int> ops = {{"Cast", 24}, {"Concat", 4}, {"Conv", 18}, {"Div", 12}, {"Gather", 36},
                                          {"MaxPool", 3}, {"Relu", 14}, {"Resize", 3}, {"Shape", 36}, {"Slice", 14},
                                          {"Sub", 24}, {"Unsqueeze", 24}};
  EXPECT_EQ(op_counts(g), ops);  // the 71 Constant nodes are constants
  ASSERT_EQ(g.inputs.size(), 2u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "0");
  EXPECT_EQ(g.value(g.inputs[1]).name, "1");
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.value(g.outputs[0]).name, "348");
  EXPECT_EQ(g.value(g.outputs[1]).name, "353");
  for (const auto& n : g.nodes)
    if (n.op == "Resize") {  // opset 12's empty roi is omitted; the scales are an initializer
      EXPECT_EQ(n.inputs.at(1), no_value) << n.describe();
      EXPECT_EQ(values_of(g, n.inputs.at(2)), (std::vector<double>{1, 1, 2, 2})) << n.describe();
    }
}

TEST(OnnxImportRealFiles, ExampleModelKeepsItsSymbolicInputSizes) {
  const Graph g = import_file(source_dir() / "examples" / "nuclei_unet2d" / "weights.onnx");
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "raw");
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{-1, 1, -1, -1}));
  const std::map<std::string, int> ops = {{"Concat", 3}, {"Conv", 12}, {"MaxPool", 3}, {"Relu", 11}, {"Resize", 3}};
  EXPECT_EQ(op_counts(g), ops);
}

}  // namespace
}  // namespace deepimage::testing
