// The graph IR written as TorchScript (native/torchscript_export.hpp), compiled by LibTorch
// (torch/torchscript_compile.hpp) and run from the saved bytes, against the reference interpreter
// (graph/reference_interpreter.hpp) on small random graphs: one or more per operator the converter
// writes, with the attribute forms importers produce (asymmetric and SAME pads, sizes computed at run
// time, every Resize coordinate mode). The graphs are exported with their input sizes left free, as
// `convert` does, so the module's shape rules are the ones checked.
#include <gtest/gtest.h>

#include <limits>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/native/torchscript_export.hpp"
#include "engine/torch/torchscript_compile.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/native/graph_builder.hpp"
#include "unit/engine/native/saved_module.hpp"

namespace deepimage::testing {
namespace {

using engine::compile_torchscript;
using engine::export_torchscript;
using Floats = std::vector<double>;

std::vector<std::size_t> identity_order(std::size_t n) {
  std::vector<std::size_t> order;
  for (std::size_t k = 0; k < n; ++k) order.push_back(k);
  return order;
}

Graph with_free_sizes(Graph g) {
  for (ValueId id : g.inputs)
    for (auto& d : g.value(id).shape) d = -1;
  return g;
}

// The graph's outputs from its TorchScript module, given the inputs in graph order.
std::vector<Tensor> run_converted(const Graph& graph, const std::vector<Tensor>& inputs) {
  const Graph free = with_free_sizes(graph);
  const std::vector<std::byte> pt =
      compile_torchscript(export_torchscript(free, identity_order(free.inputs.size()), identity_order(free.outputs.size())));
  return run_saved_module(pt, inputs);
}

void expect_matches_reference(const Graph& graph, float low = -1.0f, float high = 1.0f) {
  std::vector<Tensor> inputs;
  for (std::size_t k = 0; k < graph.inputs.size(); ++k)
    inputs.push_back(random_tensor(graph.value(graph.inputs[k]).shape, 77 + static_cast<std::uint32_t>(k), low, high));
  std::vector<Shape> shapes;
  for (const Tensor& t : inputs) shapes.push_back(t.shape());
  const std::vector<Tensor> expected = engine::graph::run_reference(engine::graph::specialize(graph, shapes), inputs);
  std::vector<Tensor> actual;
  try {
    actual = run_converted(graph, inputs);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    ASSERT_EQ(actual[i].shape(), expected[i].shape()) << "output " << i;
    const Tensor e = expected[i].converted(DType::f32), a = actual[i].converted(DType::f32);
    EXPECT_LE(max_abs_diff(a, e), kTorchScriptExportVsReferenceMaxAbs) << "output " << i;
  }
}

Graph single_node(const Shape& x_shape, const std::string& op, std::map<std::string, Attribute> attributes = {}) {
  GraphBuilder b;
  const ValueId x = b.input(x_shape);
  return b.finish({b.node(op, {x}, std::move(attributes))});
}

Graph conv(const Shape& x, const Shape& w, std::map<std::string, Attribute> attributes, bool bias = true) {
  GraphBuilder b;
  const ValueId in = b.input(x);
  const ValueId weights = b.random_constant(w);
  const ValueId bias_value = bias ? b.random_constant({w[0]}) : no_value;
  return b.finish({b.node("Conv", {in, weights, bias_value}, std::move(attributes))});
}

Graph conv_transpose(const Shape& x, const Shape& w, std::map<std::string, Attribute> attributes) {
  GraphBuilder b;
  const ValueId in = b.input(x);
  const ValueId weights = b.random_constant(w);
  const std::int64_t group = attributes.count("group") ? std::get<std::int64_t>(attributes.at("group")) : 1;
  return b.finish({b.node("ConvTranspose", {in, weights, b.random_constant({w[1] * group})}, std::move(attributes))});
}

TEST(TorchScriptExport, ConvWithStridesDilationsGroupsAndPads) {
  expect_matches_reference(conv({1, 3, 9, 7}, {4, 3, 3, 3}, {{"pads", Ints{1, 1, 1, 1}}}));
  expect_matches_reference(conv({1, 3, 9, 7}, {4, 3, 3, 2}, {{"pads", Ints{0, 1, 2, 0}}, {"strides", Ints{2, 1}}}));
  expect_matches_reference(conv({2, 4, 11, 10}, {6, 2, 3, 3}, {{"dilations", Ints{2, 1}}, {"group", std::int64_t{2}}}, false));
  expect_matches_reference(conv({1, 2, 12}, {3, 2, 5}, {{"pads", Ints{2, 1}}}));
  expect_matches_reference(conv({1, 2, 5, 6, 7}, {3, 2, 3, 3, 3}, {{"pads", Ints{1, 1, 1, 1, 1, 1}}}));
}

TEST(TorchScriptExport, ConvWithSamePaddingComputedFromTheInputSize) {
  expect_matches_reference(conv({1, 3, 9, 8}, {4, 3, 3, 3}, {{"auto_pad", std::string("SAME_UPPER")}, {"strides", Ints{2, 2}}}));
  expect_matches_reference(conv({1, 3, 9, 8}, {4, 3, 4, 2}, {{"auto_pad", std::string("SAME_LOWER")}, {"strides", Ints{2, 3}}}));
  expect_matches_reference(conv({1, 3, 9, 8}, {4, 3, 3, 3}, {{"auto_pad", std::string("VALID")}}));
}

TEST(TorchScriptExport, ConvTransposeWithStridesPadsOutputPaddingAndGroups) {
  expect_matches_reference(conv_transpose({1, 3, 5, 4}, {3, 2, 3, 3}, {{"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 0, 1}}, {"output_padding", Ints{1, 0}}}));
  expect_matches_reference(conv_transpose({1, 4, 5, 4}, {4, 2, 2, 2}, {{"strides", Ints{2, 2}}, {"group", std::int64_t{2}}}));
  expect_matches_reference(conv_transpose({1, 3, 5, 4}, {3, 2, 3, 3}, {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}));
  expect_matches_reference(conv_transpose({1, 3, 5, 4}, {3, 2, 3, 3}, {{"strides", Ints{2, 2}}, {"output_shape", Ints{10, 9}}}));
}

// TF's Conv2DBackpropInput: the output size is computed from the input's shape at run time.
TEST(TorchScriptExport, ConvTransposeWithAnOutputSizeComputedAtRunTime) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 5, 6});
  const ValueId shape = b.node("Shape", {x}, {{"start", std::int64_t{2}}});
  const ValueId wanted = b.node("Mul", {shape, b.ints({2, 2})});
  const ValueId y = b.untyped_node("ConvTranspose", {x, b.random_constant({3, 2, 3, 3}), b.random_constant({2}), wanted},
                           {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  expect_matches_reference(b.finish({y}));
}

TEST(TorchScriptExport, MaxPoolWithPadsCeilModeDilationsAndSamePadding) {
  expect_matches_reference(single_node({1, 2, 9, 8}, "MaxPool", {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "MaxPool", {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"ceil_mode", std::int64_t{1}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "MaxPool", {{"kernel_shape", Ints{3, 2}}, {"pads", Ints{0, 1, 2, 0}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "MaxPool", {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 1}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "MaxPool", {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}}));
  expect_matches_reference(single_node({1, 2, 5, 6, 7}, "MaxPool", {{"kernel_shape", Ints{2, 2, 2}}, {"strides", Ints{2, 2, 2}}}));
}

TEST(TorchScriptExport, AveragePoolCountingAndExcludingPadding) {
  expect_matches_reference(single_node({1, 2, 9, 8}, "AveragePool", {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "AveragePool", {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "AveragePool", {{"kernel_shape", Ints{3, 3}}, {"pads", Ints{1, 1, 1, 1}}, {"count_include_pad", std::int64_t{1}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "AveragePool", {{"kernel_shape", Ints{3, 2}}, {"pads", Ints{0, 1, 2, 0}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "AveragePool", {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_LOWER")}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "AveragePool", {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", std::int64_t{1}}}));
  expect_matches_reference(single_node({1, 2, 9, 8}, "GlobalAveragePool"));
  expect_matches_reference(single_node({1, 2, 9, 8}, "GlobalMaxPool"));
}

Graph resize(const Shape& x_shape, const std::vector<float>& scales, std::map<std::string, Attribute> attributes) {
  GraphBuilder b;
  const ValueId x = b.input(x_shape);
  return b.finish({b.node("Resize", {x, no_value, b.floats(scales)}, std::move(attributes))});
}

TEST(TorchScriptExport, ResizeNearestAndLinearInEveryCoordinateMode) {
  for (const char* transform : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "half_pixel_symmetric"}) {
    SCOPED_TRACE(transform);
    for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})
      expect_matches_reference(resize({1, 2, 5, 4}, {1, 1, 2, 1.5f}, {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", std::string(transform)}, {"nearest_mode", std::string(nearest)}}));
    expect_matches_reference(resize({1, 2, 5, 4}, {1, 1, 2, 2}, {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(transform)}}));
    expect_matches_reference(resize({1, 2, 8, 6}, {1, 1, 0.5f, 0.75f}, {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(transform)}}));
    // Integer factors on the spatial axes take torch's up-sampling kernels where they agree with ONNX.
    for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"})
      expect_matches_reference(resize({1, 2, 5, 4}, {1, 1, 2, 3}, {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", std::string(transform)}, {"nearest_mode", std::string(nearest)}}));
    expect_matches_reference(resize({1, 2, 5, 4}, {1, 1, 2, 3}, {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(transform)}}));
    expect_matches_reference(resize({1, 2, 3, 5, 4}, {1, 1, 2, 2, 2}, {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(transform)}}));
    expect_matches_reference(resize({1, 2, 3, 5, 4}, {1, 1, 2, 2, 2}, {{"mode", std::string("nearest")}, {"coordinate_transformation_mode", std::string(transform)}}));
  }
  GraphBuilder b;
  const ValueId x = b.input({1, 2, 5, 4});
  expect_matches_reference(b.finish({b.node("Resize", {x, no_value, no_value, b.ints({1, 2, 7, 9})}, {{"mode", std::string("linear")}})}));
}

TEST(TorchScriptExport, NormalizationsAndPads) {
  GraphBuilder b;
  const ValueId x = b.input({2, 3, 5, 4});
  const ValueId bn = b.node("BatchNormalization", {x, b.random_constant({3}), b.random_constant({3}), b.random_constant({3}), b.random_constant({3}, 0.5f, 2.0f)}, {{"epsilon", 1e-3}});
  const ValueId in = b.node("InstanceNormalization", {x, b.random_constant({3}), b.random_constant({3})});
  const ValueId constant = b.node("Pad", {x, b.ints({0, 0, 1, 2, 0, 0, 3, -1}), b.scalar(0.5f)});
  const ValueId reflect = b.node("Pad", {x, b.ints({0, 0, 2, 1, 0, 0, 1, 3}), no_value}, {{"mode", std::string("reflect")}});
  const ValueId edge = b.node("Pad", {x, b.ints({1, 2, 2, 0}), no_value, b.ints({-1, 2})}, {{"mode", std::string("edge")}});
  expect_matches_reference(b.finish({bn, in, constant, reflect, edge}));
}

TEST(TorchScriptExport, ElementwiseOpsWithBroadcasting) {
  GraphBuilder b;
  const ValueId x = b.input({2, 3, 4});
  const ValueId y = b.input({3, 1});
  std::vector<ValueId> out;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min"}) out.push_back(b.node(op, {x, y}));
  out.push_back(b.node("Pow", {b.node("Abs", {x}), y}));
  out.push_back(b.node("Min", {b.node("Max", {x, b.random_constant({4})}), y}));
  out.push_back(b.node("PRelu", {x, b.random_constant({3, 1})}));
  for (const char* op : {"Relu", "Sigmoid", "Tanh", "Exp", "Softplus", "Identity", "Neg", "Abs", "Floor", "Ceil", "Erf"})
    out.push_back(b.node(op, {x}));
  out.push_back(b.node("Sqrt", {b.node("Abs", {x})}));
  out.push_back(b.node("Log", {b.node("Abs", {x})}));
  out.push_back(b.node("LeakyRelu", {x}, {{"alpha", 0.2}}));
  out.push_back(b.node("Elu", {x}, {{"alpha", 0.7}}));
  out.push_back(b.node("Clip", {x, b.scalar(-0.3f), b.scalar(0.4f)}));
  out.push_back(b.node("Clip", {x, no_value, b.scalar(0.1f)}));
  out.push_back(b.node("Where", {b.node("Less", {x, y}), x, y}));
  out.push_back(b.node("Where", {b.node("Greater", {x, y}), x, b.node("Neg", {x})}));
  out.push_back(b.node("Cast", {b.node("Equal", {b.node("Floor", {x}), b.scalar(0.0f)})}, {{"to", std::int64_t{1}}}));
  expect_matches_reference(b.finish(out));
}

TEST(TorchScriptExport, SoftmaxReductionsAndMatrixProducts) {
  GraphBuilder b;
  const ValueId x = b.input({2, 3, 4, 5});
  std::vector<ValueId> out;
  out.push_back(b.node("Softmax", {x}, {{"axis", std::int64_t{1}}}));
  out.push_back(b.node("Softmax", {x}, {{"axis", std::int64_t{2}}, {"legacy", std::int64_t{1}}}));
  for (const char* op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd"}) {
    out.push_back(b.node(op, {x, b.ints({1, -1})}));
    out.push_back(b.node(op, {x, b.ints({2})}, {{"keepdims", std::int64_t{0}}}));
  }
  out.push_back(b.node("ReduceMean", {x}));
  out.push_back(b.node("MatMul", {x, b.random_constant({5, 3})}));
  const ValueId m = b.input({4, 6});
  out.push_back(b.node("Gemm", {m, b.random_constant({5, 6}), b.random_constant({5})}, {{"transB", std::int64_t{1}}, {"alpha", 0.5}, {"beta", 2.0}}));
  expect_matches_reference(b.finish(out));
}

TEST(TorchScriptExport, ShapeOpsOnSizesKnownOnlyAtRunTime) {
  GraphBuilder b;
  const ValueId x = b.input({2, 3, 4, 5});
  std::vector<ValueId> out;
  // Shape -> Gather -> Concat -> Reshape: the exporters' flatten of a variable-size tensor.
  const ValueId shape = b.node("Shape", {x});
  const ValueId batch = b.node("Gather", {shape, b.ints({0})}, {{"axis", std::int64_t{0}}});
  out.push_back(b.untyped_node("Reshape", {x, b.node("Concat", {batch, b.ints({-1})}, {{"axis", std::int64_t{0}}})}));
  out.push_back(b.node("Reshape", {x, b.ints({0, 12, -1})}));
  out.push_back(b.node("Flatten", {x}, {{"axis", std::int64_t{2}}}));
  out.push_back(b.node("Transpose", {x}, {{"perm", Ints{0, 2, 3, 1}}}));
  out.push_back(b.node("Transpose", {x}));
  out.push_back(b.node("Unsqueeze", {b.node("Squeeze", {b.node("Unsqueeze", {x, b.ints({0, -1})}), b.ints({0})}), b.ints({1})}));
  out.push_back(b.node("Slice", {x, b.ints({1, -4}), b.ints({3, 100}), b.ints({1, 3}), b.ints({1, 2})}));
  out.push_back(b.node("Slice", {x, b.ints({-1}), b.ints({-100}), b.ints({2}), b.ints({-2})}));
  // What exporters write for "to the end" and, reversed, "to the beginning".
  out.push_back(b.node("Slice", {x, b.ints({-1, 1}), b.ints({std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}),
                                 b.ints({3, 2}), b.ints({-1, 1})}));
  out.push_back(b.untyped_node("Slice", {x, b.ints({1}), b.node("Shape", {x}, {{"start", std::int64_t{3}}}), b.ints({3})}));
  out.push_back(b.node("Gather", {x, b.ints({2, -1, 0})}, {{"axis", std::int64_t{3}}}));
  out.push_back(b.node("Tile", {x, b.ints({1, 2, 1, 3})}));
  out.push_back(b.node("Concat", {x, x, b.random_constant({2, 1, 4, 5})}, {{"axis", std::int64_t{1}}}));
  out.push_back(b.untyped_node("Expand", {b.random_constant({3, 1, 1}), b.node("Shape", {x})}));
  Tensor value(DType::f32, {1});
  value.data<float>()[0] = 0.25f;
  out.push_back(b.untyped_node("Add", {x, b.untyped_node("ConstantOfShape", {b.node("Shape", {x}), b.constant(value)})}));
  expect_matches_reference(b.finish(out));
}

TEST(TorchScriptExport, RefusesWhatItCannotWriteInOneLineNamingTheNode) {
  Graph cubic = with_free_sizes(resize({1, 2, 5, 4}, {1, 1, 2, 2}, {{"mode", std::string("cubic")}}));
  try {
    export_torchscript(cubic, {0}, {0});
    FAIL() << "cubic Resize was written";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("Resize node"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cubic"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  GraphBuilder b;
  const ValueId x = b.input({1, 2});
  Graph g = b.finish({x});
  Node einsum;
  einsum.op = "Einsum";
  einsum.name = "einsum_1";
  einsum.inputs = {x};
  engine::graph::Value y;
  y.name = "y";
  einsum.outputs = {g.add_value(y)};
  g.nodes.push_back(einsum);
  g.outputs = einsum.outputs;
  try {
    export_torchscript(g, {0}, {0});
    FAIL() << "Einsum was written";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("operator \"Einsum\""), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deepimage::testing
