// cancel_transposes() on hand-built NHWC graphs shaped as the TF importer builds them (each conv, pool
// and batch norm wrapped in Transpose(0,3,1,2) ... Transpose(0,2,3,1)): the Transposes left are counted,
// and every graph gives the same outputs before and after the pass (reference interpreter), so the
// constants it permutes and the axes it remaps are checked against the unrewritten graph.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"

namespace deepimage::testing {
namespace {

using namespace engine::graph;

const std::vector<std::int64_t> kToNchw = {0, 3, 1, 2};
const std::vector<std::int64_t> kToNhwc = {0, 2, 3, 1};

Tensor values(Shape shape, float scale, float offset) {
  Tensor t(DType::f32, std::move(shape));
  for (std::int64_t i = 0; i < t.element_count(); ++i)
    t.data<float>()[i] = offset + scale * std::sin(0.7f * static_cast<float>(i) + 0.3f);
  return t;
}

Tensor int64_tensor(std::vector<std::int64_t> v) {
  Tensor t(DType::i64, {static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<std::int64_t>());
  return t;
}

struct Builder {
  Graph g;

  ValueId input(const std::string& name, Shape shape) {
    Value v;
    v.name = name;
    v.shape = std::move(shape);
    v.shape_known = true;
    const ValueId id = g.add_value(v);
    g.inputs.push_back(id);
    return id;
  }
  ValueId node(const std::string& op, std::vector<ValueId> inputs, std::map<std::string, Attribute> attrs = {}) {
    Node n;
    n.op = op;
    n.name = op + "_" + std::to_string(g.nodes.size());
    n.inputs = std::move(inputs);
    n.attributes = std::move(attrs);
    Value v;
    v.name = n.name + ":0";
    const ValueId out = g.add_value(v);
    n.outputs = {out};
    g.nodes.push_back(std::move(n));
    return out;
  }
  ValueId constant(const std::string& name, Tensor t) { return g.add_constant(name, std::move(t)); }
  ValueId transpose(ValueId x, const std::vector<std::int64_t>& perm) { return node("Transpose", {x}, {{"perm", perm}}); }
  // A TF Conv2D as the importer writes it: NHWC in and out, OIHW weights inside.
  ValueId conv_nhwc(ValueId x, std::int64_t in, std::int64_t out, float seed) {
    const ValueId w = constant("w" + std::to_string(g.nodes.size()), values({out, in, 3, 3}, 0.3f, seed));
    const ValueId b = constant("b" + std::to_string(g.nodes.size()), values({out}, 0.1f, 0.0f));
    const ValueId y = node("Conv", {transpose(x, kToNchw), w, b}, {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}});
    return transpose(y, kToNhwc);
  }
};

int count_op(const Graph& g, const std::string& op) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const Node& n) { return n.op == op; }));
}

// Runs `g` before and after the pass on the same inputs and expects the same outputs and names.
Graph expect_same_outputs(const Graph& g, const std::vector<Tensor>& inputs) {
  std::vector<Shape> shapes;
  for (const auto& t : inputs) shapes.push_back(t.shape());
  const auto expected = run_reference(specialize(g, shapes), inputs);
  Graph passed = g;
  cancel_transposes(passed);
  EXPECT_EQ(passed.outputs.size(), g.outputs.size());
  for (std::size_t k = 0; k < g.outputs.size(); ++k)
    EXPECT_EQ(passed.value(passed.outputs[k]).name, g.value(g.outputs[k]).name);
  const auto got = run_reference(specialize(passed, shapes), inputs);
  EXPECT_EQ(got.size(), expected.size());
  for (std::size_t k = 0; k < got.size() && k < expected.size(); ++k) {
    EXPECT_EQ(got[k].shape(), expected[k].shape()) << "output " << k;
    if (got[k].shape() != expected[k].shape()) continue;
    const float* a = got[k].data<float>();
    const float* b = expected[k].data<float>();
    std::int64_t bad = 0;
    for (std::int64_t i = 0; i < got[k].element_count() && bad < 5; ++i)
      if (std::abs(a[i] - b[i]) > 1e-5f) {
        ADD_FAILURE() << "output " << k << " element " << i << ": " << a[i] << " after the pass, " << b[i] << " before";
        ++bad;
      }
  }
  return passed;
}

TEST(CancelTransposes, ConvChainKeepsOneTransposeAtEachEnd) {
  Builder b;
  const ValueId x = b.input("x", {1, 6, 5, 2});
  ValueId h = b.conv_nhwc(x, 2, 3, 0.1f);
  h = b.node("Add", {h, b.constant("bias", values({3}, 0.5f, 0.2f))});  // a TF BiasAdd: the channel is last
  h = b.node("Relu", {h});
  h = b.node("Mul", {h, b.constant("scale", values({1, 1, 1, 3}, 1.0f, 0.5f))});
  h = b.node("Sub", {b.constant("two", values({}, 0.0f, 2.0f)), h});
  h = b.conv_nhwc(h, 3, 4, -0.2f);
  h = b.node("Sigmoid", {h});
  b.g.outputs = {h};
  ASSERT_EQ(count_op(b.g, "Transpose"), 4);
  const Graph passed = expect_same_outputs(b.g, {values({1, 6, 5, 2}, 3.0f, 0.0f)});
  EXPECT_EQ(count_op(passed, "Transpose"), 2);
  // The first node reads the input through a Transpose, and the output comes from one.
  EXPECT_EQ(passed.nodes.front().op, "Transpose");
  EXPECT_EQ(passed.nodes.back().op, "Transpose");
}

TEST(CancelTransposes, SkipConnectionConcatAlongChannels) {
  // U-Net style: the encoder output is read by the next conv and, later, by a Concat on the last axis.
  Builder b;
  const ValueId x = b.input("x", {1, 4, 4, 2});
  const ValueId e = b.node("Relu", {b.conv_nhwc(x, 2, 3, 0.3f)});
  const ValueId d = b.node("Elu", {b.conv_nhwc(e, 3, 3, -0.4f)}, {{"alpha", 1.0}});
  const ValueId cat = b.node("Concat", {e, d}, {{"axis", std::int64_t{-1}}});
  const ValueId y = b.conv_nhwc(cat, 6, 1, 0.2f);
  b.g.outputs = {y};
  const Graph passed = expect_same_outputs(b.g, {values({1, 4, 4, 2}, 2.0f, 0.5f)});
  EXPECT_EQ(count_op(passed, "Transpose"), 2);
}

TEST(CancelTransposes, ReductionsOverSpatialAxesAndChannels) {
  // TF's Mean over [1, 2] (keep_dims false) and Max over [1, 2, 3] (keep_dims true) of an NHWC tensor.
  Builder b;
  const ValueId x = b.input("x", {2, 3, 4, 2});
  const ValueId h = b.node("Tanh", {b.conv_nhwc(x, 2, 3, 0.5f)});
  const ValueId mean = b.node("ReduceMean", {h, b.constant("hw", int64_tensor({1, 2}))}, {{"keepdims", std::int64_t{0}}});
  const ValueId max = b.node("ReduceMax", {h, b.constant("hwc", int64_tensor({1, 2, 3}))}, {{"keepdims", std::int64_t{1}}});
  const ValueId sum_w = b.node("ReduceSum", {h, b.constant("w", int64_tensor({2}))}, {{"keepdims", std::int64_t{0}}});
  const ValueId scaled = b.node("Div", {h, max});  // the kept (N, 1, 1, 1) broadcasts back
  b.g.outputs = {mean, max, sum_w, b.conv_nhwc(scaled, 3, 2, 0.1f)};
  const Graph passed = expect_same_outputs(b.g, {values({2, 3, 4, 2}, 2.0f, 0.0f)});
  // mean's kept axes (N, C) come out in order: no Transpose; sum over W keeps (N, H, C) from NCHW's
  // (N, C, H): one; the conv path ends in one; the input has one.
  EXPECT_EQ(count_op(passed, "Transpose"), 4);
}

TEST(CancelTransposes, PadAndSoftmaxRemapTheirAxes) {
  Builder b;
  const ValueId x = b.input("x", {1, 3, 3, 2});
  ValueId h = b.conv_nhwc(x, 2, 2, 0.2f);
  h = b.node("Pad", {h, b.constant("pads", int64_tensor({0, 1, 0, 0, 0, 2, 1, 0}))}, {{"mode", std::string("reflect")}});
  h = b.node("Softmax", {h}, {{"axis", std::int64_t{-1}}});
  b.g.outputs = {b.conv_nhwc(h, 2, 2, -0.1f)};
  const Graph passed = expect_same_outputs(b.g, {values({1, 3, 3, 2}, 1.0f, 0.0f)});
  EXPECT_EQ(count_op(passed, "Transpose"), 2);
}

TEST(CancelTransposes, OutputNamesSurviveACancelledPair) {
  // relu(x) -> T -> T^-1 is the graph output: its value keeps its name though both Transposes go.
  Builder b;
  const ValueId x = b.input("x", {1, 2, 3, 4});
  const ValueId r = b.node("Relu", {x});
  const ValueId y = b.transpose(b.transpose(r, kToNchw), kToNhwc);
  b.g.outputs = {y};
  const Graph passed = expect_same_outputs(b.g, {values({1, 2, 3, 4}, 1.0f, 0.0f)});
  EXPECT_EQ(count_op(passed, "Transpose"), 0);
  EXPECT_EQ(passed.nodes.size(), 1u);

  // When the pair's input is the graph input itself, an Identity keeps the output's name.
  Builder c;
  const ValueId cx = c.input("x", {1, 2, 3, 4});
  c.g.outputs = {c.transpose(c.transpose(cx, kToNhwc), kToNchw)};
  const Graph passed_c = expect_same_outputs(c.g, {values({1, 2, 3, 4}, 1.0f, 0.0f)});
  ASSERT_EQ(passed_c.nodes.size(), 1u);
  EXPECT_EQ(passed_c.nodes[0].op, "Identity");
}

TEST(CancelTransposes, TwoTransposesComposeIntoOne) {
  Builder b;
  const ValueId x = b.input("x", {2, 3, 4, 5});
  b.g.outputs = {b.transpose(b.transpose(x, {1, 0, 3, 2}), kToNchw)};
  const Graph passed = expect_same_outputs(b.g, {values({2, 3, 4, 5}, 1.0f, 0.0f)});
  ASSERT_EQ(passed.nodes.size(), 1u);
  EXPECT_EQ(passed.nodes[0].get_ints("perm"), (std::vector<std::int64_t>{1, 2, 0, 3}));
}

TEST(CancelTransposes, LeavesATransposeWhoseOtherReaderItCannotPass) {
  // Add of two NHWC tensors of which only one comes from a Transpose: nothing moves (moving it would
  // add a Transpose on the other operand), and a Reshape reader pins the Transpose too.
  Builder b;
  const ValueId x = b.input("x", {1, 2, 2, 3});
  const ValueId t = b.conv_nhwc(x, 3, 3, 0.4f);
  const ValueId sum = b.node("Add", {t, x});
  const ValueId flat = b.node("Reshape", {t, b.constant("shape", int64_tensor({1, -1}))});
  b.g.outputs = {sum, flat};
  const Graph passed = expect_same_outputs(b.g, {values({1, 2, 2, 3}, 1.0f, 0.0f)});
  EXPECT_EQ(count_op(passed, "Transpose"), 2);
}

}  // namespace
}  // namespace deepimage::testing
