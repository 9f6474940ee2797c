// The TF importer on small GraphDefs built here, run through specialize() and the reference
// interpreter, against references written in this file straight from TensorFlow's documented
// formulas (NHWC loops: SAME padding with floor(total / 2) before, AvgPool dividing by the pixels inside
// the input, Conv2DBackpropInput as the scatter of the forward conv's gradient, the resize coordinate
// rules of TF's resize kernels). PyTorch reproduces the same conv numbers with F.pad(x, (l, r, t, b))
// before a VALID conv, which is how the SAME split was cross-checked; these loops need no fixture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "deepimage/error.hpp"
#include "unit/engine/tf/tf_graph_def_builder.hpp"

namespace deepimage::testing {
namespace {

using B = TfGraphDefBuilder;

Tensor wave(Shape shape, float phase = 0.0f) {
  Tensor t(DType::f32, std::move(shape));
  for (std::int64_t i = 0; i < t.element_count(); ++i) t.data<float>()[i] = std::sin(0.37f * static_cast<float>(i) + phase) * 2.0f;
  return t;
}

std::int64_t offset(const Shape& s, std::int64_t a, std::int64_t b, std::int64_t c, std::int64_t d) {
  return ((a * s[1] + b) * s[2] + c) * s[3] + d;
}

// TF's SAME: out = ceil(in / s), pad before = floor(max(0, (out - 1) * s + k - in) / 2).
std::int64_t same_out(std::int64_t in, std::int64_t s) { return (in + s - 1) / s; }
std::int64_t same_pad_before(std::int64_t in, std::int64_t k, std::int64_t s) {
  return std::max<std::int64_t>(0, (same_out(in, s) - 1) * s + k - in) / 2;
}

// Conv2D, NHWC input, HWIO kernel.
Tensor conv2d_reference(const Tensor& x, const Tensor& w, std::int64_t stride, bool same) {
  const Shape& xs = x.shape();
  const Shape& ws = w.shape();
  const std::int64_t oh = same ? same_out(xs[1], stride) : (xs[1] - ws[0]) / stride + 1;
  const std::int64_t ow = same ? same_out(xs[2], stride) : (xs[2] - ws[1]) / stride + 1;
  const std::int64_t pt = same ? same_pad_before(xs[1], ws[0], stride) : 0, pl = same ? same_pad_before(xs[2], ws[1], stride) : 0;
  Tensor y(DType::f32, {xs[0], oh, ow, ws[3]});
  for (std::int64_t n = 0; n < xs[0]; ++n)
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j)
        for (std::int64_t o = 0; o < ws[3]; ++o) {
          double acc = 0;
          for (std::int64_t a = 0; a < ws[0]; ++a)
            for (std::int64_t b = 0; b < ws[1]; ++b)
              for (std::int64_t c = 0; c < ws[2]; ++c) {
                const std::int64_t r = i * stride + a - pt, q = j * stride + b - pl;
                if (r < 0 || r >= xs[1] || q < 0 || q >= xs[2]) continue;
                acc += x.data<float>()[offset(xs, n, r, q, c)] * w.data<float>()[offset(ws, a, b, c, o)];
              }
          y.data<float>()[offset(y.shape(), n, i, j, o)] = static_cast<float>(acc);
        }
  return y;
}

// Conv2DBackpropInput: the gradient of a SAME Conv2D whose input is (N, H, W, C) with respect to that
// input, given the gradient `dy` of its output. Kernel (kh, kw, C, O).
Tensor conv2d_backprop_input_reference(const Tensor& dy, const Tensor& w, std::int64_t h, std::int64_t wd, std::int64_t stride) {
  const Shape& ds = dy.shape();
  const Shape& ws = w.shape();
  const std::int64_t pt = std::max<std::int64_t>(0, (ds[1] - 1) * stride + ws[0] - h) / 2;
  const std::int64_t pl = std::max<std::int64_t>(0, (ds[2] - 1) * stride + ws[1] - wd) / 2;
  Tensor x(DType::f32, {ds[0], h, wd, ws[2]});
  for (std::int64_t n = 0; n < ds[0]; ++n)
    for (std::int64_t i = 0; i < ds[1]; ++i)
      for (std::int64_t j = 0; j < ds[2]; ++j)
        for (std::int64_t o = 0; o < ws[3]; ++o)
          for (std::int64_t a = 0; a < ws[0]; ++a)
            for (std::int64_t b = 0; b < ws[1]; ++b)
              for (std::int64_t c = 0; c < ws[2]; ++c) {
                const std::int64_t r = i * stride + a - pt, q = j * stride + b - pl;
                if (r < 0 || r >= h || q < 0 || q >= wd) continue;
                x.data<float>()[offset(x.shape(), n, r, q, c)] +=
                    dy.data<float>()[offset(ds, n, i, j, o)] * w.data<float>()[offset(ws, a, b, c, o)];
              }
  return x;
}

void expect_near(const Tensor& got, const Tensor& want, float tolerance = 1e-4f) {
  ASSERT_EQ(shape_to_string(got.shape()), shape_to_string(want.shape()));
  for (std::int64_t i = 0; i < got.element_count(); ++i)
    ASSERT_NEAR(got.data<float>()[i], want.data<float>()[i], tolerance) << "element " << i;
}

int count_op(const engine::graph::Graph& g, const std::string& op) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const auto& n) { return n.op == op; }));
}

B conv_graph(const Tensor& w, std::int64_t stride, const std::string& padding) {
  B b;
  b.placeholder("x", {-1, -1, -1, static_cast<std::int64_t>(w.shape()[2])});
  b.constant("w", w);
  auto& conv = b.node("Conv2D", "conv", {"x", "w"});
  B::ints(conv, "strides", {1, stride, stride, 1});
  B::string(conv, "padding", padding);
  return b;
}

TEST(TfImport, Conv2DSameStride2OnEvenAndOddSizes) {
  const Tensor w = wave({3, 3, 2, 3}, 0.5f);
  const B b = conv_graph(w, 2, "SAME");
  for (const Shape& size : {Shape{1, 6, 6, 2}, Shape{1, 5, 7, 2}, Shape{1, 4, 5, 2}, Shape{1, 1, 2, 2}}) {
    SCOPED_TRACE(shape_to_string(size));
    const Tensor x = wave(size);
    expect_near(b.run({"x"}, {"conv"}, {x})[0], conv2d_reference(x, w, 2, true));
  }
}

TEST(TfImport, Conv2DValidAndEvenKernelSame) {
  const Tensor w = wave({2, 4, 2, 1}, 1.0f);  // an even kernel puts the odd padding pixel at the end
  const Tensor x = wave({1, 5, 6, 2});
  expect_near(conv_graph(w, 1, "SAME").run({"x"}, {"conv"}, {x})[0], conv2d_reference(x, w, 1, true));
  expect_near(conv_graph(w, 2, "VALID").run({"x"}, {"conv"}, {x})[0], conv2d_reference(x, w, 2, false));
}

TEST(TfImport, BiasAddFoldsIntoTheConvAndTransposesCancel) {
  const Tensor w1 = wave({3, 3, 1, 4}, 0.1f), w2 = wave({1, 1, 4, 2}, 0.2f), bias = wave({4}, 0.3f);
  B b = conv_graph(w1, 1, "SAME");
  b.constant("bias", bias);
  b.node("BiasAdd", "bias_add", {"conv", "bias"});
  b.node("Relu", "relu", {"bias_add"});
  b.constant("w2", w2);
  auto& conv2 = b.node("Conv2D", "conv2", {"relu", "w2"});
  B::ints(conv2, "strides", {1, 1, 1, 1});
  B::string(conv2, "padding", "VALID");
  const auto g = b.import({"x"}, {"conv2"});
  EXPECT_EQ(count_op(g, "Add"), 0);  // the bias is the first conv's B input
  EXPECT_EQ(count_op(g, "Transpose"), 2);
  EXPECT_EQ(g.value(g.outputs[0]).name, "conv2");

  const Tensor x = wave({1, 5, 4, 1});
  Tensor h = conv2d_reference(x, w1, 1, true);
  for (std::int64_t i = 0; i < h.element_count(); ++i) h.data<float>()[i] = std::max(0.0f, h.data<float>()[i] + bias.data<float>()[i % 4]);
  expect_near(b.run({"x"}, {"conv2"}, {x})[0], conv2d_reference(h, w2, 1, false));
}

// DEFCoN's decoder: the output size is Pack(batch, 2 * H, 2 * W, C) read from Shape(x) at run time.
TEST(TfImport, Conv2DBackpropInputWithOutputSizeComputedFromTheInputShape) {
  const Tensor w = wave({3, 3, 2, 3}, 0.7f);  // (kh, kw, out channels, in channels)
  B b;
  b.placeholder("x", {1, -1, -1, 3});
  b.constant("w", w);
  b.node("Shape", "shape", {"x"});
  b.int32s("i0", {0});
  b.int32s("i1", {1});
  b.int32s("i2", {2});
  b.int32s("i3", {3});
  for (const auto& [name, from, to] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"batch", "i0", "i1"}, {"height", "i1", "i2"}, {"width", "i2", "i3"}}) {
    auto& s = b.node("StridedSlice", name, {"shape", from, to, "i1"});
    B::integer(s, "shrink_axis_mask", 1);
    B::type(s, "T", DType::i32);
  }
  b.int32s("two", {2}, true);
  b.int32s("channels", {2}, true);
  b.node("Mul", "height2", {"height", "two"});
  b.node("Mul", "width2", {"width", "two"});
  auto& pack = b.node("Pack", "sizes", {"batch", "height2", "width2", "channels"});
  B::integer(pack, "axis", 0);
  auto& deconv = b.node("Conv2DBackpropInput", "deconv", {"sizes", "w", "x"});
  B::ints(deconv, "strides", {1, 2, 2, 1});
  B::string(deconv, "padding", "SAME");
  for (const Shape& size : {Shape{1, 3, 3, 3}, Shape{1, 2, 5, 3}}) {
    SCOPED_TRACE(shape_to_string(size));
    const Tensor x = wave(size);
    expect_near(b.run({"x"}, {"deconv"}, {x})[0], conv2d_backprop_input_reference(x, w, 2 * size[1], 2 * size[2], 2));
  }
}

TEST(TfImport, Conv3DAndMaxPool3DWithOneDepthSliceEqualTheir2DForms) {
  // NDHWC of depth 1 with a kernel of depth 1: Conv3D is Conv2D on the one slice, MaxPool3D MaxPool.
  const Tensor w = wave({3, 3, 2, 2}, 0.3f);
  Tensor w3 = w;
  w3.reshape({1, 3, 3, 2, 2}, "");
  B b;
  b.placeholder("x", {1, 1, -1, -1, 2});
  b.constant("w", w3);
  auto& conv = b.node("Conv3D", "conv", {"x", "w"});
  B::ints(conv, "strides", {1, 1, 2, 2, 1});
  B::string(conv, "padding", "SAME");
  auto& pool = b.node("MaxPool3D", "pool", {"x"});
  B::ints(pool, "ksize", {1, 1, 2, 2, 1});
  B::ints(pool, "strides", {1, 1, 2, 2, 1});
  B::string(pool, "padding", "VALID");
  const Tensor x2 = wave({1, 5, 6, 2});
  Tensor x = x2;
  x.reshape({1, 1, 5, 6, 2}, "");
  const auto out = b.run({"x"}, {"conv", "pool"}, {x});
  Tensor conv2 = conv2d_reference(x2, w, 2, true);
  conv2.reshape({1, 1, 3, 3, 2}, "");
  expect_near(out[0], conv2);
  ASSERT_EQ(out[1].shape(), (Shape{1, 1, 2, 3, 2}));
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t c = 0; c < 2; ++c) {
        float best = -1e30f;
        for (std::int64_t a = 0; a < 2; ++a)
          for (std::int64_t d = 0; d < 2; ++d) best = std::max(best, x2.data<float>()[offset(x2.shape(), 0, 2 * i + a, 2 * j + d, c)]);
        EXPECT_EQ(out[1].data<float>()[(i * 3 + j) * 2 + c], best);
      }
}

TEST(TfImport, Conv2DBackpropInputToAnOddConstantSize) {
  // Input 3 to output 5 with stride 2: the forward SAME conv of 5 gives ceil(5 / 2) = 3; total padding
  // (3 - 1) * 2 + 3 - 5 = 2, one pixel cropped at each end.
  const Tensor w = wave({3, 3, 1, 2}, 0.2f);
  B b;
  b.placeholder("x", {1, 3, 3, 2});
  b.constant("w", w);
  b.int32s("sizes", {1, 5, 6, 1});
  auto& deconv = b.node("Conv2DBackpropInput", "deconv", {"sizes", "w", "x"});
  B::ints(deconv, "strides", {1, 2, 2, 1});
  B::string(deconv, "padding", "SAME");
  const Tensor x = wave({1, 3, 3, 2});
  expect_near(b.run({"x"}, {"deconv"}, {x})[0], conv2d_backprop_input_reference(x, w, 5, 6, 2));
}

TEST(TfImport, AvgPoolSameCountsOnlyPixelsInsideTheInput) {
  B b;
  b.placeholder("x", {1, 5, 5, 1});
  auto& pool = b.node("AvgPool", "pool", {"x"});
  B::ints(pool, "ksize", {1, 3, 3, 1});
  B::ints(pool, "strides", {1, 2, 2, 1});
  B::string(pool, "padding", "SAME");
  Tensor x(DType::f32, {1, 5, 5, 1});
  for (int i = 0; i < 25; ++i) x.data<float>()[i] = static_cast<float>(i);
  const Tensor y = b.run({"x"}, {"pool"}, {x})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 3, 3, 1}));
  // Out 3, total padding (3 - 1) * 2 + 3 - 5 = 2: one row and column before. The corner window covers
  // rows 0-1, cols 0-1: (0 + 1 + 5 + 6) / 4; the centre one rows 1-3, cols 1-3: 12.
  EXPECT_FLOAT_EQ(y.data<float>()[0], 3.0f);
  EXPECT_FLOAT_EQ(y.data<float>()[4], 12.0f);
  EXPECT_FLOAT_EQ(y.data<float>()[2], (3 + 4 + 8 + 9) / 4.0f);
  EXPECT_FLOAT_EQ(y.data<float>()[8], (18 + 19 + 23 + 24) / 4.0f);
}

TEST(TfImport, MaxPoolSameIgnoresPadding) {
  B b;
  b.placeholder("x", {1, 4, 4, 1});
  auto& pool = b.node("MaxPool", "pool", {"x"});
  B::ints(pool, "ksize", {1, 2, 2, 1});
  B::ints(pool, "strides", {1, 2, 2, 1});
  B::string(pool, "padding", "SAME");
  Tensor x(DType::f32, {1, 4, 4, 1});
  for (int i = 0; i < 16; ++i) x.data<float>()[i] = -static_cast<float>(i);
  const Tensor y = b.run({"x"}, {"pool"}, {x})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 2, 2, 1}));
  EXPECT_FLOAT_EQ(y.data<float>()[0], 0.0f);
  EXPECT_FLOAT_EQ(y.data<float>()[3], -10.0f);
}

TEST(TfImport, ReductionsOverSpatialAndChannelAxesAfterAConv) {
  // Conv (between Transposes) then Mean over [1, 2], Max over [1, 2, 3] with keep_dims, Min over [3]:
  // the reduction axes must still be TF's after the Transposes move.
  const Tensor w = wave({1, 1, 2, 3}, 0.4f);
  B b = conv_graph(w, 1, "VALID");
  b.int32s("hw", {1, 2});
  b.int32s("hwc", {1, 2, 3});
  b.int32s("c", {3});
  b.node("Mean", "mean", {"conv", "hw"});
  auto& max = b.node("Max", "max", {"conv", "hwc"});
  B::boolean(max, "keep_dims", true);
  b.node("Min", "min", {"conv", "c"});
  const Tensor x = wave({2, 3, 4, 2});
  const auto out = b.run({"x"}, {"mean", "max", "min"}, {x});
  const Tensor h = conv2d_reference(x, w, 1, false);  // (2, 3, 4, 3)
  ASSERT_EQ(out[0].shape(), (Shape{2, 3}));
  ASSERT_EQ(out[1].shape(), (Shape{2, 1, 1, 1}));
  ASSERT_EQ(out[2].shape(), (Shape{2, 3, 4}));
  for (std::int64_t n = 0; n < 2; ++n) {
    float best = -1e9f;
    for (std::int64_t c = 0; c < 3; ++c) {
      double sum = 0;
      for (std::int64_t i = 0; i < 12; ++i) sum += h.data<float>()[(n * 12 + i) * 3 + c];
      EXPECT_NEAR(out[0].data<float>()[n * 3 + c], sum / 12, 1e-5);
      for (std::int64_t i = 0; i < 12; ++i) best = std::max(best, h.data<float>()[(n * 12 + i) * 3 + c]);
    }
    EXPECT_FLOAT_EQ(out[1].data<float>()[n], best);
    for (std::int64_t i = 0; i < 12; ++i) {
      const float* p = h.data<float>() + (n * 12 + i) * 3;
      EXPECT_FLOAT_EQ(out[2].data<float>()[n * 12 + i], std::min({p[0], p[1], p[2]}));
    }
  }
}

// TF's resize kernels, per axis: the source coordinate of output pixel o.
float tf_source(std::int64_t o, std::int64_t in, std::int64_t out, bool align, bool half) {
  if (align) return out > 1 ? static_cast<float>(o) * static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f;
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  return half ? (static_cast<float>(o) + 0.5f) * scale - 0.5f : static_cast<float>(o) * scale;
}

float tf_bilinear(const Tensor& x, std::int64_t oy, std::int64_t ox, std::int64_t oh, std::int64_t ow, bool align, bool half) {
  const std::int64_t h = x.shape()[1], w = x.shape()[2];
  const auto axis = [&](std::int64_t o, std::int64_t in, std::int64_t out, std::int64_t& lo, std::int64_t& hi) {
    const float s = tf_source(o, in, out, align, half);
    const float f = std::floor(s);
    lo = std::max<std::int64_t>(static_cast<std::int64_t>(f), 0);
    hi = std::min<std::int64_t>(static_cast<std::int64_t>(std::ceil(s)), in - 1);
    return s - f;
  };
  std::int64_t y0, y1, x0, x1;
  const float ty = axis(oy, h, oh, y0, y1), tx = axis(ox, w, ow, x0, x1);
  const auto v = [&](std::int64_t r, std::int64_t c) { return x.data<float>()[r * w + c]; };
  const float top = v(y0, x0) + (v(y0, x1) - v(y0, x0)) * tx;
  const float bottom = v(y1, x0) + (v(y1, x1) - v(y1, x0)) * tx;
  return top + (bottom - top) * ty;
}

std::int64_t tf_nearest(std::int64_t o, std::int64_t in, std::int64_t out, bool align, bool half) {
  const float scale = align && out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : static_cast<float>(in) / static_cast<float>(out);
  const float s = align ? std::round(static_cast<float>(o) * scale) : half ? std::floor((static_cast<float>(o) + 0.5f) * scale)
                                                                           : std::floor(static_cast<float>(o) * scale);
  return std::min<std::int64_t>(static_cast<std::int64_t>(s), in - 1);
}

TEST(TfImport, ResizeCoordinateModesMatchTensorFlowsKernels) {
  const Tensor x = wave({1, 3, 5, 1});
  for (const bool align : {false, true})
    for (const bool half : {false, true}) {
      if (align && half) continue;
      for (const auto& [oh, ow] : std::vector<std::pair<std::int32_t, std::int32_t>>{{7, 4}, {6, 10}, {2, 3}}) {
        SCOPED_TRACE("align_corners " + std::to_string(align) + " half_pixel_centers " + std::to_string(half) + " to " +
                     std::to_string(oh) + "x" + std::to_string(ow));
        B b;
        b.placeholder("x", {1, -1, -1, 1});
        b.int32s("size", {oh, ow});
        for (const std::string op : {"ResizeBilinear", "ResizeNearestNeighbor"}) {
          auto& r = b.node(op, op, {"x", "size"});
          B::boolean(r, "align_corners", align);
          B::boolean(r, "half_pixel_centers", half);
        }
        const auto out = b.run({"x"}, {"ResizeBilinear", "ResizeNearestNeighbor"}, {x});
        ASSERT_EQ(out[0].shape(), (Shape{1, oh, ow, 1}));
        for (std::int64_t i = 0; i < oh; ++i)
          for (std::int64_t j = 0; j < ow; ++j) {
            EXPECT_NEAR(out[0].data<float>()[i * ow + j], tf_bilinear(x, i, j, oh, ow, align, half), 1e-5) << i << "," << j;
            const std::int64_t r = tf_nearest(i, 3, oh, align, half), c = tf_nearest(j, 5, ow, align, half);
            EXPECT_EQ(out[1].data<float>()[i * ow + j], x.data<float>()[r * 5 + c]) << i << "," << j;
          }
      }
    }
}

TEST(TfImport, StridedSliceMasks) {
  // x of shape (2, 3, 4, 5) as in numpy: x[:, 1:, ::-2, 3] (begin and end masks on 0, end masks on 1 and 2, a
  // reversed stride, shrink on 3), then y[np.newaxis, ..., 1:3] and z[..., -1].
  B b;
  b.placeholder("x", {2, 3, 4, 5});
  b.int32s("b1", {0, 1, -1, 3});
  b.int32s("e1", {0, 0, 0, 4});
  b.int32s("st1", {1, 1, -2, 1});
  auto& s1 = b.node("StridedSlice", "s1", {"x", "b1", "e1", "st1"});
  B::integer(s1, "begin_mask", 0b0001);
  B::integer(s1, "end_mask", 0b0111);
  B::integer(s1, "shrink_axis_mask", 0b1000);
  b.int32s("b2", {0, 0, 1});
  b.int32s("e2", {0, 0, 3});
  b.int32s("st2", {1, 1, 1});
  auto& s2 = b.node("StridedSlice", "s2", {"s1", "b2", "e2", "st2"});
  B::integer(s2, "new_axis_mask", 0b001);
  B::integer(s2, "ellipsis_mask", 0b010);
  b.int32s("b3", {0, -1});
  b.int32s("e3", {0, 0});
  b.int32s("st3", {1, 1});
  auto& s3 = b.node("StridedSlice", "s3", {"x", "b3", "e3", "st3"});
  B::integer(s3, "ellipsis_mask", 0b01);
  B::integer(s3, "shrink_axis_mask", 0b10);
  Tensor x(DType::f32, {2, 3, 4, 5});
  for (int i = 0; i < 120; ++i) x.data<float>()[i] = static_cast<float>(i);
  const auto out = b.run({"x"}, {"s1", "s2", "s3"}, {x});
  const auto at = [](std::int64_t a, std::int64_t c, std::int64_t d, std::int64_t e) { return static_cast<float>(((a * 3 + c) * 4 + d) * 5 + e); };
  ASSERT_EQ(out[0].shape(), (Shape{2, 2, 2}));
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t c = 0; c < 2; ++c)
      for (std::int64_t d = 0; d < 2; ++d) EXPECT_EQ(out[0].data<float>()[(a * 2 + c) * 2 + d], at(a, 1 + c, 3 - 2 * d, 3));
  ASSERT_EQ(out[1].shape(), (Shape{1, 2, 2, 1}));  // [np.newaxis, ..., 1:3] of (2, 2, 2)
  for (std::int64_t a = 0; a < 2; ++a)
    for (std::int64_t c = 0; c < 2; ++c) EXPECT_EQ(out[1].data<float>()[a * 2 + c], at(a, 1 + c, 1, 3));
  ASSERT_EQ(out[2].shape(), (Shape{2, 3, 4}));
  for (std::int64_t i = 0; i < 24; ++i) EXPECT_EQ(out[2].data<float>()[i], static_cast<float>(i * 5 + 4));
}

TEST(TfImport, ConstWithOneValueFillsItsShape) {
  B b;
  b.placeholder("x", {2, 3});
  auto& c = b.node("Const", "c");
  (*c.mutable_attr())["dtype"].set_type(tfproto::DT_FLOAT);
  auto* t = (*c.mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tfproto::DT_FLOAT);
  t->mutable_tensor_shape()->add_dim()->set_size(2);
  t->mutable_tensor_shape()->add_dim()->set_size(3);
  t->add_float_val(1.5f);
  b.node("Add", "y", {"x", "c"});
  const Tensor x = wave({2, 3});
  const Tensor y = b.run({"x"}, {"y"}, {x})[0];
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y.data<float>()[i], x.data<float>()[i] + 1.5f);
}

TEST(TfImport, ShapeOpsPackUnpackReshapeSqueezeExpandDimsFillPadTile) {
  B b;
  b.placeholder("x", {2, 3});
  b.node("Neg", "neg", {"x"});
  auto& pack = b.node("Pack", "pack", {"x", "neg"});
  B::integer(pack, "axis", -1);  // (2, 3, 2)
  auto& unpack = b.node("Unpack", "unpack", {"pack"});
  B::integer(unpack, "axis", 1);
  B::integer(unpack, "num", 3);  // three (2, 2)
  b.int32s("shape2", {3, -1});
  b.node("Reshape", "reshape", {"x", "shape2"});
  b.int32s("axis0", {0}, true);
  b.node("ExpandDims", "expand", {"x", "axis0"});
  auto& squeeze = b.node("Squeeze", "squeeze", {"expand"});
  B::ints(squeeze, "squeeze_dims", {0});
  b.int32s("dims", {2, 2});
  b.constant("seven", [] { Tensor t(DType::f32, {}); *t.data<float>() = 7; return t; }());
  b.node("Fill", "fill", {"dims", "seven"});
  Tensor paddings(DType::i32, {2, 2});  // (before, after) per axis
  const std::int32_t pv[] = {1, 0, 0, 2};
  std::copy(pv, pv + 4, paddings.data<std::int32_t>());
  b.constant("paddings", paddings);
  b.node("Pad", "pad", {"x", "paddings"});
  b.int32s("multiples", {2, 1});
  b.node("Tile", "tile", {"x", "multiples"});
  auto& mirror = b.node("MirrorPad", "mirror", {"x", "paddings"});
  B::string(mirror, "mode", "REFLECT");
  Tensor x(DType::f32, {2, 3});
  for (int i = 0; i < 6; ++i) x.data<float>()[i] = static_cast<float>(i + 1);
  const auto out = b.run({"x"}, {"unpack:2", "reshape", "squeeze", "fill", "pad", "mirror", "tile"}, {x});
  ASSERT_EQ(out[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(std::vector<float>(out[0].data<float>(), out[0].data<float>() + 4), (std::vector<float>{3, -3, 6, -6}));
  EXPECT_EQ(out[1].shape(), (Shape{3, 2}));
  EXPECT_EQ(out[2].shape(), (Shape{2, 3}));
  ASSERT_EQ(out[3].shape(), (Shape{2, 2}));
  EXPECT_EQ(out[3].data<float>()[3], 7.0f);
  ASSERT_EQ(out[4].shape(), (Shape{3, 5}));  // one row before, two columns after
  EXPECT_EQ(std::vector<float>(out[4].data<float>(), out[4].data<float>() + 15),
            (std::vector<float>{0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 4, 5, 6, 0, 0}));
  EXPECT_EQ(std::vector<float>(out[5].data<float>(), out[5].data<float>() + 15),
            (std::vector<float>{4, 5, 6, 5, 4, 1, 2, 3, 2, 1, 4, 5, 6, 5, 4}));
  ASSERT_EQ(out[6].shape(), (Shape{4, 3}));
  EXPECT_EQ(std::vector<float>(out[6].data<float>(), out[6].data<float>() + 12), (std::vector<float>{1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}));
}

TEST(TfImport, ActivationsAndArithmetic) {
  B b;
  b.placeholder("x", {6});
  b.placeholder("y", {6});
  for (const std::string op : {"Relu6", "Selu", "Softplus", "Square", "Rsqrt", "Elu", "Softsign"}) b.node(op, op, {"x"});
  auto& leaky = b.node("LeakyRelu", "LeakyRelu", {"x"});
  B::real(leaky, "alpha", 0.1f);
  for (const std::string op : {"SquaredDifference", "Maximum", "Minimum", "RealDiv"}) b.node(op, op, {"x", "y"});
  Tensor x(DType::f32, {6}), y(DType::f32, {6});
  const float xv[] = {-2.0f, -0.5f, 0.25f, 1.0f, 4.0f, 7.0f}, yv[] = {1.0f, -1.0f, 2.0f, 0.5f, 5.0f, 3.0f};
  std::copy(xv, xv + 6, x.data<float>());
  std::copy(yv, yv + 6, y.data<float>());
  const std::vector<std::string> fetches = {"Relu6", "Selu", "Softplus", "Square", "Rsqrt", "Elu", "Softsign", "LeakyRelu",
                                            "SquaredDifference", "Maximum", "Minimum", "RealDiv"};
  const auto out = b.run({"x", "y"}, fetches, {x, y});
  for (int i = 0; i < 6; ++i) {
    const double v = xv[i], u = yv[i];
    const double want[] = {std::clamp(v, 0.0, 6.0),
                           1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (std::exp(v) - 1)),
                           std::log1p(std::exp(v)),
                           v * v,
                           1 / std::sqrt(v),
                           v > 0 ? v : std::exp(v) - 1,
                           v / (1 + std::abs(v)),
                           v > 0 ? v : 0.1 * v,
                           (v - u) * (v - u),
                           std::max(v, u),
                           std::min(v, u),
                           v / u};
    for (std::size_t k = 0; k < fetches.size(); ++k) {
      if (std::isnan(want[k])) {
        EXPECT_TRUE(std::isnan(out[k].data<float>()[i])) << fetches[k];
        continue;
      }
      EXPECT_NEAR(out[k].data<float>()[i], want[k], 1e-5 * std::max(1.0, std::abs(want[k]))) << fetches[k] << " of " << v;
    }
  }
}

TEST(TfImport, FusedBatchNormAndDepthwiseConv) {
  B b;
  b.placeholder("x", {1, 3, 3, 2});
  const Tensor dw = wave({3, 3, 2, 2}, 0.9f);  // 2 filters per input channel
  b.constant("dw", dw);
  auto& conv = b.node("DepthwiseConv2dNative", "dw_conv", {"x", "dw"});
  B::ints(conv, "strides", {1, 1, 1, 1});
  B::string(conv, "padding", "SAME");
  const Tensor scale = wave({4}, 0.1f), offset_ = wave({4}, 0.2f), mean = wave({4}, 0.3f);
  Tensor var = wave({4}, 0.4f);
  for (int i = 0; i < 4; ++i) var.data<float>()[i] = std::abs(var.data<float>()[i]) + 0.5f;
  b.constant("scale", scale);
  b.constant("offset", offset_);
  b.constant("mean", mean);
  b.constant("var", var);
  auto& bn = b.node("FusedBatchNormV3", "bn", {"dw_conv", "scale", "offset", "mean", "var"});
  B::boolean(bn, "is_training", false);
  B::real(bn, "epsilon", 0.001f);
  const Tensor x = wave({1, 3, 3, 2});
  const Tensor y = b.run({"x"}, {"bn"}, {x})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 3, 3, 4}));
  // Output channel c * 2 + m is input channel c through filter m.
  for (std::int64_t c = 0; c < 2; ++c)
    for (std::int64_t m = 0; m < 2; ++m) {
      Tensor xc(DType::f32, {1, 3, 3, 1}), wc(DType::f32, {3, 3, 1, 1});
      for (int i = 0; i < 9; ++i) xc.data<float>()[i] = x.data<float>()[i * 2 + c], wc.data<float>()[i] = dw.data<float>()[i * 4 + c * 2 + m];
      const Tensor ref = conv2d_reference(xc, wc, 1, true);
      const std::int64_t k = c * 2 + m;
      const float s = scale.data<float>()[k] / std::sqrt(var.data<float>()[k] + 0.001f);
      for (int i = 0; i < 9; ++i)
        EXPECT_NEAR(y.data<float>()[i * 4 + k], (ref.data<float>()[i] - mean.data<float>()[k]) * s + offset_.data<float>()[k], 1e-4);
    }
}

TEST(TfImport, UnknownOperationIsNamedWithItsNodeAndFile) {
  B b;
  b.placeholder("x", {2});
  b.node("Cumsum", "running_total", {"x"});
  try {
    b.import({"x"}, {"running_total"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_EQ(std::string(e.what()), "test.pb: the native engine does not support the TensorFlow operation \"Cumsum\" (node \"running_total\")");
  }
}

TEST(TfImport, TrainingModeBatchNormAndUnfedPlaceholderAreRefused) {
  B b;
  b.placeholder("x", {1, 2, 2, 1});
  b.placeholder("phase", {});
  for (const char* k : {"s", "o", "m", "v"}) b.constant(k, wave({1}));
  b.node("FusedBatchNorm", "bn", {"x", "s", "o", "m", "v"});
  EXPECT_THROW(b.import({"x"}, {"bn"}), Error);
  b.node("Mul", "uses_phase", {"x", "phase"});
  try {
    b.import({"x"}, {"uses_phase"});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Placeholder node \"phase\" is not fed"), std::string::npos) << e.what();
  }
}

TEST(TfImport, FeedCanBeAnIntermediateTensor) {
  // Cut at "mid": what feeds it (an unfed placeholder) is never imported.
  B b;
  b.placeholder("raw", {2});
  b.node("Exp", "mid", {"raw"});
  b.node("Neg", "out", {"mid"});
  const auto g = b.import({"mid:0"}, {"out"});
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "mid:0");
  Tensor x(DType::f32, {2});
  x.data<float>()[0] = 3;
  const Tensor y = engine::graph::run_reference(engine::graph::specialize(g, {{2}}), {x})[0];
  EXPECT_EQ(y.data<float>()[0], -3.0f);
}

}  // namespace
}  // namespace deepimage::testing
