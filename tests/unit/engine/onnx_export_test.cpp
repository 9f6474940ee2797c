// export_onnx: the real ONNX files of ../shared/realdata (opsets 9, 12 and 20) and small graphs that
// use opset-18 operands, imported, exported as opset 17, checked by libonnx's own checker and strict
// shape inference (an implementation of ONNX independent of ours), imported again and run: the
// outputs must equal those of the original file, and the opset-18 spellings their hand-computed values.
#include <gtest/gtest.h>

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/onnx/onnx_export.hpp"
#include "engine/onnx/onnx_import.hpp"
#include "support/cli.hpp"
#include "unit/engine/onnx_model_builder.hpp"

namespace deepimage::testing {
namespace {

namespace graph = engine::graph;

std::vector<std::byte> as_bytes(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return {p, p + s.size()};
}

// Exports, checks with libonnx (throws onnx::checker::ValidationError or InferenceError), re-imports.
graph::Graph round_trip(const graph::Graph& g, onnx::ModelProto* exported = nullptr, const std::vector<int>& output_ranks = {}) {
  onnx::ModelProto m = engine::export_onnx(g, "test", output_ranks);
  onnx::checker::check_model(m);
  onnx::shape_inference::InferShapes(m, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1));
  if (exported) *exported = m;
  return engine::import_onnx(as_bytes(m.SerializeAsString()), "exported.onnx");
}

std::vector<Tensor> run(const graph::Graph& g, const std::vector<Tensor>& inputs) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  return graph::run_reference(graph::specialize(g, shapes), inputs);
}

Tensor ramp(const Shape& shape, float scale) {
  Tensor t(DType::f32, shape);
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = std::sin(static_cast<float>(i) * scale);
  return t;
}

void expect_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].shape(), b[k].shape());
    ASSERT_EQ(a[k].byte_count(), b[k].byte_count());
    EXPECT_EQ(std::memcmp(a[k].bytes(), b[k].bytes(), a[k].byte_count()), 0) << "output " << k;
  }
}

graph::Graph import_file(const std::filesystem::path& file) {
  return engine::import_onnx(as_bytes(slurp(file)), file.filename().string());
}

struct RealFile {
  const char* path;
  std::vector<Shape> inputs;  // small tiles the network takes
};

TEST(OnnxExport, RealModelsPassTheOnnxCheckerAndComputeTheSame) {
  DEEPIMAGE_REQUIRE_REALDATA();
  const std::vector<RealFile> files = {
      {"unet2d_nuclei_broad/weights.onnx", {{1, 1, 64, 64}}},                 // opset 20, Resize half_pixel
      {"unet2d_nuclei_broad_2021export/weights.onnx", {{1, 1, 64, 64}}},      // opset 12, sigmoid inside
      {"unet2d_nuclei_broad_tiktorch_opset9/weights.onnx", {{1, 1, 64, 64}}}, // opset 9 Upsample
      {"unet2d_multi_tensor/onnx_removed_2024/weights.onnx", {{1, 1, 64, 64}, {1, 1, 64, 64}}},  // Shape/Gather/Slice
  };
  for (const auto& f : files) {
    SCOPED_TRACE(f.path);
    graph::Graph original = import_file(realdata() / f.path);
    for (graph::ValueId id : original.inputs)  // as NativeEngine does: the rdf, not the file, fixes sizes
      for (auto& d : original.value(id).shape) d = -1;
    onnx::ModelProto exported;
    const graph::Graph again = round_trip(original, &exported, std::vector<int>(original.outputs.size(), 4));
    EXPECT_EQ(exported.opset_import(0).version(), engine::kOnnxExportOpset);
    EXPECT_EQ(again.nodes.size(), original.nodes.size());
    std::vector<Tensor> inputs;
    for (std::size_t k = 0; k < f.inputs.size(); ++k) inputs.push_back(ramp(f.inputs[k], 0.37f + static_cast<float>(k)));
    expect_same(run(again, inputs), run(original, inputs));
  }
}

TEST(OnnxExport, ReduceAxesInputBecomesTheOpset17Attribute) {
  OnnxModelBuilder b(18);
  b.input("x", onnx::TensorProto::FLOAT, {2, 3, 4});
  b.int64s("axes", {2}, {0, 2});
  b.node("ReduceMean", {"x", "axes"}, {"y"}).integer("keepdims", 0);
  b.output("y");
  onnx::ModelProto exported;
  const graph::Graph again = round_trip(b.import(), &exported);
  const onnx::NodeProto& n = exported.graph().node(0);
  ASSERT_EQ(n.input_size(), 1);
  ASSERT_EQ(n.attribute_size(), 2);
  EXPECT_EQ(exported.graph().initializer_size(), 0);  // the axes constant went into the attribute
  const Tensor x = ramp({2, 3, 4}, 0.5f);
  const Tensor y = run(again, {x})[0];
  ASSERT_EQ(y.shape(), (Shape{3}));
  for (int c = 0; c < 3; ++c) {  // mean over axes 0 and 2, by hand
    double sum = 0;
    for (int a = 0; a < 2; ++a)
      for (int d = 0; d < 4; ++d) sum += x.data<float>()[a * 12 + c * 4 + d];
    EXPECT_NEAR(y.data<float>()[c], sum / 8, 1e-6);
  }
}

TEST(OnnxExport, PadAxesInputFoldsIntoFullRankPads) {
  OnnxModelBuilder b(18);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 2, 3});
  b.int64s("pads", {4}, {1, 0, 2, 0});  // [begins..., ends...] for axes (3, 2): axis 3 gets 1 before, 2 after
  b.floats("value", {}, {7.0f});
  b.int64s("axes", {2}, {3, 2});
  b.node("Pad", {"x", "pads", "value", "axes"}, {"y"});
  b.output("y");
  onnx::ModelProto exported;
  const graph::Graph again = round_trip(b.import(), &exported);
  EXPECT_EQ(exported.graph().node(0).input_size(), 3);
  const Tensor y = run(again, {ramp({1, 1, 2, 3}, 1.0f)})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 6}));
  const float* v = y.data<float>();
  EXPECT_EQ(v[0], 7.0f);
  EXPECT_EQ(v[1], std::sin(0.0f));
  EXPECT_EQ(v[3], std::sin(2.0f));
  EXPECT_EQ(v[4], 7.0f);
  EXPECT_EQ(v[5], 7.0f);
  EXPECT_EQ(v[7], std::sin(3.0f));
}

TEST(OnnxExport, LegacySoftmaxKeepsItsOldMeaning) {
  OnnxModelBuilder b(11);  // before opset 13: softmax over all axes from `axis` on, flattened
  b.input("x", onnx::TensorProto::FLOAT, {2, 3, 2});
  b.node("Softmax", {"x"}, {"y"}).integer("axis", 1);
  b.output("y");
  const graph::Graph again = round_trip(b.import());
  const Tensor x = ramp({2, 3, 2}, 0.9f);
  const Tensor y = run(again, {x})[0];
  ASSERT_EQ(y.shape(), (Shape{2, 3, 2}));
  for (int n = 0; n < 2; ++n) {
    double sum = 0;
    for (int i = 0; i < 6; ++i) sum += std::exp(static_cast<double>(x.data<float>()[n * 6 + i]));
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(y.data<float>()[n * 6 + i], std::exp(static_cast<double>(x.data<float>()[n * 6 + i])) / sum, 1e-6);
  }
}

TEST(OnnxExport, NodeNamesAreUniqueAsOnnxRuntimeRequires) {
  OnnxModelBuilder b(17);  // importers name several graph nodes after one layer (a Keras conv and its activation)
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 4, 4});
  b.node("Relu", {"x"}, {"a"});
  b.node("Sigmoid", {"a"}, {"y"});
  b.output("y");
  graph::Graph g = b.import();
  for (auto& n : g.nodes) n.name = "conv2d_30";
  onnx::ModelProto exported;
  round_trip(g, &exported);
  ASSERT_EQ(exported.graph().node_size(), 2);
  EXPECT_NE(exported.graph().node(0).name(), exported.graph().node(1).name());
}

// TF's Conv2DBackpropInput gives ConvTranspose its output size as a 4th operand: constant, it becomes
// ONNX's output_shape attribute; computed at run time (Keras: the input's size times the stride), the
// export slices the full transposed convolution at run time. Each must compute what the graph does,
// for several input sizes, kernels smaller and larger than the stride, and both paddings.
TEST(OnnxExport, ConvTransposeOutputSizeOperand) {
  OnnxModelBuilder b(17);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 4, 4});
  b.floats("w", {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  b.node("ConvTranspose", {"x", "w"}, {"y"}).integers("strides", {2, 2}).string("auto_pad", "SAME_UPPER");
  b.output("y");
  graph::Graph g = b.import();
  Tensor size(DType::i64, {2});
  size.data<std::int64_t>()[0] = 8, size.data<std::int64_t>()[1] = 8;
  g.nodes[0].inputs.resize(3, graph::no_value);
  g.nodes[0].inputs.push_back(g.add_constant("output_size", size));
  onnx::ModelProto exported;
  graph::Graph again = round_trip(g, &exported);
  EXPECT_EQ(exported.graph().node(0).input_size(), 2);
  const Tensor x = ramp({1, 1, 4, 4}, 0.3f);
  expect_same(run(again, {x}), run(g, {x}));
  ASSERT_EQ(run(again, {x})[0].shape(), (Shape{1, 1, 8, 8}));

  struct Case { std::int64_t kernel; const char* padding; std::int64_t plus; };
  for (const Case c : {Case{3, "SAME_UPPER", 0}, Case{1, "SAME_UPPER", 0}, Case{4, "SAME_UPPER", 1}, Case{3, "NOTSET", 0}}) {
    SCOPED_TRACE(std::to_string(c.kernel) + " " + c.padding);
    OnnxModelBuilder m(17);  // size = Shape(x)[2:] * 2 + plus, as Keras computes Conv2DBackpropInput's input_sizes
    m.input("x", onnx::TensorProto::FLOAT, {1, 2, "h", "w"});
    std::vector<float> weights(static_cast<std::size_t>(2 * 3 * c.kernel * c.kernel));
    for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = std::cos(static_cast<float>(i));
    m.floats("w", {2, 3, c.kernel, c.kernel}, weights);
    m.floats("bias", {3}, {0.5f, -1.0f, 2.0f});
    m.int64s("two", {1}, {2});
    m.int64s("plus", {1}, {c.plus});
    m.node("Shape", {"x"}, {"shape"}).integer("start", 2);
    m.node("Mul", {"shape", "two"}, {"doubled"});
    m.node("Add", {"doubled", "plus"}, {"size"});
    m.node("ConvTranspose", {"x", "w", "bias"}, {"y"}).integers("strides", {2, 2}).string("auto_pad", c.padding);
    m.output("y");
    graph::Graph computed = m.import();
    graph::Node& conv = computed.nodes.back();
    ASSERT_EQ(conv.op, "ConvTranspose");
    for (graph::ValueId v = 0; v < static_cast<graph::ValueId>(computed.values.size()); ++v)
      if (computed.value(v).name == "size") conv.inputs.push_back(v);
    ASSERT_EQ(conv.inputs.size(), 4u);
    const graph::Graph exported_again = round_trip(computed, nullptr, {4});
    for (const Shape& shape : {Shape{1, 2, 4, 4}, Shape{1, 2, 5, 7}}) {
      const Tensor in = ramp(shape, 0.7f);
      const std::vector<Tensor> want = run(computed, {in});
      ASSERT_EQ(want[0].shape(), (Shape{1, 3, shape[2] * 2 + c.plus, shape[3] * 2 + c.plus}));
      expect_same(run(exported_again, {in}), want);
    }
  }
}

TEST(OnnxExport, FusedFormsAreNotExported) {
  OnnxModelBuilder b(17);
  b.input("x", onnx::TensorProto::FLOAT, {1, 1, 4, 4});
  b.floats("w", {1, 1, 1, 1}, {2.0f});
  b.node("Conv", {"x", "w"}, {"c"});
  b.node("Relu", {"c"}, {"y"});
  b.output("y");
  graph::Graph fused = graph::specialize(b.import(), {{1, 1, 4, 4}});
  graph::fuse_conv_activation(fused);
  ASSERT_EQ(fused.nodes.size(), 1u);
  ASSERT_TRUE(fused.nodes[0].has("activation"));
  EXPECT_THROW(engine::export_onnx(fused, "test"), Error);
}

}  // namespace
}  // namespace deepimage::testing
