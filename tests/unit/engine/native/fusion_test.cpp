// fuse_conv_activation(), pointwise_conv_before_upsampling() and split_conv_over_concat().
// fuse_conv_activation(): which chains merge (the node count drops), which must not (a second reader,
// a graph output, a broadcast residual), and that the fused graph computes what the original did
// (both through the reference interpreter, so only the rewrite is under test).
#include <gtest/gtest.h>

#include "engine/graph/passes.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/native/graph_builder.hpp"

namespace deepimage::testing {
namespace {

// Fuses a copy of `graph`, checks the node count, and compares both graphs' outputs on one input set.
Graph expect_fused(const Graph& graph, std::size_t expected_nodes) {
  Graph fused = graph;
  engine::graph::fuse_conv_activation(fused);
  EXPECT_EQ(fused.nodes.size(), expected_nodes);
  std::vector<Tensor> inputs;
  for (std::size_t k = 0; k < graph.inputs.size(); ++k)
    inputs.push_back(random_tensor(graph.value(graph.inputs[k]).shape, 5 + static_cast<std::uint32_t>(k)));
  const auto before = engine::graph::run_reference(graph, inputs);
  const auto after = engine::graph::run_reference(fused, inputs);
  EXPECT_EQ(before.size(), after.size());
  for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i)
    EXPECT_LE(max_abs_diff(before[i], after[i]), kFusionRewriteMaxAbs) << "output " << i;
  return fused;
}

ValueId conv(GraphBuilder& b, ValueId x, std::int64_t in, std::int64_t out, bool bias = true) {
  return b.node("Conv", {x, b.random_constant({out, in, 3, 3}, -0.3f, 0.3f), bias ? b.random_constant({out}) : no_value},
                {{"pads", Ints{1, 1, 1, 1}}});
}

TEST(FuseConvActivation, ConvAndActivationBecomeOneNode) {
  GraphBuilder b;
  const ValueId x = b.input({1, 2, 6, 5});
  const Graph fused = expect_fused(b.finish({b.node("LeakyRelu", {conv(b, x, 2, 3)}, {{"alpha", 0.3}})}), 1);
  EXPECT_EQ(fused.nodes[0].get_string("activation", ""), "leaky_relu");
  EXPECT_DOUBLE_EQ(fused.nodes[0].get_float("alpha", 0), 0.3);
}

TEST(FuseConvActivation, ClipWithConstantBoundsAndConvTranspose) {
  GraphBuilder b;
  const ValueId x = b.input({1, 2, 6, 5});
  const ValueId c = b.node("Clip", {conv(b, x, 2, 3), b.scalar(-0.2f), b.scalar(0.25f)});
  const ValueId t = b.node("ConvTranspose", {c, b.random_constant({3, 2, 2, 2}), b.random_constant({2})},
                           {{"strides", Ints{2, 2}}});
  const Graph fused = expect_fused(b.finish({b.node("Sigmoid", {t})}), 2);
  EXPECT_EQ(fused.nodes[0].get_string("activation", ""), "clip");
  EXPECT_DOUBLE_EQ(fused.nodes[0].get_float("beta", 0), 0.25);
  EXPECT_EQ(fused.nodes[1].get_string("activation", ""), "sigmoid");
}

TEST(FuseConvActivation, ResidualAddThenActivationBecomeOneNodeWithASumInput) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 6, 5});
  const ValueId r = b.node("Relu", {x});
  const ValueId s = b.node("Add", {r, conv(b, r, 3, 3, false)});
  const Graph fused = expect_fused(b.finish({b.node("Relu", {s})}), 2);
  const auto& node = fused.nodes[1];
  ASSERT_EQ(node.inputs.size(), 4u);
  EXPECT_EQ(node.inputs[2], no_value);
  EXPECT_EQ(node.inputs[3], fused.nodes[0].outputs[0]);
  EXPECT_EQ(node.get_string("activation", ""), "relu");
}

TEST(FuseConvActivation, LeavesChainsWhoseIntermediatesAreReadElsewhere) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 6, 5});
  const ValueId c1 = conv(b, x, 3, 3);
  const ValueId relu1 = b.node("Relu", {c1});
  const ValueId also = b.node("Sigmoid", {c1});  // c1 has a second reader
  const ValueId c2 = conv(b, relu1, 3, 3);       // c2 is a graph output
  const ValueId relu2 = b.node("Relu", {c2});
  const ValueId c3 = conv(b, relu2, 3, 3);
  const ValueId broadcast = b.node("Add", {c3, b.random_constant({1, 3, 1, 1})});  // not a same-shape residual
  expect_fused(b.finish({also, c2, broadcast}), 7);
}

TEST(FuseConvActivation, BatchNormalizationFoldsIntoTheConvWeights) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 7, 6});
  const ValueId bn = b.node("BatchNormalization", {conv(b, x, 3, 4), b.random_constant({4}), b.random_constant({4}),
                                                   b.random_constant({4}), b.random_constant({4}, 0.2f, 2.0f)},
                            {{"epsilon", 1e-3}});
  const ValueId t = b.node("ConvTranspose", {b.node("Relu", {bn}), b.random_constant({4, 3, 3, 3}), no_value},
                           {{"strides", Ints{2, 2}}, {"group", std::int64_t{1}}});
  const ValueId bn2 = b.node("BatchNormalization", {t, b.random_constant({3}), b.random_constant({3}),
                                                    b.random_constant({3}), b.random_constant({3}, 0.2f, 2.0f)});
  // conv + BN + relu -> one node; conv-transpose + BN -> one node
  const Graph fused = expect_fused(b.finish({bn2}), 2);
  EXPECT_EQ(fused.nodes[0].get_string("activation", ""), "relu");
}

// --- pointwise_conv_before_upsampling ---

// Applies the pass to a copy, compares outputs, and returns the rewritten graph.
Graph expect_same_after_swap(const Graph& graph) {
  Graph swapped = graph;
  engine::graph::pointwise_conv_before_upsampling(swapped);
  EXPECT_EQ(swapped.nodes.size(), graph.nodes.size());
  const Tensor x = random_tensor(graph.value(graph.inputs[0]).shape, 11);
  const auto before = engine::graph::run_reference(graph, {x});
  const auto after = engine::graph::run_reference(swapped, {x});
  EXPECT_LE(max_abs_diff(before[0], after[0]), kFusionRewriteMaxAbs);
  return swapped;
}

Graph upsample_then_conv(const std::string& mode, std::int64_t out_channels, bool with_sizes) {
  GraphBuilder b;
  const ValueId x = b.input({1, 8, 5, 6});
  const ValueId up = with_sizes
                         ? b.node("Resize", {x, no_value, no_value, b.ints({1, 8, 10, 12})}, {{"mode", mode}})
                         : b.node("Resize", {x, no_value, b.floats({1, 1, 2, 2})}, {{"mode", mode}});
  const ValueId y = b.node("Conv", {up, b.random_constant({out_channels, 8, 1, 1}), b.random_constant({out_channels})});
  return b.finish({y});
}

TEST(PointwiseConvBeforeUpsampling, LinearAndNearestUpsamplingSwapWithA1x1Conv) {
  for (const std::string mode : {"linear", "nearest"})
    for (bool sizes : {false, true}) {
      SCOPED_TRACE(mode + (sizes ? " with sizes" : " with scales"));
      const Graph g = expect_same_after_swap(upsample_then_conv(mode, 4, sizes));
      EXPECT_EQ(g.nodes[0].op, "Conv");
      EXPECT_EQ(g.nodes[1].op, "Resize");
      EXPECT_EQ(g.value(g.nodes[0].outputs[0]).shape, (Shape{1, 4, 5, 6}));
    }
}

TEST(PointwiseConvBeforeUpsampling, LeavesOtherChainsAlone) {
  // More output channels than input: resampling them would cost more than it saves.
  EXPECT_EQ(expect_same_after_swap(upsample_then_conv("linear", 12, false)).nodes[0].op, "Resize");
  // Cubic weights can be negative and extrapolate: not swapped (the rule holds, the pass is conservative).
  EXPECT_EQ(expect_same_after_swap(upsample_then_conv("cubic", 4, false)).nodes[0].op, "Resize");
  // An activation after the conv does not commute with interpolation.
  GraphBuilder b;
  const ValueId x = b.input({1, 8, 5, 6});
  const ValueId up = b.node("Resize", {x, no_value, b.floats({1, 1, 2, 2})}, {{"mode", std::string("linear")}});
  Graph fused = b.finish({b.node("Conv", {up, b.random_constant({4, 8, 1, 1}), no_value})});
  fused.nodes[1].attributes["activation"] = std::string("relu");
  EXPECT_EQ(expect_same_after_swap(fused).nodes[0].op, "Resize");
}

// --- split_conv_over_concat ---

// Splits a copy of `graph`, then fuses it as the executor does, and compares all three on the reference
// kernels; returns the split and fused graph.
Graph expect_same_after_split(const Graph& graph) {
  Graph split = graph;
  engine::graph::split_conv_over_concat(split);
  Graph fused = split;
  engine::graph::fuse_conv_activation(fused);
  std::vector<Tensor> inputs;
  for (std::size_t k = 0; k < graph.inputs.size(); ++k)
    inputs.push_back(random_tensor(graph.value(graph.inputs[k]).shape, 21 + static_cast<std::uint32_t>(k)));
  const auto before = engine::graph::run_reference(graph, inputs);
  for (const Graph* g : {&split, &fused}) {
    const auto after = engine::graph::run_reference(*g, inputs);
    EXPECT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i)
      EXPECT_LE(max_abs_diff(before[i], after[i]), kFusionRewriteMaxAbs) << "output " << i;
  }
  return fused;
}

std::vector<std::string> ops_in(const Graph& g) {
  std::vector<std::string> ops;
  for (const Node& n : g.nodes) ops.push_back(n.op + (n.has("activation") ? "+" + n.get_string("activation", "") : ""));
  return ops;
}

TEST(SplitConvOverConcat, AConvOfAChannelConcatBecomesAccumulatingConvsOfItsParts) {
  for (std::int64_t parts : {2, 3}) {
    SCOPED_TRACE(std::to_string(parts) + " parts");
    GraphBuilder b;
    const ValueId x = b.input({1, 4, 7, 6});
    std::vector<ValueId> pieces;
    for (std::int64_t p = 0; p < parts; ++p) pieces.push_back(conv(b, x, 4, 16 + 8 * p));
    const std::int64_t channels = parts == 2 ? 40 : 72;
    const ValueId cat = b.node("Concat", pieces, {{"axis", std::int64_t{1}}});
    const ValueId y = b.node("Conv", {cat, b.random_constant({5, channels, 3, 3}, -0.1f, 0.1f), b.random_constant({5})},
                             {{"pads", Ints{1, 1, 1, 1}}});
    const Graph fused = expect_same_after_split(b.finish({b.node("Relu", {y})}));
    // The parts' producers, the first part's conv with the bias, then each further part's conv adding
    // the running total (its 4th input), the last one with the ReLU; no Concat left.
    std::vector<std::string> expected(static_cast<std::size_t>(parts) * 2, "Conv");
    expected.back() = "Conv+relu";
    EXPECT_EQ(ops_in(fused), expected);
    EXPECT_EQ(fused.nodes.back().inputs.size(), 4u);
    EXPECT_EQ(fused.nodes.back().inputs[2], no_value);  // the bias was added once, by the first part
  }
}

TEST(SplitConvOverConcat, LeavesOtherConcatsAlone) {
  const auto graph_with = [](std::int64_t part_channels, bool concat_read_again, std::int64_t group, std::int64_t axis) {
    GraphBuilder b;
    const ValueId x = b.input({1, part_channels, 6, 6});
    const ValueId r = b.node("Relu", {x});
    const ValueId s = b.node("Sigmoid", {x});
    const ValueId cat = b.node("Concat", {r, s}, {{"axis", axis}});
    const std::int64_t in = axis == 1 ? 2 * part_channels : part_channels;
    const ValueId y = b.node("Conv", {cat, b.random_constant({2 * group, in / group, 1, 1}), no_value}, {{"group", group}});
    return b.finish(concat_read_again ? std::vector<ValueId>{y, cat} : std::vector<ValueId>{y});
  };
  EXPECT_EQ(ops_in(expect_same_after_split(graph_with(16, false, 1, 1))), (std::vector<std::string>{"Relu", "Sigmoid", "Conv", "Conv"}));
  EXPECT_EQ(ops_in(expect_same_after_split(graph_with(8, false, 1, 1)))[2], "Concat");   // parts too thin
  EXPECT_EQ(ops_in(expect_same_after_split(graph_with(16, true, 1, 1)))[2], "Concat");   // the concat is an output
  EXPECT_EQ(ops_in(expect_same_after_split(graph_with(16, false, 2, 1)))[2], "Concat");  // grouped conv
  EXPECT_EQ(ops_in(expect_same_after_split(graph_with(16, false, 1, 2)))[2], "Concat");  // not over channels
}

}  // namespace
}  // namespace deepimage::testing
