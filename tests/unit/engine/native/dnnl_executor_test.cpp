// DnnlExecutor against the reference interpreter (graph/reference_interpreter.hpp) on small hand-built
// graphs: every op that runs on a oneDNN primitive, the attribute combinations that must fall back to
// the reference kernel, fused chains, and graphs mixing both.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>

#include "core/cpu_features.hpp"
#include "deepimage/error.hpp"
#include "engine/graph/reference_interpreter.hpp"
#include "engine/native/dnnl_executor.hpp"
#include "support/compare.hpp"
#include "support/tolerances.hpp"
#include "unit/engine/native/graph_builder.hpp"

namespace deepimage::testing {
namespace {

using engine::native::DnnlExecutor;

struct Check {
  float low = -1.0f, high = 1.0f;  // range of the random inputs
  // The ops expected to run their reference kernel, in node order; nullopt: not checked.
  std::optional<std::vector<std::string>> reference_ops = std::vector<std::string>{};
  double tolerance = kDnnlVsReferenceMaxAbs;
};

std::vector<std::string> ops_of(const std::vector<std::string>& descriptions) {
  std::vector<std::string> ops;
  for (const auto& d : descriptions) ops.push_back(d.substr(0, d.find(' ')));
  return ops;
}

// Runs `graph` on both executors with random inputs and compares every output.
void expect_matches_reference(const Graph& graph, const Check& check = {}) {
  std::vector<Tensor> inputs;
  for (std::size_t k = 0; k < graph.inputs.size(); ++k)
    inputs.push_back(random_tensor(graph.value(graph.inputs[k]).shape, 99 + static_cast<std::uint32_t>(k), check.low, check.high));
  const std::vector<Tensor> expected = engine::graph::run_reference(graph, inputs);
  DnnlExecutor executor(graph, {.threads = 2});
  if (check.reference_ops) {
    EXPECT_EQ(ops_of(executor.reference_nodes()), *check.reference_ops);
  }
  // Twice: the second run reuses every buffer and must not see the first run's data.
  for (int run = 0; run < 2; ++run) {
    const std::vector<Tensor> actual = executor.run(inputs);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) {
      ASSERT_EQ(actual[i].shape(), expected[i].shape()) << "output " << i;
      EXPECT_LE(max_abs_diff(actual[i], expected[i]), check.tolerance) << "output " << i << ", run " << run;
    }
  }
}

Graph single_node(const Shape& x_shape, const std::string& op, std::map<std::string, Attribute> attributes = {}) {
  GraphBuilder b;
  const ValueId x = b.input(x_shape);
  return b.finish({b.node(op, {x}, std::move(attributes))});
}

// --- convolutions ---

TEST(DnnlExecutor, ConvWithOddSizesStridesDilationsGroupsAndAsymmetricPads) {
  GraphBuilder b;
  const ValueId x = b.input({1, 6, 13, 11});
  const ValueId y = b.node("Conv", {x, b.random_constant({8, 3, 3, 3}), b.random_constant({8})},
                           {{"strides", Ints{2, 1}}, {"pads", Ints{1, 0, 2, 1}}, {"dilations", Ints{1, 2}},
                            {"group", std::int64_t{2}}});
  expect_matches_reference(b.finish({y}));
}

// Padding as large as the input (DEFCoN's 5x5 layer on the 1x1 middle of a 4x4 tile) crashed
// oneDNN 2.6's AVX2 kernel: such convolutions run the reference kernel, with the same result.
TEST(DnnlExecutor, ConvWithPaddingAsLargeAsItsInputRunsTheReferenceKernel) {
  GraphBuilder b;
  const ValueId x = b.input({1, 32, 4, 4});
  const ValueId c = b.node("Conv", {x, b.random_constant({32, 32, 3, 3}), no_value}, {{"strides", Ints{2, 2}}});  // 1x1
  const ValueId y = b.node("Conv", {c, b.random_constant({64, 32, 5, 5}), b.random_constant({64})}, {{"pads", Ints{2, 2, 2, 2}}});
  expect_matches_reference(b.finish({y}), {.reference_ops = std::vector<std::string>{"Conv"}});
}

TEST(DnnlExecutor, ConvOneAndThreeDimensionalDepthwiseAndBatched) {
  {
    GraphBuilder b;
    const ValueId x = b.input({2, 3, 17});
    expect_matches_reference(
        b.finish({b.node("Conv", {x, b.random_constant({5, 3, 4}), no_value}, {{"strides", Ints{3}}, {"pads", Ints{2, 1}}})}));
  }
  {
    GraphBuilder b;
    const ValueId x = b.input({1, 2, 5, 6, 7});
    expect_matches_reference(b.finish({b.node("Conv", {x, b.random_constant({4, 2, 3, 3, 3}), b.random_constant({4})},
                                              {{"pads", Ints{1, 1, 0, 1, 1, 0}}, {"dilations", Ints{2, 1, 1}}})}));
  }
  {
    GraphBuilder b;
    const ValueId x = b.input({1, 16, 9, 9});
    expect_matches_reference(b.finish({b.node("Conv", {x, b.random_constant({16, 1, 3, 3}), b.random_constant({16})},
                                              {{"pads", Ints{1, 1, 1, 1}}, {"group", std::int64_t{16}}})}));
  }
}

TEST(DnnlExecutor, ConvTransposeWithStridesPadsOutputPaddingAndGroups) {
  GraphBuilder b;
  const ValueId x = b.input({1, 4, 7, 6});
  const ValueId y = b.node("ConvTranspose", {x, b.random_constant({4, 3, 3, 3}), b.random_constant({6})},
                           {{"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}, {"output_padding", Ints{1, 0}},
                            {"group", std::int64_t{2}}});
  expect_matches_reference(b.finish({y}));
  GraphBuilder u;  // the U-Net up-sampling form: kernel 2, stride 2, no bias
  const ValueId ux = u.input({1, 16, 8, 8});
  expect_matches_reference(
      u.finish({u.node("ConvTranspose", {ux, u.random_constant({16, 8, 2, 2}), no_value}, {{"strides", Ints{2, 2}}})}));
}

// --- fused chains (the executor fuses them; the reference runs them node by node) ---

TEST(DnnlExecutor, ConvFollowedByEachFusableActivation) {
  const std::vector<std::pair<std::string, std::map<std::string, Attribute>>> activations = {
      {"Relu", {}}, {"LeakyRelu", {{"alpha", 0.2}}}, {"Elu", {{"alpha", 0.7}}}, {"Sigmoid", {}}, {"Tanh", {}}};
  for (const auto& [op, attributes] : activations) {
    GraphBuilder b;
    const ValueId x = b.input({1, 3, 10, 9});
    const ValueId c = b.node("Conv", {x, b.random_constant({5, 3, 3, 3}), b.random_constant({5})}, {{"pads", Ints{1, 1, 1, 1}}});
    SCOPED_TRACE(op);
    expect_matches_reference(b.finish({b.node(op, {c}, attributes)}));
  }
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 10, 9});
  const ValueId c = b.node("Conv", {x, b.random_constant({5, 3, 3, 3}), b.random_constant({5})});
  expect_matches_reference(b.finish({b.node("Clip", {c, b.scalar(-0.3f), b.scalar(0.4f)})}));
}

TEST(DnnlExecutor, ResidualAddBeforeTheActivation) {
  GraphBuilder b;
  const ValueId x = b.input({1, 16, 12, 12});
  const ValueId c1 = b.node("Conv", {x, b.random_constant({16, 16, 3, 3}, -0.2f, 0.2f), b.random_constant({16})},
                            {{"pads", Ints{1, 1, 1, 1}}});
  const ValueId r1 = b.node("Relu", {c1});
  const ValueId c2 = b.node("Conv", {r1, b.random_constant({16, 16, 3, 3}, -0.2f, 0.2f), b.random_constant({16})},
                            {{"pads", Ints{1, 1, 1, 1}}});
  // The residual r1 is read only here (summed in place) ...
  const ValueId s = b.node("Add", {r1, c2});
  const ValueId y = b.node("Relu", {s});
  // ... and x is read again below (summed through a copy).
  const ValueId c3 = b.node("Conv", {y, b.random_constant({16, 16, 1, 1}, -0.2f, 0.2f), no_value});
  const ValueId z = b.node("Add", {c3, x});
  expect_matches_reference(b.finish({z, b.node("Sigmoid", {z})}));
}

// --- pooling ---

TEST(DnnlExecutor, MaxPoolWithCeilModePadsAndDilations) {
  expect_matches_reference(single_node({1, 5, 11, 10}, "MaxPool",
                                       {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 0, 1, 0}},
                                        {"ceil_mode", std::int64_t{1}}}));
  expect_matches_reference(single_node({1, 3, 12, 12}, "MaxPool",
                                       {{"kernel_shape", Ints{2, 3}}, {"dilations", Ints{2, 2}}, {"strides", Ints{1, 2}}}));
  expect_matches_reference(single_node({1, 16, 9, 9}, "MaxPool", {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
}

TEST(DnnlExecutor, AveragePoolCountingAndExcludingPadding) {
  for (std::int64_t include : {0, 1})
    for (std::int64_t ceil : {0, 1}) {
      SCOPED_TRACE("count_include_pad " + std::to_string(include) + ", ceil_mode " + std::to_string(ceil));
      expect_matches_reference(single_node({1, 4, 11, 8}, "AveragePool",
                                           {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}},
                                            {"pads", Ints{1, 1, 1, 1}}, {"count_include_pad", include},
                                            {"ceil_mode", ceil}}),
                               // ceil_mode's extra window would count padding oneDNN does not: reference.
                               {.reference_ops = include && ceil ? std::vector<std::string>{"AveragePool"}
                                                                 : std::vector<std::string>{}});
    }
  expect_matches_reference(single_node({2, 5, 7, 6}, "GlobalAveragePool"));
  expect_matches_reference(single_node({1, 5, 7, 6}, "GlobalMaxPool"));
}

// --- elementwise ---

TEST(DnnlExecutor, UnaryElementwiseOps) {
  const std::vector<std::pair<std::string, std::map<std::string, Attribute>>> ops = {
      {"Relu", {}}, {"LeakyRelu", {}}, {"Elu", {}}, {"Sigmoid", {}}, {"Tanh", {}}, {"Exp", {}},
      {"Abs", {}},  {"Neg", {}},       {"Identity", {}}};
  for (const auto& [op, attributes] : ops) {
    SCOPED_TRACE(op);
    expect_matches_reference(single_node({1, 3, 5, 7}, op, attributes), {.low = -2.0f, .high = 2.0f});
  }
  expect_matches_reference(single_node({1, 3, 5, 7}, "Sqrt"), {.low = 0.0f, .high = 4.0f});
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 5, 7});
  expect_matches_reference(b.finish({b.node("Clip", {x, b.scalar(-0.5f), no_value}),
                                     b.node("Pow", {x, b.scalar(2.0f)})}),
                           {.low = -2.0f, .high = 2.0f});
}

TEST(DnnlExecutor, BinaryOpsWithBroadcasting) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 5, 7});
  const ValueId y = b.input({1, 3, 5, 7});
  const ValueId per_channel = b.random_constant({1, 3, 1, 1});
  const ValueId per_column = b.random_constant({7}, 0.5f, 1.5f);  // rank 1: numpy aligns it with x's last axis
  const ValueId row = b.input({5, 1});                              // a computed operand that broadcasts
  expect_matches_reference(b.finish({
      b.node("Add", {x, per_channel}),
      b.node("Mul", {b.scalar(3.0f), x}),  // broadcast first operand of a commutative op
      b.node("Sub", {x, y}),
      b.node("Div", {x, per_column}),
      b.node("Sub", {per_channel, x}),     // broadcast first operand of Sub: reference kernel
      b.node("Mul", {x, row}),
  }),
                           {.reference_ops = std::vector<std::string>{"Sub"}});
}

TEST(DnnlExecutor, SliceWithUnitStepsCropsInTheInputsLayout) {
  // A valid-convolution U-Net's skip crop, negative starts, an axis list, and a step of 2 (reference).
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 15, 14});
  const ValueId c = b.node("Conv", {x, b.random_constant({16, 3, 3, 3}), no_value});
  expect_matches_reference(
      b.finish({b.node("Slice", {c, b.ints({2, 3}), b.ints({11, 10}), b.ints({2, 3})}),
                b.node("Slice", {c, b.ints({-9, 1}), b.ints({-1, 7}), b.ints({2, 1})}),
                b.node("Slice", {c, b.ints({1}), b.ints({12}), b.ints({3}), b.ints({2})})}),
      {.reference_ops = std::vector<std::string>{"Slice"}});
}

// --- concat, resize ---

TEST(DnnlExecutor, ConcatOfBlockedAndPlainValues) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 9, 8});
  const ValueId c1 = b.node("Conv", {x, b.random_constant({16, 3, 3, 3}), no_value}, {{"pads", Ints{1, 1, 1, 1}}});
  const ValueId c2 = b.node("Conv", {x, b.random_constant({5, 3, 1, 1}), no_value});
  expect_matches_reference(b.finish({b.node("Concat", {c1, x, c2}, {{"axis", std::int64_t{1}}}),
                                     b.node("Concat", {c1, c1}, {{"axis", std::int64_t{-1}}})}));
}

TEST(DnnlExecutor, ConcatWrittenInPlaceByItsProducers) {
  // One image, channel concat, inputs in the same channel-outer layout (plain here: elementwise ops on
  // a plain input keep it): the producers write into the concat's buffer, so the arena holds the concat
  // output alone (2 units) instead of both inputs and the output (4). `relu` is read again afterwards.
  GraphBuilder b;
  const ValueId x = b.input({1, 8, 16, 16});
  const ValueId relu = b.node("Relu", {x});
  const ValueId cat = b.node("Concat", {relu, b.node("Sigmoid", {x})}, {{"axis", std::int64_t{1}}});
  const Graph g = b.finish({cat, b.node("Neg", {relu})});
  const std::size_t unit = 8 * 16 * 16 * sizeof(float);
  EXPECT_EQ(DnnlExecutor(g, {.threads = 1}).activation_bytes(), 3 * unit);  // + Neg's output
  expect_matches_reference(g);
  // Convolution outputs (nhwc or blocked, as oneDNN picks), one read again after the concat, and a
  // second concat of the same value, which cannot share the first one's buffer.
  GraphBuilder c;
  const ValueId y = c.input({1, 3, 9, 8});
  const ValueId c1 = c.node("Conv", {y, c.random_constant({16, 3, 3, 3}), no_value}, {{"pads", Ints{1, 1, 1, 1}}});
  const ValueId c2 = c.node("Conv", {y, c.random_constant({32, 3, 1, 1}), c.random_constant({32})});
  const ValueId cat2 = c.node("Concat", {c1, c2}, {{"axis", std::int64_t{1}}});
  const ValueId after = c.node("Conv", {cat2, c.random_constant({16, 48, 3, 3}, -0.2f, 0.2f), no_value});
  const ValueId again = c.node("Concat", {c2, c1}, {{"axis", std::int64_t{1}}});
  expect_matches_reference(c.finish({after, c.node("Sigmoid", {c1}), again}));
}

Graph resize(const Shape& x_shape, const std::vector<float>& scales, std::map<std::string, Attribute> attributes) {
  GraphBuilder b;
  const ValueId x = b.input(x_shape);
  return b.finish({b.node("Resize", {x, no_value, b.floats(scales), no_value}, std::move(attributes))});
}

TEST(DnnlExecutor, ResizeNearestAndLinearInEveryCoordinateMode) {
  for (const std::string transform : {"half_pixel", "pytorch_half_pixel", "asymmetric", "align_corners"}) {
    for (const std::string mode : {"nearest", "linear"}) {
      for (const std::string nearest_mode : {"round_prefer_floor", "floor", "ceil"}) {
        for (const std::vector<float>& scales :
             {std::vector<float>{1, 1, 2, 2}, std::vector<float>{1, 1, 3, 1.5f}, std::vector<float>{1, 1, 0.5f, 0.5f}}) {
          SCOPED_TRACE(mode + " " + transform + " " + nearest_mode + " scale " + std::to_string(scales[2]));
          expect_matches_reference(resize({1, 3, 6, 5}, scales,
                                           {{"mode", mode}, {"coordinate_transformation_mode", transform},
                                            {"nearest_mode", nearest_mode}}),
                                   {.reference_ops = std::nullopt});
        }
      }
    }
  }
}

TEST(DnnlExecutor, ResizeRunsOnOneDnnOnlyWhereItsCoordinatesMatch) {
  using Ops = std::vector<std::string>;
  const Ops dnnl = {}, reference = {"Resize"};
  auto attributes = [](std::string mode, std::string transform, std::string nearest) {
    return std::map<std::string, Attribute>{
        {"mode", mode}, {"coordinate_transformation_mode", transform}, {"nearest_mode", nearest}};
  };
  // Integer up-sampling: every nearest rule but ceil and align_corners picks floor(out / scale).
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 2}, attributes("nearest", "asymmetric", "floor")), {.reference_ops = dnnl});
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 3}, attributes("nearest", "half_pixel", "round_prefer_floor")), {.reference_ops = dnnl});
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 2}, attributes("nearest", "asymmetric", "ceil")), {.reference_ops = reference});
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 2}, attributes("nearest", "align_corners", "floor")), {.reference_ops = reference});
  // Linear: half_pixel is oneDNN's rule; asymmetric and align_corners are not; a scale that is not out / in
  // (5 * 1.5 -> 7 rows, 7 / 5 = 1.4) neither.
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 2}, attributes("linear", "half_pixel", "round_prefer_floor")), {.reference_ops = dnnl});
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 2}, attributes("linear", "pytorch_half_pixel", "round_prefer_floor")), {.reference_ops = dnnl});
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 2}, attributes("linear", "asymmetric", "round_prefer_floor")), {.reference_ops = reference});
  expect_matches_reference(resize({1, 3, 6, 5}, {1, 1, 2, 1.5f}, attributes("linear", "half_pixel", "round_prefer_floor")), {.reference_ops = reference});
}

// --- normalisation, softmax, reductions, matmul ---

TEST(DnnlExecutor, BatchAndInstanceNormalization) {
  GraphBuilder b;
  const ValueId x = b.input({1, 5, 6, 7});
  const ValueId r = b.node("Relu", {x});  // not after a conv: not folded, runs as its own primitive
  const ValueId bn = b.node("BatchNormalization", {r, b.random_constant({5}), b.random_constant({5}),
                                                   b.random_constant({5}), b.random_constant({5}, 0.5f, 2.0f)},
                            {{"epsilon", 1e-3}});
  const ValueId in = b.node("InstanceNormalization", {x, b.random_constant({5}), b.random_constant({5})});
  expect_matches_reference(b.finish({bn, in}));
  GraphBuilder batched;  // two images: instance norm cannot be batch norm, the reference kernel runs
  const ValueId bx = batched.input({2, 3, 4, 5});
  expect_matches_reference(
      batched.finish({batched.node("InstanceNormalization", {bx, batched.random_constant({3}), batched.random_constant({3})})}),
      {.reference_ops = std::vector<std::string>{"InstanceNormalization"}});
}

TEST(DnnlExecutor, SoftmaxReductionsAndMatMul) {
  GraphBuilder b;
  const ValueId x = b.input({1, 4, 5, 6});
  const ValueId m = b.input({2, 3, 5});
  expect_matches_reference(b.finish({
      b.node("Softmax", {x}, {{"axis", std::int64_t{1}}}),
      b.node("Softmax", {x}, {{"axis", std::int64_t{-1}}}),
      b.node("ReduceMean", {x, b.ints({2, 3})}, {{"keepdims", std::int64_t{1}}}),
      b.node("ReduceMax", {x, b.ints({1})}, {{"keepdims", std::int64_t{0}}}),
      b.node("ReduceSum", {x, b.ints({-1})}),
      b.node("MatMul", {m, b.random_constant({5, 4})}),
      b.node("MatMul", {m, b.input({1, 5, 2})}),
  }));
}

// --- graphs mixing oneDNN and reference kernels ---

TEST(DnnlExecutor, ReferenceKernelBetweenConvolutions) {
  GraphBuilder b;
  const ValueId x = b.input({1, 3, 10, 10});
  const ValueId c1 = b.node("Conv", {x, b.random_constant({16, 3, 3, 3}), b.random_constant({16})}, {{"pads", Ints{1, 1, 1, 1}}});
  const ValueId r1 = b.node("Relu", {c1});
  const ValueId t = b.node("Transpose", {r1}, {{"perm", Ints{0, 1, 3, 2}}});  // no oneDNN primitive
  const ValueId c2 = b.node("Conv", {t, b.random_constant({8, 16, 3, 3}), b.random_constant({8})});
  const ValueId f = b.node("Floor", {c2});
  const ValueId c3 = b.node("Conv", {f, b.random_constant({4, 8, 1, 1}), no_value});
  expect_matches_reference(b.finish({c3, r1}), {.reference_ops = std::vector<std::string>{"Transpose", "Floor"}});
}

// A small U-Net: two levels, conv + relu pairs, max pooling, transposed-conv up-sampling, skip concat.
Graph small_unet(std::int64_t size) {
  GraphBuilder b;
  auto conv_relu = [&](ValueId in, std::int64_t in_channels, std::int64_t out_channels) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(in_channels * 9));
    const ValueId c = b.node("Conv", {in, b.random_constant({out_channels, in_channels, 3, 3}, -bound, bound),
                                      b.random_constant({out_channels}, -0.1f, 0.1f)},
                             {{"pads", Ints{1, 1, 1, 1}}});
    return b.node("Relu", {c});
  };
  const ValueId x = b.input({1, 1, size, size});
  const ValueId e1 = conv_relu(conv_relu(x, 1, 16), 16, 16);
  const ValueId p1 = b.node("MaxPool", {e1}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  const ValueId e2 = conv_relu(conv_relu(p1, 16, 32), 32, 32);
  const ValueId up = b.node("ConvTranspose", {e2, b.random_constant({32, 16, 2, 2}, -0.2f, 0.2f), b.random_constant({16})},
                            {{"strides", Ints{2, 2}}});
  const ValueId cat = b.node("Concat", {e1, up}, {{"axis", std::int64_t{1}}});
  const ValueId d1 = conv_relu(conv_relu(cat, 32, 16), 16, 16);
  const ValueId logits = b.node("Conv", {d1, b.random_constant({2, 16, 1, 1}), b.random_constant({2})});
  return b.finish({b.node("Sigmoid", {logits})});
}

TEST(DnnlExecutor, SingleChannelValuesPassBetweenLayoutsWithoutReorders) {
  // One channel: nchw and the convolutions' nhwc are the same bytes, read and written as views/memcpy.
  GraphBuilder b;
  const ValueId x = b.input({1, 1, 12, 10});
  const ValueId c1 = b.node("Conv", {x, b.random_constant({16, 1, 3, 3}), b.random_constant({16})}, {{"pads", Ints{1, 1, 1, 1}}});
  const ValueId c2 = b.node("Conv", {c1, b.random_constant({1, 16, 1, 1}), b.random_constant({1})});
  const ValueId t = b.node("Transpose", {c2}, {{"perm", Ints{0, 1, 3, 2}}});
  expect_matches_reference(b.finish({c2, t}), {.reference_ops = std::vector<std::string>{"Transpose"}});
}

TEST(DnnlExecutor, SmallUNet) { expect_matches_reference(small_unet(36)); }

TEST(DnnlExecutor, NaNPixelsGiveNaNWhereTheReferenceKernelsDo) {
  // The engines' rule (docs/engines.md): NaN in, NaN out wherever it reaches. oneDNN's ReLU and max
  // pooling drop NaN, so tiles with NaN run the NaN-safe plan; its NaN must be the reference's.
  GraphBuilder b;
  const ValueId x = b.input({1, 16, 12, 12});
  const ValueId pool = b.node("MaxPool", {x}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}});
  const ValueId conv = b.node("Conv", {pool, b.random_constant({16, 16, 3, 3}), b.random_constant({16})}, {{"pads", Ints{1, 1, 1, 1}}});
  const ValueId relu = b.node("Relu", {conv});
  const ValueId up = b.node("Resize", {relu, no_value, b.floats({1, 1, 2, 2})}, {{"mode", std::string("linear")}});
  const Graph g = b.finish({pool, conv, b.node("Conv", {up, b.random_constant({1, 16, 1, 1}), no_value})});
  Tensor in = random_tensor({1, 16, 12, 12}, 3);
  in.data<float>()[3 * 144 + 5 * 12 + 7] = std::nanf("");  // channel 3, y 5, x 7
  DnnlExecutor executor(g, {.threads = 2});
  const std::vector<Tensor> expected = engine::graph::run_reference(g, {in});
  const std::vector<Tensor> actual = executor.run({in});
  EXPECT_TRUE(std::isnan(actual[0].data<float>()[3 * 36 + 2 * 6 + 3])) << "MaxPool";
  EXPECT_TRUE(std::isnan(actual[1].data<float>()[0 * 36 + 2 * 6 + 3])) << "Conv";
  for (std::size_t k = 0; k < expected.size(); ++k) {
    std::int64_t mismatches = 0;
    for (std::int64_t i = 0; i < expected[k].element_count(); ++i) {
      const float e = expected[k].data<float>()[i], a = actual[k].data<float>()[i];
      mismatches += std::isnan(e) != std::isnan(a) || (!std::isnan(e) && std::abs(e - a) > kDnnlVsReferenceMaxAbs);
    }
    EXPECT_EQ(mismatches, 0) << "output " << k;
  }
  // The next all-finite tile runs the fast plan again.
  expect_matches_reference(g);
}

TEST(DnnlExecutor, Bf16AgreesWithFloat32WithinBf16Rounding) {
  if (!cpu_has_bf16()) GTEST_SKIP() << "this CPU has neither AVX512_BF16 nor AMX";
  const Graph g = small_unet(32);
  const Tensor x = random_tensor({1, 1, 32, 32}, 7, 0.0f, 1.0f);
  const Tensor f32 = DnnlExecutor(g, {.threads = 2}).run({x})[0];
  const Tensor bf16 = DnnlExecutor(g, {.threads = 2, .precision = Precision::bf16}).run({x})[0];
  const double diff = max_abs_diff(f32, bf16);
  EXPECT_LE(diff, kBf16VsFloat32MaxAbs);
  EXPECT_GT(diff, 0.0) << "bf16 gave bit-identical results: it did not run in bf16";
}

TEST(DnnlExecutor, ReusesActivationBuffersOnceTheirLastReaderRan) {
  GraphBuilder b;
  ValueId v = b.input({1, 16, 32, 32});
  for (int i = 0; i < 6; ++i) v = b.node(i % 2 ? "Sigmoid" : "Abs", {v});
  const Graph g = b.finish({v});
  DnnlExecutor executor(g, {.threads = 1});
  const std::size_t one = 16 * 32 * 32 * sizeof(float);
  // Six intermediates, each read only by the next op: two buffers take turns.
  EXPECT_EQ(executor.activation_bytes(), 2 * one);
  expect_matches_reference(g);
}

TEST(DnnlExecutor, RefusesInputsOfAnotherShape) {
  DnnlExecutor executor(single_node({1, 3, 4, 4}, "Relu"), {.threads = 1});
  try {
    executor.run({Tensor(DType::f32, {1, 3, 4, 5})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("(1, 3, 4, 5)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace deepimage::testing
