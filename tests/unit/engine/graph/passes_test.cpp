// specialize(), remove_dead_nodes() and run_reference() on hand-built graphs: the exporters' shape
// chain (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) folds into a constant shape and gives the
// same result as running the chain unfolded; dead branches go; a wrong input shape is refused by name.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "deepimage/error.hpp"
#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"

namespace deepimage::testing {
namespace {

using namespace engine::graph;

Tensor int64_tensor(Shape shape, std::vector<std::int64_t> values) {
  Tensor t(DType::i64, std::move(shape));
  std::copy(values.begin(), values.end(), t.data<std::int64_t>());
  return t;
}

Tensor ramp(Shape shape, float start = -5.0f) {
  Tensor t(DType::f32, std::move(shape));
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = start + 0.5f * static_cast<float>(i);
  return t;
}

ValueId add_unknown(Graph& g, const std::string& name) {
  Value v;
  v.name = name;
  return g.add_value(v);
}

ValueId add_node(Graph& g, const std::string& op, std::vector<ValueId> inputs, std::map<std::string, Attribute> attrs = {}) {
  Node n;
  n.op = op;
  n.name = op + "_" + std::to_string(g.nodes.size());
  n.inputs = std::move(inputs);
  n.attributes = std::move(attrs);
  const ValueId out = add_unknown(g, n.name + "_out");
  n.outputs = {out};
  g.nodes.push_back(std::move(n));
  return out;
}

// x: float32 (1, 2, ?, ?).  y = Relu(Reshape(x, Concat(N, [-1], W))) with N, W read from Shape(x), as
// PyTorch exports x.view(x.shape[0], -1, x.shape[3]); plus a dead branch Mul(Sigmoid(x), x).
struct ShapeChainGraph {
  Graph graph;
  ValueId reshape_out = no_value;
};

ShapeChainGraph shape_chain_graph() {
  ShapeChainGraph s;
  Graph& g = s.graph;
  g.source = "chain.onnx";
  Value x;
  x.name = "x";
  x.shape = {1, 2, -1, -1};
  x.shape_known = true;
  const ValueId xid = g.add_value(x);
  g.inputs = {xid};
  const ValueId shape = add_node(g, "Shape", {xid});
  const ValueId n = add_node(g, "Gather", {shape, g.add_constant("zero", int64_tensor({}, {0}))});
  const ValueId w = add_node(g, "Gather", {shape, g.add_constant("three", int64_tensor({}, {3}))});
  const ValueId axes = g.add_constant("axes0", int64_tensor({1}, {0}));
  const ValueId n1 = add_node(g, "Unsqueeze", {n, axes});
  const ValueId w1 = add_node(g, "Unsqueeze", {w, axes});
  const ValueId target = add_node(g, "Concat", {n1, g.add_constant("minus_one", int64_tensor({1}, {-1})), w1},
                                  {{"axis", std::int64_t{0}}});
  s.reshape_out = add_node(g, "Reshape", {xid, target});
  const ValueId y = add_node(g, "Relu", {s.reshape_out});
  const ValueId dead = add_node(g, "Sigmoid", {xid});
  add_node(g, "Mul", {dead, xid});
  g.outputs = {y};
  return s;
}

std::vector<std::string> ops_of(const Graph& g) {
  std::vector<std::string> ops;
  for (const auto& n : g.nodes) ops.push_back(n.op);
  return ops;
}

TEST(GraphSpecialize, ShapeChainFoldsIntoAConstantReshapeTarget) {
  const Graph s = specialize(shape_chain_graph().graph, {{1, 2, 3, 4}});
  EXPECT_EQ(ops_of(s), (std::vector<std::string>{"Reshape", "Relu"}));
  const Node& reshape = s.nodes[0];
  ASSERT_TRUE(s.is_constant(reshape.inputs[1]));
  const Tensor& target = *s.value(reshape.inputs[1]).constant;
  ASSERT_EQ(target.dtype(), DType::i64);
  EXPECT_EQ(std::vector<std::int64_t>(target.data<std::int64_t>(), target.data<std::int64_t>() + 3),
            (std::vector<std::int64_t>{1, -1, 4}));
  EXPECT_EQ(s.value(reshape.outputs[0]).shape, (Shape{1, 6, 4}));
  EXPECT_EQ(s.value(s.outputs[0]).shape, (Shape{1, 6, 4}));
  EXPECT_TRUE(s.value(s.outputs[0]).shape_known);
}

TEST(GraphSpecialize, FoldedGraphComputesWhatTheUnfoldedChainComputes) {
  const Graph g = shape_chain_graph().graph;
  const Tensor x = ramp({1, 2, 3, 4});
  const auto folded = run_reference(specialize(g, {x.shape()}), {x});
  const auto unfolded = run_reference(g, {x});  // Shape, Gather, ... computed node by node
  ASSERT_EQ(folded.size(), 1u);
  ASSERT_EQ(unfolded.size(), 1u);
  ASSERT_EQ(folded[0].shape(), (Shape{1, 6, 4}));
  ASSERT_EQ(unfolded[0].shape(), (Shape{1, 6, 4}));
  for (std::int64_t i = 0; i < x.element_count(); ++i) {
    const float expected = std::max(0.0f, -5.0f + 0.5f * static_cast<float>(i));  // relu of the ramp, C order kept
    EXPECT_EQ(folded[0].data<float>()[i], expected) << i;
    EXPECT_EQ(unfolded[0].data<float>()[i], expected) << i;
  }
}

TEST(GraphSpecialize, RemovesTheDeadBranchAndValuesNothingUses) {
  const Graph g = shape_chain_graph().graph;
  const Graph s = specialize(g, {{1, 2, 3, 4}});
  const auto ops = ops_of(s);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Sigmoid"), 0);
  EXPECT_EQ(std::count(ops.begin(), ops.end(), "Mul"), 0);
  // x, the folded target, the Reshape output and y: the chain's constants and intermediates are gone.
  EXPECT_EQ(s.values.size(), 4u);
  for (const auto& n : s.nodes)
    for (const ValueId id : n.inputs) EXPECT_LT(static_cast<std::size_t>(id), s.values.size());
  EXPECT_EQ(s.value(s.inputs[0]).name, "x");
  EXPECT_EQ(s.value(s.outputs[0]).name, g.value(g.outputs[0]).name);
}

TEST(GraphSpecialize, LeavesTheInputGraphUnchanged) {
  const Graph g = shape_chain_graph().graph;
  const std::size_t nodes = g.nodes.size();
  specialize(g, {{1, 2, 3, 4}});
  EXPECT_EQ(g.nodes.size(), nodes);
  EXPECT_EQ(g.value(g.inputs[0]).shape, (Shape{1, 2, -1, -1}));
}

void expect_invalid_input(const std::vector<Shape>& shapes, const std::string& expected_message) {
  try {
    specialize(shape_chain_graph().graph, shapes);
    FAIL() << "no error for " << shape_to_string(shapes.at(0));
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(e.what()), expected_message);
  }
}

TEST(GraphSpecialize, WrongInputRankNamesTheInputAndTheExpectedRank) {
  expect_invalid_input({{1, 2, 3}}, "input \"x\" has shape (1, 2, 3), expected rank 4 (1, 2, ?, ?)");
}

TEST(GraphSpecialize, WrongFixedSizeNamesTheInputAndTheExpectedSizes) {
  expect_invalid_input({{1, 3, 8, 8}}, "input \"x\" has shape (1, 3, 8, 8), expected (1, 2, ?, ?)");
}

TEST(GraphSpecialize, WrongNumberOfInputShapesIsRefused) {
  try {
    specialize(shape_chain_graph().graph, {{1, 2, 3, 4}, {1}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(e.what()), "\"chain.onnx\" has 1 inputs, 2 input shapes given");
  }
}

TEST(GraphSpecialize, AllConstantGraphFoldsToItsOutputs) {
  Graph g;
  Tensor a(DType::f32, {2});
  a.data<float>()[0] = 1.5f;
  a.data<float>()[1] = -2.0f;
  const ValueId sum = add_node(g, "Add", {g.add_constant("a", a), g.add_constant("b", a)});
  g.outputs = {add_node(g, "Neg", {sum})};
  const Graph s = specialize(g, {});
  EXPECT_TRUE(s.nodes.empty());
  ASSERT_TRUE(s.is_constant(s.outputs[0]));
  const auto y = run_reference(s, {});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(y[0].data<float>()[0], -3.0f);
  EXPECT_EQ(y[0].data<float>()[1], 4.0f);
}

TEST(GraphSpecialize, UnknownOperatorIsNamed) {
  Graph g;
  Value x;
  x.name = "x";
  g.inputs = {g.add_value(x)};
  g.outputs = {add_node(g, "FancyOp", {g.inputs[0]})};
  try {
    specialize(g, {{2}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_EQ(std::string(e.what()), "FancyOp node \"FancyOp_0\": operator \"FancyOp\" is not supported by the native engine");
  }
}

TEST(GraphSpecialize, ResolvesAutoPadIntoExplicitPads) {
  // SAME_UPPER, kernel 3, stride 2: out = ceil(in / 2), total pad = (out - 1) * 2 + 3 - in, the odd
  // pixel at the end: height 6 -> out 3, pad 1 = (0, 1); width 5 -> out 3, pad 2 = (1, 1).
  Graph g;
  Value x;
  x.name = "x";
  x.shape = {1, 1, -1, -1};
  x.shape_known = true;
  g.inputs = {g.add_value(x)};
  Tensor w(DType::f32, {1, 1, 3, 3});
  const ValueId conv = add_node(g, "Conv", {g.inputs[0], g.add_constant("w", w)},
                                {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<std::int64_t>{2, 2}}});
  g.outputs = {conv};
  const Graph s = specialize(g, {{1, 1, 6, 5}});
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_FALSE(s.nodes[0].has("auto_pad"));
  EXPECT_EQ(s.nodes[0].get_ints("pads"), (std::vector<std::int64_t>{0, 1, 1, 1}));
  EXPECT_EQ(s.value(s.outputs[0]).shape, (Shape{1, 1, 3, 3}));
}

TEST(GraphSpecialize, ResolvesConvTransposeOutputShapeIntoExplicitPads) {
  // stride 2, kernel 3, input 3: the full output is 2 * (3 - 1) + 3 = 7; output_shape 6 asks for one
  // pixel of padding per axis in total, which specialize() writes as pads.
  Graph g;
  Value x;
  x.name = "x";
  x.shape = {1, 1, -1, -1};
  x.shape_known = true;
  g.inputs = {g.add_value(x)};
  const ValueId y = add_node(g, "ConvTranspose", {g.inputs[0], g.add_constant("w", Tensor(DType::f32, {1, 1, 3, 3}))},
                             {{"strides", std::vector<std::int64_t>{2, 2}}, {"output_shape", std::vector<std::int64_t>{6, 6}}});
  g.outputs = {y};
  const Graph s = specialize(g, {{1, 1, 3, 3}});
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_FALSE(s.nodes[0].has("output_shape"));
  const auto pads = s.nodes[0].get_ints("pads");
  ASSERT_EQ(pads.size(), 4u);
  EXPECT_EQ(pads[0] + pads[2], 1);
  EXPECT_EQ(pads[1] + pads[3], 1);
  EXPECT_EQ(s.value(s.outputs[0]).shape, (Shape{1, 1, 6, 6}));
}

TEST(GraphSpecialize, ConvTransposeOutputShapeOperandComputedFromTheInputShape) {
  // TF's Conv2DBackpropInput: output size 2 * H - 1 read from Shape(x) at run time. Input 3, stride 2,
  // kernel 3: the full output is 7, 5 is asked for: 2 pixels of padding, one at each end (TF's SAME
  // split, floor(total / 2) first).
  Graph g;
  Value x;
  x.name = "x";
  x.shape = {1, 1, -1, -1};
  x.shape_known = true;
  g.inputs = {g.add_value(x)};
  const ValueId shape = add_node(g, "Shape", {g.inputs[0]}, {{"start", std::int64_t{2}}});
  const ValueId doubled = add_node(g, "Mul", {shape, g.add_constant("two", int64_tensor({}, {2}))});
  const ValueId wanted = add_node(g, "Sub", {doubled, g.add_constant("one", int64_tensor({}, {1}))});
  const ValueId y = add_node(g, "ConvTranspose", {g.inputs[0], g.add_constant("w", Tensor(DType::f32, {1, 1, 3, 3})), no_value, wanted},
                             {{"strides", std::vector<std::int64_t>{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  g.outputs = {y};
  const Graph s = specialize(g, {{1, 1, 3, 3}});
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_EQ(s.nodes[0].inputs.size(), 2u);
  EXPECT_EQ(s.nodes[0].get_ints("pads"), (std::vector<std::int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(s.value(s.outputs[0]).shape, (Shape{1, 1, 5, 5}));
  // The same graph for another input size gives another output size.
  const Graph other = specialize(g, {{1, 1, 4, 6}});
  EXPECT_EQ(other.value(other.outputs[0]).shape, (Shape{1, 1, 7, 11}));
}

TEST(GraphRemoveDeadNodes, KeepsWhatOutputsNeedAndRenumbersValues) {
  Graph g;
  Value x;
  x.name = "x";
  x.shape = {3};
  x.shape_known = true;
  g.inputs = {g.add_value(x)};
  const ValueId unused_constant = g.add_constant("unused", Tensor(DType::f32, {3}));
  const ValueId dead = add_node(g, "Exp", {g.inputs[0]});
  add_node(g, "Add", {dead, unused_constant});
  const ValueId live = add_node(g, "Abs", {g.inputs[0]});
  g.outputs = {add_node(g, "Neg", {live})};
  remove_dead_nodes(g);
  EXPECT_EQ(ops_of(g), (std::vector<std::string>{"Abs", "Neg"}));
  ASSERT_EQ(g.values.size(), 3u);  // x, Abs's output, Neg's output
  EXPECT_EQ(g.nodes[0].inputs[0], g.inputs[0]);
  EXPECT_EQ(g.nodes[1].inputs[0], g.nodes[0].outputs[0]);
  EXPECT_EQ(g.outputs[0], g.nodes[1].outputs[0]);
}

TEST(GraphReferenceInterpreter, ValueReadByTwoLaterNodesSurvivesUntilItsLastUse) {
  // t = Abs(x); u = Neg(t); y = Add(u, t): t must outlive Neg.
  Graph g;
  Value x;
  x.name = "x";
  x.shape = {4};
  x.shape_known = true;
  g.inputs = {g.add_value(x)};
  const ValueId t = add_node(g, "Abs", {g.inputs[0]});
  const ValueId u = add_node(g, "Neg", {t});
  g.outputs = {add_node(g, "Add", {u, t}), t};
  const Tensor in = ramp({4}, -1.0f);  // -1, -0.5, 0, 0.5
  const auto y = run_reference(specialize(g, {{4}}), {in});
  ASSERT_EQ(y.size(), 2u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(y[0].data<float>()[i], 0.0f);
    EXPECT_EQ(y[1].data<float>()[i], std::abs(in.data<float>()[i]));
  }
}

TEST(GraphReferenceInterpreter, OutputsListedTwiceOrFedStraightThroughAreAllReturned) {
  Graph g;
  Value x;
  x.name = "x";
  x.shape = {2};
  x.shape_known = true;
  g.inputs = {g.add_value(x)};
  const ValueId y = add_node(g, "Neg", {g.inputs[0]});
  g.outputs = {y, g.inputs[0], y};
  const Tensor in = ramp({2}, 1.0f);  // 1, 1.5
  const auto out = run_reference(specialize(g, {{2}}), {in});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].data<float>()[1], -1.5f);
  EXPECT_EQ(out[1].data<float>()[1], 1.5f);
  EXPECT_EQ(out[2].data<float>()[1], -1.5f);
}

TEST(GraphReferenceInterpreter, InputOfAnotherShapeThanSpecialisedIsRefused) {
  const Graph s = specialize(shape_chain_graph().graph, {{1, 2, 3, 4}});
  try {
    run_reference(s, {ramp({1, 2, 4, 4})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_EQ(std::string(e.what()),
              "input \"x\" is a float32 tensor of shape (1, 2, 4, 4), the graph was specialised for float32 (1, 2, 3, 4)");
  }
}

}  // namespace
}  // namespace deepimage::testing
