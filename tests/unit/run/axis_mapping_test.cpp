#include <gtest/gtest.h>

#include <numeric>

#include "deepimage/error.hpp"
#include "run/axis_mapping.hpp"
#include "support/tensor_specs.hpp"

namespace deepimage::run {
namespace {

using testing::bcyx_input;

Tensor iota(Shape shape, std::string axes) {
  Tensor t(DType::i32, std::move(shape), std::move(axes));
  std::iota(t.data<std::int32_t>(), t.data<std::int32_t>() + t.element_count(), 0);
  return t;
}

TEST(AxisMapping, YxImageGetsBatchAndChannelOfOne) {
  Tensor m = to_model_axes(iota({3, 4}, "yx"), bcyx_input(1), "a.tif");
  EXPECT_EQ(m.axes(), "bcyx");
  EXPECT_EQ(m.shape(), (Shape{1, 1, 3, 4}));
  EXPECT_EQ(m.data<std::int32_t>()[5], 5);
}

TEST(AxisMapping, InterleavedChannelsAreMovedFirst) {
  Tensor m = to_model_axes(iota({2, 3, 2}, "yxc"), bcyx_input(2), "rgb.tif");
  ASSERT_EQ(m.shape(), (Shape{1, 2, 2, 3}));
  // element (c=1, y=1, x=2) was at ((1 * 3) + 2) * 2 + 1 in yxc order
  EXPECT_EQ(m.data<std::int32_t>()[1 * 6 + 1 * 3 + 2], 11);
}

TEST(AxisMapping, SizeOneAxesTheModelLacksAreDropped) {
  Tensor m = to_model_axes(iota({1, 3, 4}, "zyx"), bcyx_input(1), "a.tif");
  EXPECT_EQ(m.shape(), (Shape{1, 1, 3, 4}));
}

TEST(AxisMapping, ExtraAxisWithDataIsAnErrorNamingIt) {
  try {
    to_model_axes(iota({5, 3, 4}, "zyx"), bcyx_input(1), "stack.tif");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("axis \"z\" of size 5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stack.tif"), std::string::npos) << e.what();
  }
}

TEST(AxisMapping, ChannelMismatchNamesBothCountsAndTheFix) {
  try {
    to_model_axes(iota({4, 4, 3}, "yxc"), bcyx_input(2), "rgb.png");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "\"rgb.png\" (axes \"yxc\", shape (4, 4, 3)) has 3 channels but model input \"raw\" expects 2 channels; "
              "choose 2 of them with --channels (e.g. --channels 0,1), or set the image axes with --axes if \"c\" is "
              "not the channel axis");
  }
  try {
    to_model_axes(iota({4, 4}, "yx"), bcyx_input(3), "grey.tif");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("has no channel axis but model input \"raw\" expects 3 channels; give an image "
                                         "with 3 channels"), std::string::npos) << e.what();
  }
}

TEST(AxisMapping, OutputBackToImageAxes) {
  Tensor out(DType::f32, {1, 1, 3, 4}, "bcyx");
  EXPECT_EQ(to_image_axes(out, "yx").axes(), "yx");
  EXPECT_EQ(to_image_axes(out, "cyx").axes(), "cyx");
  Tensor two(DType::f32, {1, 2, 3, 4}, "bcyx");
  EXPECT_EQ(to_image_axes(two, "yx").axes(), "cyx");
}

TEST(AxisMapping, SelectChannelsPicksInTheGivenOrder) {
  const Tensor t = iota({2, 3, 2, 2}, "zcyx");
  const Tensor s = select_channels(t, {2, 0}, "a.tif");
  ASSERT_EQ(s.shape(), (Shape{2, 2, 2, 2}));
  // s[z, j, y, x] == t[z, {2, 0}[j], y, x] == ((z * 3 + ch) * 2 + y) * 2 + x
  for (int z = 0; z < 2; ++z)
    for (int j = 0; j < 2; ++j)
      for (int p = 0; p < 4; ++p)
        EXPECT_EQ(s.data<std::int32_t>()[(z * 2 + j) * 4 + p], (z * 3 + (j == 0 ? 2 : 0)) * 4 + p);
  EXPECT_THROW(select_channels(t, {3}, "a.tif"), Error);
  EXPECT_THROW(select_channels(iota({2, 2}, "yx"), {0}, "a.tif"), Error);
}

TEST(AxisMapping, InferAndOverride) {
  TensorSpec in = bcyx_input(1);
  EXPECT_EQ(infer_axes({1, 1, 8, 8}, in), "bcyx");
  EXPECT_EQ(infer_axes({8, 8}, in), "yx");
  EXPECT_EQ(infer_axes({2, 8, 8}, in), "cyx");
  Tensor t(DType::u8, {2, 8, 8});
  override_axes(t, "zyx", "a.npy");
  EXPECT_EQ(t.axes(), "zyx");
  EXPECT_THROW(override_axes(t, "yx", "a.npy"), Error);
  EXPECT_THROW(override_axes(t, "yyx", "a.npy"), Error);
  EXPECT_THROW(override_axes(t, "qyx", "a.npy"), Error);
}

}  // namespace
}  // namespace deepimage::run
