// Real third-party images from ../shared/realdata (see each folder's SOURCE.txt), used in place.
#include <gtest/gtest.h>

#include "io/image.hpp"
#include "io/npy.hpp"
#include "io/tiff.hpp"
#include "io_test_support.hpp"

namespace deepimage::io {
namespace {

using testing::realdata;
using testing::same_values;
using testing::throws_error;

// JPEG decoders may differ in chroma upsampling and rounding; a channel mean moves by far less.
constexpr double kJpegChannelMeanTolerance = 1.0;

#define SKIP_WITHOUT_REALDATA()                                                   \
  if (!std::filesystem::exists(realdata("README.md"))) GTEST_SKIP() << "no " << realdata("").string()

// The .npy twins hold the same pixels with extra size-1 axes.
Tensor squeezed(Tensor t, const std::string& axes) {
  Shape shape;
  for (auto s : t.shape())
    if (s != 1) shape.push_back(s);
  t.reshape(shape, axes);
  return t;
}

TEST(RealData, PancreaticLzwResultEqualsItsNpy) {
  SKIP_WITHOUT_REALDATA();
  const Image image = read_image(realdata("unet2d_pancreatic_keras_dij/resultImage.tif"));
  EXPECT_EQ(image.pixels.axes(), "yx");
  EXPECT_TRUE(same_values(image.pixels,
                          squeezed(read_npy(realdata("unet2d_pancreatic_keras_dij/resultImage.npy")), "yx")));
}

TEST(RealData, PancreaticImageJExampleEqualsItsNpy) {
  SKIP_WITHOUT_REALDATA();
  const Image image = read_image(realdata("unet2d_pancreatic_keras_dij/exampleImage.tif"));
  EXPECT_TRUE(same_values(image.pixels,
                          squeezed(read_npy(realdata("unet2d_pancreatic_keras_dij/exampleImage.npy")), "yx")));
}

TEST(RealData, NucleiSampleInputIsUint16) {
  SKIP_WITHOUT_REALDATA();
  // sample_input.tif is 520x696 while test_input.npy is a 512x512 tensor (not a crop of it), so the
  // two are not compared. Reference values from tifffile 2023.2.3 (uncompressed file):
  //   a = tifffile.imread(p); a.shape, a.dtype, int(a.sum()), a[0, 0], a[519, 695], a[100, 200]
  const Image image = read_image(realdata("unet2d_nuclei_broad_tiktorch_opset9/sample_input.tif"));
  ASSERT_EQ(image.pixels.dtype(), DType::u16);
  ASSERT_EQ(image.pixels.shape(), (Shape{520, 696}));
  const auto* p = image.pixels.data<std::uint16_t>();
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < image.pixels.element_count(); ++i) sum += p[i];
  EXPECT_EQ(sum, 93468169);
  EXPECT_EQ(p[0], 140);
  EXPECT_EQ(p[519 * 696 + 695], 172);
  EXPECT_EQ(p[100 * 696 + 200], 166);
}

TEST(RealData, StardistDeflateStackIsZyx) {
  SKIP_WITHOUT_REALDATA();
  const Image image = read_image(realdata("images/stardist_testdata/img3d.tif"));
  EXPECT_EQ(image.pixels.axes(), "zyx");
  EXPECT_EQ(image.pixels.shape(), (Shape{31, 61, 57}));
  EXPECT_EQ(image.pixels.dtype(), DType::u16);
}

TEST(RealData, ImageJStackOfSlicesAndChannels) {
  SKIP_WITHOUT_REALDATA();
  // ImageDescription "images=10 slices=10" and "images=3 channels=3" (read with tifffile).
  const Image defcon = read_image(realdata("defcon_imagej_savedmodel/test_data.tif"));
  EXPECT_EQ(defcon.pixels.axes(), "zyx");
  EXPECT_EQ(defcon.pixels.shape(), (Shape{10, 32, 32}));
  const Image bbbc022 = read_image(realdata("images/bioimage_notebooks/BBBC022/IXMtest_A02_s9.tif"));
  EXPECT_EQ(bbbc022.pixels.axes(), "cyx");
  EXPECT_EQ(bbbc022.pixels.shape(), (Shape{3, 395, 695}));
}

TEST(RealData, FileWithoutCompressionTag) {
  SKIP_WITHOUT_REALDATA();
  const Image image = read_image(realdata("images/bioimage_notebooks/BBBC038_0bf4b1.tif"));
  EXPECT_EQ(image.pixels.dtype(), DType::u8);
  EXPECT_EQ(image.pixels.shape(), (Shape{256, 256}));
}

TEST(RealData, JpegInTiffRgbHasThreeChannels) {
  SKIP_WITHOUT_REALDATA();
  const Image image = read_image(realdata("images/instanseg_examples/HE_example.tif"));
  ASSERT_EQ(image.pixels.axes(), "cyx");
  ASSERT_EQ(image.pixels.shape(), (Shape{3, 1484, 1380}));
  ASSERT_EQ(image.pixels.dtype(), DType::u8);
  // Channel means from Pillow 9.4 (Debian python3-pil; tifffile here lacks a JPEG codec):
  //   np.asarray(Image.open(p).convert('RGB')).mean(axis=(0, 1)) -> 177.754, 138.635, 193.987
  const double expected[3] = {177.754, 138.635, 193.987};
  const std::int64_t plane = 1484 * 1380;
  for (int c = 0; c < 3; ++c) {
    double sum = 0;
    for (std::int64_t i = 0; i < plane; ++i) sum += image.pixels.data<std::uint8_t>()[c * plane + i];
    EXPECT_NEAR(sum / static_cast<double>(plane), expected[c], kJpegChannelMeanTolerance) << "channel " << c;
  }
}

TEST(RealData, DefconNpyWithInconsistentShapeIsRejected) {
  SKIP_WITHOUT_REALDATA();
  // Header shape (64, 64, 1, 1, 0) holds no value, yet 64*64 float32 values follow.
  EXPECT_TRUE(throws_error([] { read_npy(realdata("deepimagej_defcon/exampleImage.npy")); }, ErrorCode::io,
                           "shape (64, 64, 1, 1, 0) holds 0 float32 values but 16384 bytes (4096 values)"));
}

}  // namespace
}  // namespace deepimage::io
